"""A case opened, the people on it, and its supervision.

A case is opened from the ranking (选案, the ranking recomputed here, never taken from the
browser) or by hand with a reason; the inspection chief puts people on its stages, each of
whom declares conflicts of interest (回避) before acting; the chief may suspend, resume or
withdraw it; its documents are queued in the platform's PDF pipeline. The work of the stages
themselves is in stages.py; who may do what and when (the separation of duties included) is
decided once, in transitions.py.

Every action is one atomic function that writes the audit record with the case as its
object — the case's timeline is that slice of the unit's hash-chained trail. A refused
attempt raises ``Refused`` and is recorded as denied outside the rolled-back transaction.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengtong.audit.services import audit_record
from zhengtong.core.errors import Invalid, Refused, audited_refusal
from zhengtong.core.permissions import grant, revoke

from ..manifest import SELECTOR
from ..models import CaseAssignment, InspectedEntity, InspectionCase, ReviewDecision
from ..rules import InspectionRules, current_rules
from ..validators import Period
from .transitions import (
    INSPECTION_WORK,
    OPEN_STATES,
    ROLE_KEY,
    R,
    S,
    allow,
    can_assign,
    can_declare,
    can_issue_document,
    can_resume,
    can_suspend,
    can_withdraw,
    cleared,
    pending_declaration,
    role_missing,
    separation_refusal,
)

if TYPE_CHECKING:
    from zhengtong.accounts.models import User

VIEW = "inspection.view_inspectioncase"
ZERO = Decimal("0.00")


# ---------------------------------------------------------------- helpers
def _lock(case: InspectionCase) -> InspectionCase:
    """The case row, locked for this transaction: two people acting on one case at once
    (two co-signatures, an assignment during a declaration) are serialised here."""
    return InspectionCase.objects.select_for_update().select_related("entity").get(pk=case.pk)


def _step_due(status: str, rules: InspectionRules) -> date | None:
    days = {S.SELECTED: rules.assign_days, S.ASSIGNED: rules.inspection_days, S.INSPECTING: rules.inspection_days,
            S.RETURNED: rules.inspection_days, S.REPORT_SUBMITTED: rules.assign_days,
            S.UNDER_REVIEW: rules.review_days, S.DECIDED: rules.assign_days,
            S.EXECUTING: rules.execution_days}.get(status)
    return timezone.localdate() + timedelta(days=days) if days else None


def _move(case: InspectionCase, status: str, rules: InspectionRules) -> None:
    case.status = status
    case.step_due_on = _step_due(status, rules)
    case.overdue_warned_status = ""


def _record(case: InspectionCase, action: str, actor: User | None, *, before: dict | None = None,
            after: dict | None = None, detail: str = "") -> None:
    audit_record(action=f"inspection.case.{action}", actor=actor, obj=case, before=before, after=after,
                 detail=detail)


def _name(user) -> str:
    return user.get_short_name() if hasattr(user, "get_short_name") else str(user)


PAPER_VIEW, PAPER_CHANGE = "inspection.view_workingpaper", "inspection.change_workingpaper"


def sync_case_grants(case: InspectionCase) -> None:
    """Object permissions on the case's working papers (for their evidence files) follow who
    is on the case and its state: cleared inspectors may add files only while the inspection
    is open; cleared reviewers and executors may read; a declared conflict removes all."""
    from guardian.shortcuts import get_perms

    papers = list(case.papers.all())
    if not papers:
        return
    for a in case.assignments.select_related("user"):
        view = a.cleared
        change = view and a.role == R.INSPECTOR and case.status in INSPECTION_WORK
        for paper in papers:
            held = set(get_perms(a.user, paper))
            for perm, wanted in ((PAPER_VIEW, view), (PAPER_CHANGE, change)):
                codename = perm.split(".", 1)[1]
                if wanted and codename not in held:
                    grant(perm, a.user, paper)
                elif not wanted and codename in held:
                    revoke(perm, a.user, paper)


def _lock_sequence(prefix: str) -> None:
    with connection.cursor() as cur:  # one numbering sequence per unit schema and prefix
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema() || %s))", [f".{prefix}"])


def next_case_number(year: int) -> str:
    """JC2025-0001: per unit and year, serialised so two selections never share a number."""
    prefix = f"JC{year}-"
    _lock_sequence(prefix)
    last = InspectionCase.objects.filter(number__startswith=prefix).aggregate(m=Max("number"))["m"]
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{seq:04d}"


def _decision_number(kind: str, year: int) -> str:
    """稽处〔2025〕3号 (tax treatment) / 稽罚〔2025〕2号 (penalty), numbered per unit and year."""
    prefix = f"{kind}〔{year}〕"
    field = "tax_decision_number" if kind == "稽处" else "penalty_decision_number"
    _lock_sequence(prefix)
    numbers = ReviewDecision.objects.filter(**{f"{field}__startswith": prefix}).values_list(field, flat=True)
    seq = max((int(n[len(prefix):-1]) for n in numbers), default=0) + 1
    return f"{prefix}{seq}号"


def _money(value, label: str) -> Decimal:
    d = Decimal(value if value is not None else 0).quantize(Decimal("0.01"))
    if d < 0:
        raise Invalid({label: _("Amounts cannot be negative (金额不能为负).")})
    return d


# ---------------------------------------------------------------- selection (选案)
@audited_refusal("inspection.case.select", obj_arg="entity")
@transaction.atomic
def case_select(*, actor: User, entity: InspectedEntity, period: str) -> InspectionCase:
    """Open a case on a candidate of the ranking. The ranking is recomputed here (never
    taken from the browser) and its explanation is kept with the case as it stood."""
    from ..selectors import candidate_ranking

    allow(role_missing(actor, SELECTOR, message=_("Only case selectors select cases (只有选案人员可以选案).")))
    period = str(Period.parse(period))
    InspectedEntity.objects.select_for_update().get(pk=entity.pk)  # one selection per entity at a time
    rules = current_rules()
    ranking = candidate_ranking(period=period, rules=rules)
    position = next((i for i, c in enumerate(ranking) if c.entity.pk == entity.pk), None)
    if position is None:
        raise Refused(_("This taxpayer is not on the candidate list for the period; open a manual case with a "
                        "reason instead (该纳税人不在本期候选名单中，如需立案请人工选案并说明理由)."),
                      detail=f"not a candidate for {period}")
    candidate = ranking[position]
    _refuse_if_open(entity)
    case = InspectionCase(
        number=next_case_number(timezone.localdate().year), entity=entity, period=period,
        source=InspectionCase.Source.RANKING, score=candidate.score,
        score_snapshot=candidate.snapshot(rules, rank=position + 1, of=len(ranking)), selected_by=actor)
    _move(case, S.SELECTED, rules)
    case.save()
    _record(case, "select", actor, after={"source": "ranking", "period": period, "score": candidate.score,
                                          "rank": position + 1, "of": len(ranking),
                                          "drivers": [c.key for c in candidate.drivers],
                                          "flags": [f.code for f in candidate.flags]})
    return case


def _refuse_if_open(entity: InspectedEntity) -> None:
    open_case = InspectionCase.objects.filter(entity=entity, status__in=OPEN_STATES).first()
    if open_case:
        raise Refused(_("This taxpayer already has a case in progress (该纳税人已有在办案件).")
                      + f" {open_case.number}", detail=f"open case {open_case.number}")


@audited_refusal("inspection.case.select", obj_arg="entity")
@transaction.atomic
def case_open_manual(*, actor: User, entity: InspectedEntity, kind: str, reason: str,
                     period: str = "") -> InspectionCase:
    """A case selected by hand (tip-off, assignment from above, referral): the reason is
    required, and the case says it did not come from the ranking."""
    from ..selectors import candidate_ranking

    allow(role_missing(actor, SELECTOR, message=_("Only case selectors select cases (只有选案人员可以选案).")))
    if kind not in InspectionCase.ManualKind.values:
        raise Invalid({"kind": _("Choose where the case comes from (请选择案源).")})
    if len((reason or "").strip()) < 10:
        raise Invalid({"reason": _("A manual case needs a reason of at least 10 characters "
                                   "(人工选案须说明理由，不少于10个字).")})
    InspectedEntity.objects.select_for_update().get(pk=entity.pk)
    _refuse_if_open(entity)
    rules = current_rules()
    snapshot, score = None, None
    if period:
        period = str(Period.parse(period))
        # The score at selection, for the record, even though it did not drive the choice.
        found = candidate_ranking(period=period, rules=rules, include_all=True, entity_ids=[entity.pk])
        if found:
            snapshot, score = found[0].snapshot(rules), found[0].score
    case = InspectionCase(number=next_case_number(timezone.localdate().year), entity=entity, period=period,
                          source=InspectionCase.Source.MANUAL, manual_kind=kind, reason=reason.strip(),
                          score=score, score_snapshot=snapshot, selected_by=actor)
    _move(case, S.SELECTED, rules)
    case.save()
    _record(case, "select", actor, after={"source": "manual", "kind": kind, "reason": case.reason,
                                          "period": period, "score": score})
    return case


# ---------------------------------------------------------------- people on the case
@audited_refusal("inspection.case.assign", obj_arg="case")
@transaction.atomic
def case_assign(*, actor: User, case: InspectionCase, role: str, users: list[User]) -> list[CaseAssignment]:
    """The inspection chief puts people on a stage of the case. Each must hold the stage's
    role and pass the separation of duties; each then declares conflicts before acting."""
    case = _lock(case)
    allow(can_assign(case, actor, role))
    if not users:
        raise Invalid(_("Choose at least one person (请至少选择一人)."))
    rules = current_rules()
    made = []
    for user in users:
        if not user.has_role(ROLE_KEY[role]):
            raise Refused(f"{_name(user)}: " + _("does not hold the role for this stage (不具备该环节的角色)."),
                          detail=f"user {user.pk} lacks {ROLE_KEY[role]}")
        if case.assignments.filter(user_id=user.pk, role=role, removed_at__isnull=True).exists():
            raise Invalid(f"{_name(user)}: " + _("already assigned (已分配)."))
        reason = separation_refusal(case, user, role, rules)
        if reason:
            raise Refused(f"{_name(user)}: {reason}", detail=f"separation of duties: user {user.pk} as {role}")
        made.append(CaseAssignment.objects.create(case=case, user=user, role=role, assigned_by=actor))
        grant(VIEW, user, case)
    before = case.status
    if role == R.INSPECTOR and case.status == S.SELECTED:
        _move(case, S.ASSIGNED, rules)
    elif role == R.REVIEWER and case.status == S.REPORT_SUBMITTED:
        _move(case, S.UNDER_REVIEW, rules)
    elif role == R.EXECUTOR and case.status == S.DECIDED:
        _move(case, S.EXECUTING, rules)
    case.save()
    sync_case_grants(case)
    _record(case, "assign", actor, before={"status": before},
            after={"status": case.status, "role": role, "users": [{"id": u.pk, "name": _name(u)} for u in users]})
    return made


@audited_refusal("inspection.case.declare", obj_arg="case")
@transaction.atomic
def conflict_declare(*, actor: User, case: InspectionCase, has_conflict: bool, note: str = "") -> CaseAssignment:
    """回避: before acting, each assigned person declares. A conflict removes them."""
    case = _lock(case)
    allow(can_declare(case, actor))
    a = pending_declaration(case, actor)
    if has_conflict and not (note or "").strip():
        raise Invalid({"note": _("Describe the conflict of interest (请说明利益冲突情况).")})
    now = timezone.now()
    a.declared_at, a.conflict, a.conflict_note = now, has_conflict, (note or "").strip()
    if has_conflict:
        a.removed_at = now
        revoke(VIEW, actor, case)
    a.save()
    rules = current_rules()
    before = case.status
    if (not has_conflict and a.role == R.INSPECTOR and case.status == S.ASSIGNED
            and cleared(case, R.INSPECTOR).count() >= rules.min_inspectors):
        _move(case, S.INSPECTING, rules)
        case.save()
    sync_case_grants(case)
    _record(case, "declare", actor, before={"status": before},
            after={"status": case.status, "role": a.role, "conflict": has_conflict, "note": a.conflict_note})
    return a


# ---------------------------------------------------------------- supervision
@audited_refusal("inspection.case.suspend", obj_arg="case")
@transaction.atomic
def case_suspend(*, actor: User, case: InspectionCase, reason: str) -> InspectionCase:
    case = _lock(case)
    allow(can_suspend(case, actor))
    if len((reason or "").strip()) < 5:
        raise Invalid({"reason": _("Give the reason (请说明理由).")})
    before = case.status
    case.status_before_suspension, case.status, case.step_due_on = before, S.SUSPENDED, None
    case.save()
    sync_case_grants(case)
    _record(case, "suspend", actor, before={"status": before}, after={"status": case.status, "reason": reason.strip()})
    return case


@audited_refusal("inspection.case.resume", obj_arg="case")
@transaction.atomic
def case_resume(*, actor: User, case: InspectionCase, note: str = "") -> InspectionCase:
    case = _lock(case)
    allow(can_resume(case, actor))
    _move(case, case.status_before_suspension or S.SELECTED, current_rules())
    case.status_before_suspension = ""
    case.save()
    sync_case_grants(case)
    _record(case, "resume", actor, before={"status": S.SUSPENDED}, after={"status": case.status, "note": note})
    return case


@audited_refusal("inspection.case.withdraw", obj_arg="case")
@transaction.atomic
def case_withdraw(*, actor: User, case: InspectionCase, reason: str) -> InspectionCase:
    """撤销: only before a review decision exists (after that, the decision is executed or
    written off)."""
    case = _lock(case)
    allow(can_withdraw(case, actor))
    if len((reason or "").strip()) < 5:
        raise Invalid({"reason": _("Give the reason (请说明理由).")})
    before = case.status
    case.status, case.outcome, case.outcome_note = S.WITHDRAWN, InspectionCase.Outcome.WITHDRAWN, reason.strip()
    case.closed_at, case.step_due_on, case.status_before_suspension = timezone.now(), None, ""
    case.save()
    sync_case_grants(case)
    _record(case, "withdraw", actor, before={"status": before}, after={"status": case.status, "reason": reason.strip()})
    return case


# ---------------------------------------------------------------- documents
@audited_refusal("inspection.case.document", obj_arg="case")
def case_document_request(*, actor: User, case: InspectionCase, report_key: str):
    """Queue one of the case's documents (审理报告, 税务处理决定书, 税务行政处罚决定书) in the
    platform's PDF pipeline: numbered there, rendered by the worker, downloadable by the
    person who asked. The request is on the case's timeline with its document number."""
    from zhengtong.notifications.services import current_unit
    from zhengtong.reports.services import document_request

    from ..reports.documents import DOCUMENTS

    if report_key not in DOCUMENTS:
        raise ValueError(report_key)
    allow(can_issue_document(case, actor, report_key))
    with transaction.atomic():
        document = document_request(actor=actor, unit=current_unit(), report_key=report_key,
                                    parameters={"case": case.pk})
        _record(case, "document", actor, after={"report": report_key, "number": document.number})
    return document
