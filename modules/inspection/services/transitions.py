"""A case's state machine and who may move it, written once.

For each action on a case there is one guard here: ``can_<action>(case, user, ...)`` returns
why ``user`` may not take it now (a ``NotAllowed``), or None. The services call the guard
before they write (``allow(...)`` raises the refusal, audited by ``audited_refusal``); the
case page asks the same guards which forms to offer (``selectors.case_actions`` over
``ACTION_GUARDS``), so the page and the services cannot disagree. The guards judge who and
when; what was typed (amounts, reasons) is still checked by each service, which answers
``Invalid`` for it. A guard's refusal is always a ``Refused``, also when it is the case's state
that does not allow the action: an attempt out of turn on a case is audited as denied, as it
was before the platform had ``Invalid`` (a case's timeline shows it).

Separation of duties (相互制约) is decided here too: the person who selected a case cannot
inspect it, its inspectors cannot review it, its reviewers cannot execute it, a unit may make
that stricter (one stage per person), and a declared conflict of interest removes a person.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from zhengtong.core.errors import Refused

from ..manifest import EXECUTOR, INSPECTOR, REVIEWER, SUPERVISOR
from ..models import CaseAssignment, ChangeRequest, InspectionCase, ReviewDecision
from ..rules import InspectionRules, current_rules
from .common import has_any_role

if TYPE_CHECKING:
    from zhengtong.accounts.models import User

S = InspectionCase.Status
R = CaseAssignment.Role
ROLE_KEY = {R.INSPECTOR: INSPECTOR, R.REVIEWER: REVIEWER, R.EXECUTOR: EXECUTOR}
STAGE_OF_ROLE = {R.INSPECTOR: "inspection", R.REVIEWER: "review", R.EXECUTOR: "execution"}
OPEN_STATES = tuple(s for s in S.values if s not in (S.CLOSED, S.WITHDRAWN))
INSPECTION_WORK = (S.INSPECTING, S.RETURNED)
WITHDRAWABLE = (S.SELECTED, S.ASSIGNED, S.INSPECTING, S.RETURNED, S.REPORT_SUBMITTED, S.UNDER_REVIEW)
# The states in which people may be put on each stage.
ASSIGNABLE = {
    R.INSPECTOR: (S.SELECTED, S.ASSIGNED, S.INSPECTING, S.RETURNED),
    R.REVIEWER: (S.REPORT_SUBMITTED, S.UNDER_REVIEW),
    R.EXECUTOR: (S.DECIDED, S.EXECUTING),
}
# Submitted data changes by change request (services/changes.py): which stage a target belongs
# to, and from which state on that stage counts as submitted.
TARGET_RULES = {
    ChangeRequest.Target.FINDING: (R.INSPECTOR, (S.REPORT_SUBMITTED, S.UNDER_REVIEW, S.DECIDED, S.EXECUTING,
                                                 S.CLOSED, S.SUSPENDED)),
    ChangeRequest.Target.DECISION: (R.REVIEWER, (S.DECIDED, S.EXECUTING, S.CLOSED, S.SUSPENDED)),
    ChangeRequest.Target.PAYMENT: (R.EXECUTOR, (S.EXECUTING, S.CLOSED, S.SUSPENDED)),
}


@dataclass(frozen=True)
class NotAllowed:
    """Why an action is refused: ``message`` for the person, ``detail`` for the audit trail."""

    message: str
    detail: str


def allow(reason: NotAllowed | None) -> None:
    """Raise the refusal a guard gave, if it gave one."""
    if reason is not None:
        raise Refused(reason.message, detail=reason.detail)


# ---------------------------------------------------------------- the parts guards are made of
def role_missing(user: User, *keys: str, message: str) -> NotAllowed | None:
    if has_any_role(user, *keys):
        return None
    return NotAllowed(message, f"role required: {', '.join(keys)}")


def state_not_in(case: InspectionCase, *states: str) -> NotAllowed | None:
    if case.status in states:
        return None
    return NotAllowed(_("This cannot be done while the case is in its current state (案件当前状态不允许此操作).")
                      + f" [{case.get_status_display()}]", f"state {case.status} not in {','.join(states)}")


def stages_of(case: InspectionCase, user: User) -> set[str]:
    """The stages ``user`` has taken part in on ``case`` ("conflict" if they declared one)."""
    stages = set()
    if case.selected_by_id == user.pk:
        stages.add("selection")
    for a in case.assignments.filter(user_id=user.pk):
        if a.conflict is True:
            stages.add("conflict")
        elif a.removed_at is None:
            stages.add(STAGE_OF_ROLE[a.role])
    return stages


def separation_refusal(case: InspectionCase, user: User, role: str, rules: InspectionRules) -> str | None:
    """Why ``user`` may not act as ``role`` on ``case``, or None. The one place the
    separation of duties is decided."""
    stages = stages_of(case, user)
    if "conflict" in stages:
        return _("They declared a conflict of interest on this case and may not take part in it "
                 "(已申报利益冲突，不得参与本案).")
    if role == R.INSPECTOR and "selection" in stages:
        return _("The person who selected a case may not inspect it (选案人员不得检查本案).")
    if role == R.REVIEWER and "inspection" in stages:
        return _("An inspector of a case may not review it (检查人员不得审理本案).")
    if role == R.EXECUTOR and "review" in stages:
        return _("A reviewer of a case may not execute it (审理人员不得执行本案).")
    if rules.one_stage_per_person and stages - {STAGE_OF_ROLE[role]}:
        return _("In this unit nobody takes part in two stages of one case (本单位规定一人一案只参与一个环节).")
    return None


ROLE_REFUSALS = {
    R.INSPECTOR: "Only the case's assigned inspectors may do this (只有本案的检查人员可以执行此操作).",
    R.REVIEWER: "Only the case's assigned reviewer may do this (只有本案的审理人员可以执行此操作).",
    R.EXECUTOR: "Only the case's assigned executor may do this (只有本案的执行人员可以执行此操作).",
}


def not_cleared(case: InspectionCase, user: User, role: str, rules: InspectionRules) -> NotAllowed | None:
    """None when ``user`` is assigned to ``case`` as ``role``, has declared no conflict and
    passes the separation of duties under the rules in force now (rules may have become
    stricter since they were assigned)."""
    a = case.assignments.filter(user_id=getattr(user, "pk", None), role=role, removed_at__isnull=True).first()
    if a is None or not user.has_role(ROLE_KEY[role]):
        return NotAllowed(_(ROLE_REFUSALS[role]), f"not an assigned {role}")
    if a.conflict is None:
        return NotAllowed(_("Declare whether you have a conflict of interest before working on the case "
                            "(请先申报是否存在利益冲突)."), "no conflict-of-interest declaration")
    reason = separation_refusal(case, user, role, rules)
    return NotAllowed(reason, f"separation of duties ({role})") if reason else None


def cleared(case: InspectionCase, role: str):
    return case.assignments.filter(role=role, removed_at__isnull=True, conflict=False)


def report_round(case: InspectionCase) -> int:
    """The inspection report's round: one more than the returns from review."""
    return case.returns.count() + 1


def _first(*checks: Callable[[], NotAllowed | None]) -> NotAllowed | None:
    """The first refusal of ``checks``, asked in order (later ones may assume earlier ones passed)."""
    for check in checks:
        reason = check()
        if reason is not None:
            return reason
    return None


# ---------------------------------------------------------------- people on the case
def can_assign(case: InspectionCase, user: User, role: str) -> NotAllowed | None:
    if role not in ASSIGNABLE:
        raise ValueError(role)
    return _first(lambda: role_missing(user, SUPERVISOR, message=_(
        "Only the inspection chief assigns people to cases (只有稽查局长可以分配办案人员).")),
                  lambda: state_not_in(case, *ASSIGNABLE[role]))


def pending_declaration(case: InspectionCase, user: User) -> CaseAssignment | None:
    return case.assignments.filter(user_id=getattr(user, "pk", None), removed_at__isnull=True,
                                   conflict__isnull=True).first()


def can_declare(case: InspectionCase, user: User) -> NotAllowed | None:
    """回避: each assigned person declares once, before acting."""
    if pending_declaration(case, user) is not None:
        return None
    return NotAllowed(_("You have no assignment on this case waiting for a declaration (您在本案没有待申报的分配)."),
                      "no pending assignment")


# ---------------------------------------------------------------- inspection (检查)
def can_inspect(case: InspectionCase, user: User, rules: InspectionRules | None = None) -> NotAllowed | None:
    """Working papers, evidence and findings: the case's cleared inspectors, while it is open."""
    rules = rules or current_rules()
    return _first(lambda: not_cleared(case, user, R.INSPECTOR, rules), lambda: state_not_in(case, *INSPECTION_WORK))


def can_update_finding(case: InspectionCase, user: User, rules: InspectionRules | None = None) -> NotAllowed | None:
    """Direct changes only while the inspection is open; after the report is submitted the
    finding changes through a change request approved by someone else."""
    rules = rules or current_rules()
    if reason := not_cleared(case, user, R.INSPECTOR, rules):
        return reason
    if case.status in INSPECTION_WORK:
        return None
    return NotAllowed(_("The inspection report has been submitted: changing it needs a change request approved by "
                        "a second person (检查报告已提交，修改须提交变更申请并经他人审批)."),
                      f"direct change refused in state {case.status}")


def can_submit_report(case: InspectionCase, user: User, rules: InspectionRules | None = None) -> NotAllowed | None:
    """One inspector submits the round's report (and may rewrite it until it is co-signed)."""
    if reason := can_inspect(case, user, rules):
        return reason
    report = case.reports.filter(round=report_round(case)).first()
    if report is not None and report.submitted_by_id != user.pk:
        return NotAllowed(_("Another inspector has submitted this report: co-sign it instead "
                            "(其他检查人员已提交报告，请会签)."), "report already submitted by another inspector")
    return None


def can_cosign_report(case: InspectionCase, user: User, rules: InspectionRules | None = None) -> NotAllowed | None:
    """Another inspector co-signs: inspection takes at least two people."""
    rules = rules or current_rules()
    if reason := can_inspect(case, user, rules):
        return reason
    report = case.reports.filter(round=report_round(case)).first()
    if report is None:
        return NotAllowed(_("No inspection report has been submitted yet (尚未提交检查报告)."), "no report")
    if report.submitted_by_id == user.pk:
        return NotAllowed(_("The inspector who submitted the report cannot also co-sign it: inspection takes at "
                            "least two people (提交人不能会签本人报告，检查须至少两人)."), "self co-signature")
    if cleared(case, R.INSPECTOR).count() < rules.min_inspectors:
        return NotAllowed(_("Fewer inspectors are on the case than the unit requires (本案检查人员人数不足).")
                          + f" ≥{rules.min_inspectors}", "too few inspectors")
    return None


# ---------------------------------------------------------------- review (审理) and execution (执行)
def can_review(case: InspectionCase, user: User, rules: InspectionRules | None = None) -> NotAllowed | None:
    """Return for more inspection, or decide: the cleared reviewer, while under review."""
    rules = rules or current_rules()
    return _first(lambda: not_cleared(case, user, R.REVIEWER, rules), lambda: state_not_in(case, S.UNDER_REVIEW))


def can_execute(case: InspectionCase, user: User, rules: InspectionRules | None = None) -> NotAllowed | None:
    """Payments and enforcement measures: the cleared executor, during execution."""
    rules = rules or current_rules()
    return _first(lambda: not_cleared(case, user, R.EXECUTOR, rules), lambda: state_not_in(case, S.EXECUTING))


def can_settle(case: InspectionCase, user: User, rules: InspectionRules | None = None) -> NotAllowed | None:
    """Closing as settled: the executor during execution, or the chief when nothing was due.
    (Whether anything is still outstanding is the service's check of the amounts.)"""
    decision = ReviewDecision.objects.filter(case=case).first()
    nothing_due = decision is not None and decision.total == 0
    if nothing_due and has_any_role(user, SUPERVISOR) and case.status in (S.DECIDED, S.EXECUTING):
        return None
    return can_execute(case, user, rules)


def can_write_off(case: InspectionCase, user: User) -> NotAllowed | None:
    """核销 what cannot be collected: only the chief, during execution."""
    return _first(lambda: role_missing(user, SUPERVISOR, message=_(
        "Only the inspection chief writes off what cannot be collected (只有稽查局长可以核销).")),
                  lambda: state_not_in(case, S.EXECUTING))


def can_close(case: InspectionCase, user: User, rules: InspectionRules | None = None) -> NotAllowed | None:
    """Either way of closing (the form names the outcome): settled, or written off."""
    if can_settle(case, user, rules) is None:
        return None
    return can_write_off(case, user)


def can_request_change(case: InspectionCase, user: User, target: str,
                       rules: InspectionRules | None = None) -> NotAllowed | None:
    """A change of submitted data: by the stage's own cleared people, once the stage is submitted."""
    role, submitted_states = TARGET_RULES[target]
    if reason := not_cleared(case, user, role, rules or current_rules()):
        return reason
    if case.status in submitted_states:
        return None
    return NotAllowed(_("This stage is not submitted yet: change the data directly (本环节尚未提交，可直接修改)."),
                      f"no change request needed in state {case.status}")


# ---------------------------------------------------------------- supervision
def can_suspend(case: InspectionCase, user: User) -> NotAllowed | None:
    return _first(lambda: role_missing(user, SUPERVISOR, message=_(
        "Only the inspection chief suspends a case (只有稽查局长可以中止案件).")),
                  lambda: state_not_in(case, *(s for s in OPEN_STATES if s != S.SUSPENDED)))


def can_resume(case: InspectionCase, user: User) -> NotAllowed | None:
    return _first(lambda: role_missing(user, SUPERVISOR, message=_(
        "Only the inspection chief resumes a case (只有稽查局长可以恢复案件).")),
                  lambda: state_not_in(case, S.SUSPENDED))


def can_withdraw(case: InspectionCase, user: User) -> NotAllowed | None:
    """撤销: only before a review decision exists (after that, the decision is executed or
    written off). A suspended case counts in the state it was suspended in."""
    if reason := role_missing(user, SUPERVISOR, message=_(
            "Only the inspection chief withdraws a case (只有稽查局长可以撤销案件).")):
        return reason
    effective = case.status_before_suspension if case.status == S.SUSPENDED else case.status
    if effective in WITHDRAWABLE:
        return None
    return NotAllowed(_("A case with a review decision cannot be withdrawn (已作出审理决定的案件不能撤销)."),
                      f"withdraw refused in state {case.status}")


# ---------------------------------------------------------------- documents
def can_issue_document(case: InspectionCase, user: User, report_key: str) -> NotAllowed | None:
    """The case's documents: for those whose role issues them, once the decision makes them exist."""
    from ..reports.documents import DOCUMENTS  # the documents read the selectors, which read these guards

    if not (user is not None and user.is_authenticated and user.has_perm("inspection.issue_case_documents")):
        return NotAllowed(_("Your role does not issue case documents (您的角色不能生成案件文书)."),
                          "missing inspection.issue_case_documents")
    decision = ReviewDecision.objects.filter(case=case).first()
    if decision is None or not DOCUMENTS[report_key][2](decision):
        return NotAllowed(_("This document does not exist for the case (yet) (本案尚无此文书)."),
                          f"{report_key} not applicable in state {case.status}")
    return None


# ---------------------------------------------------------------- what the case page offers
Guard = Callable[[InspectionCase, "User", InspectionRules], "NotAllowed | None"]

# The case page's forms, by the names its template and views.case_actions.ACTIONS use, and the
# guard of each.
ACTION_GUARDS: dict[str, Guard] = {
    "assign_inspector": lambda case, user, rules: can_assign(case, user, R.INSPECTOR),
    "assign_reviewer": lambda case, user, rules: can_assign(case, user, R.REVIEWER),
    "assign_executor": lambda case, user, rules: can_assign(case, user, R.EXECUTOR),
    "declare": lambda case, user, rules: can_declare(case, user),
    "paper": can_inspect,
    "evidence": can_inspect,
    "finding": can_inspect,
    "finding_update": can_update_finding,
    "report_submit": can_submit_report,
    "report_cosign": can_cosign_report,
    "change_finding": lambda case, user, rules: can_request_change(case, user, ChangeRequest.Target.FINDING, rules),
    "review_return": can_review,
    "review_decide": can_review,
    "change_decision": lambda case, user, rules: can_request_change(case, user, ChangeRequest.Target.DECISION,
                                                                    rules),
    "payment": can_execute,
    "measure": can_execute,
    "close": can_close,
    "suspend": lambda case, user, rules: can_suspend(case, user),
    "resume": lambda case, user, rules: can_resume(case, user),
    "withdraw": lambda case, user, rules: can_withdraw(case, user),
}
