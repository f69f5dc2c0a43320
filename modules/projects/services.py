"""Writes of the IT projects module: applying (立项申请), the project group, submitting into the
approval engine, and what approval does to a project (number and status).

Each transition has one guard (``can_edit``, ``can_submit``: a reason or None); the services call
them, the approval handler asks them, and selectors.actions_for shows what they allow. Refusals
are ``Refused`` (this person may not: audited) or ``Invalid`` (the input or the project's state).
"""
from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengtong.audit.services import audit_record
from zhengtong.core.errors import Invalid, Refused, audited_refusal
from zhengtong.core.tenancy import current_unit
from zhengtong.core.updates import model_update
from zhengtong.registry.rules import rules_for

from . import classification
from .manifest import APPROVAL, MANIFEST
from .models import Project, ProjectMember

NOTICE_REPORT = "projects.approval_notice"
EDITABLE = (Project.Status.DRAFT, Project.Status.REJECTED)
FIELDS = ("name", "scope", "kind", "estimated_investment", "year", "description")


# ----------------------------------------------------------------------------- guards
def _may_manage(user, project: Project) -> bool:
    """The applicant, or whoever may change every project of the unit (the IT authority)."""
    return project.applicant_id == user.pk or user.has_perm("projects.change_project")


def can_edit(user, project: Project) -> str | None:
    if not _may_manage(user, project):
        return _("Only the applicant or the IT authority may change this project (仅申请人或信息化主管部门可修改).")
    if project.status not in EDITABLE:
        return _("The project is %(s)s and can no longer be changed (项目当前状态不可修改).") % {
            "s": project.get_status_display()}
    return None


def can_submit(user, project: Project) -> str | None:
    """Who may put the project into approval: the applicant, the unit's leader or the IT authority."""
    if not (_may_manage(user, project) or user.has_role("projects.leader")):
        return _("Only the applicant, the unit's leader or the IT authority may submit this project "
                 "(仅申请人、申请单位负责人或信息化主管部门可提交立项申请).")
    return None


def group_refusal(project: Project, project_class: str) -> str | None:
    """第二十五条: a 重大 project is built by full-time (脱产) members of the business project group."""
    if project_class == Project.Class.MAJOR and not project.members.filter(full_time=True).exists():
        return _("A major project needs at least one full-time (脱产) member in its business project group "
                 "(重大信息化项目的业务项目组须有脱产成员).")
    return None


def _locked_for_edit(actor, project: Project) -> Project:
    """The project locked for a change: Refused to someone who may not manage it, Invalid once
    its state no longer allows changes."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    if reason := can_edit(actor, project):
        raise Refused(reason, code="may_not_edit") if not _may_manage(actor, project) else Invalid(reason)
    return project


# ----------------------------------------------------------------------------- applying
def class_for(investment: Decimal) -> str:
    rules = rules_for(MANIFEST)
    return classification.project_class(investment, general_max=rules["general_max"], large_max=rules["large_max"])


def _checked(data: dict) -> dict:
    """Reasons against the input, each in both languages, by field."""
    errors = {}
    if not (data.get("name") or "").strip():
        errors["name"] = _("Enter the project name (请填写项目名称).")
    try:
        investment = Decimal(str(data.get("estimated_investment")))
    except ArithmeticError:  # decimal.InvalidOperation: not a number at all
        investment = None
    if investment is None or not investment.is_finite() or investment <= 0:
        errors["estimated_investment"] = _("The estimated investment must be more than zero (投资估算须大于零).")
    if data.get("scope") not in Project.Scope.values:
        errors["scope"] = _("Choose the scope (请选择项目范围).")
    if data.get("kind") not in Project.Kind.values:
        errors["kind"] = _("Choose new build, extension or rebuild (请选择新建、扩建或改建).")
    try:
        year_ok = 2000 <= int(data.get("year")) <= 2100
    except (TypeError, ValueError):
        year_ok = False
    if not year_ok:
        errors["year"] = _("Enter the plan year (请填写计划年度).")
    if errors:
        raise Invalid(errors)
    return {**data, "name": data["name"].strip(), "estimated_investment": investment}


@audited_refusal("projects.project.create", object_type="projects.Project")
@transaction.atomic
def project_create(*, actor, name: str, scope: str, kind: str, estimated_investment: Decimal,
                   year: int | None = None, description: str = "") -> Project:
    if not actor.has_perm("projects.add_project"):
        raise Refused(_("You may not apply for projects in this unit (您无权在本单位申请立项)."), code="may_not_apply")
    data = _checked({"name": name, "scope": scope, "kind": kind, "estimated_investment": estimated_investment,
                     "year": year or timezone.localdate().year, "description": description})
    project = Project(**data, applicant=actor, project_class=class_for(data["estimated_investment"]))
    project.full_clean()
    project.save()
    audit_record(action="projects.project.create", actor=actor, obj=project,
                 detail=f"{project.project_class} {project.estimated_investment}")
    return project


@audited_refusal("projects.project.update", obj_arg="project")
@transaction.atomic
def project_update(*, actor, project: Project, **changes) -> Project:
    project = _locked_for_edit(actor, project)
    data = _checked({**{f: getattr(project, f) for f in FIELDS}, **changes})
    data["project_class"] = class_for(data["estimated_investment"])
    project, _changed = model_update(instance=project, data=data, fields=(*FIELDS, "project_class"), actor=actor,
                                     action="projects.project.update")
    return project


@audited_refusal("projects.member.add", obj_arg="project")
@transaction.atomic
def member_add(*, actor, project: Project, person, role: str = ProjectMember.Role.MEMBER,
               full_time: bool = False) -> ProjectMember:
    project = _locked_for_edit(actor, project)
    unit = current_unit()
    if unit is None or not unit.user_set.filter(pk=person.pk, is_active=True).exists():
        raise Invalid(_("Only members of this unit can join its project group (业务项目组成员须为本单位人员)."))
    if project.members.filter(person_id=person.pk).exists():
        raise Invalid(_("%(p)s is already in the project group (已在业务项目组中).") % {"p": person})
    member = ProjectMember(project=project, person=person, role=role, full_time=full_time)
    member.full_clean()
    member.save()
    audit_record(action="projects.member.add", actor=actor, obj=project,
                 detail=f"{person.pk} {role}{' full-time' if full_time else ''}")
    return member


# ----------------------------------------------------------------------------- approval
@audited_refusal("projects.project.submit", obj_arg="project")
@transaction.atomic
def project_submit(*, actor, project: Project, reason: str = ""):
    """Into the approval engine along the chain the project's class picks (manifest.APPROVAL)."""
    from zhengtong.approvals.services import approval_submit

    return approval_submit(type_key=APPROVAL.key, subject_id=project.pk, actor=actor, reason=reason)


def submission_refusal_by_state(project: Project, *, resubmission: bool = False) -> Invalid | None:
    allowed = (*EDITABLE, Project.Status.IN_APPROVAL) if resubmission else EDITABLE
    if project.status not in allowed:
        return Invalid(_("The project is %(s)s and cannot be submitted again (项目当前状态不可提交).") % {
            "s": project.get_status_display()})
    return None


def submission_refusal(project: Project, *, resubmission: bool = False) -> Refused | Invalid | None:
    """Why the project cannot go into approval now (the engine asks through the handler). A request
    returned for revision keeps the project in approval and is resubmitted from there."""
    if refusal := submission_refusal_by_state(project, resubmission=resubmission):
        return refusal
    if reason := group_refusal(project, class_for(project.estimated_investment)):
        return Refused(reason, code="full_time_member_required")
    return None


def project_reclassify(project: Project) -> Project:
    """The class by the unit's bounds at submission: a bound changed since the draft counts."""
    klass = class_for(project.estimated_investment)
    if klass != project.project_class:
        project.project_class = klass
        project.save(update_fields=["project_class", "updated_at"])
    return project


def project_status_set(*, project: Project, status: str) -> Project:
    project.status = status
    project.save(update_fields=["status", "updated_at"])
    return project


def project_approve(*, project: Project, actor) -> Project:
    """The last step approved: the project's number 信立〔plan year〕第N号, per unit and plan year
    without gaps (the unique constraint refuses a second project with the same number)."""
    last = (Project.objects.filter(number_seq__isnull=False, year=project.year)
            .aggregate(m=Max("number_seq"))["m"] or 0)
    project.number_seq, project.number = last + 1, f"信立〔{project.year}〕第{last + 1}号"
    project.status, project.approved_at = Project.Status.APPROVED, timezone.now()
    project.save(update_fields=["number", "number_seq", "status", "approved_at", "updated_at"])
    audit_record(action="projects.project.approve", actor=actor, obj=project, detail=project.number)
    notice_issue(project=project)
    return project


def notice_issue(*, project: Project):
    """The approval issues the 立项批准通知书 (第八条): requested for the applicant through the
    reports engine, numbered now and rendered by the worker after the approval commits; it is in
    the applicant's documents and linked from the project. An applicant no longer in the unit
    gets none (anyone who may see the project requests it from its page)."""
    from zhengtong.reports.services import document_request, is_member

    unit = current_unit()
    if unit is None or not is_member(project.applicant, unit):
        return None
    return document_request(actor=project.applicant, unit=unit, report_key=NOTICE_REPORT,
                            parameters={"project": project.pk}, language="zh-hans")
