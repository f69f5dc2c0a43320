"""A case's life: selection 选案 → inspection 检查 → review 审理 → execution 执行.

The stages check each other (相互制约) because different people hold them, and that is
enforced here, not in the views:

* the person who selected a case cannot inspect it;
* its inspectors cannot review it; its reviewers cannot execute it;
* a unit may make this stricter ("one_stage_per_person": nobody acts in two stages), never
  looser;
* inspection takes at least two people (``min_inspectors``, never below 2): one drafts the
  inspection report, another co-signs it;
* everyone assigned declares conflicts of interest before acting; a declared conflict
  removes them from the case for good.

Every action is one atomic function that writes the audit record with the case as its
object — the case's timeline is that slice of the unit's hash-chained trail. A refused
attempt raises ``Refused`` and is recorded as denied outside the rolled-back transaction.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengtong.audit.services import audit_record
from zhengtong.core.permissions import grant, revoke

from ..manifest import EXECUTOR, INSPECTOR, REVIEWER, SELECTOR, SUPERVISOR
from ..models import (
    CaseAssignment,
    EnforcementMeasure,
    EvidenceItem,
    Finding,
    InspectedEntity,
    InspectionCase,
    InspectionReport,
    Payment,
    RegulationArticle,
    ReviewDecision,
    ReviewReturn,
    WorkingPaper,
)
from ..rules import InspectionRules, current_rules
from ..validators import Period
from .common import Refused, audited_refusal, has_any_role

S = InspectionCase.Status
R = CaseAssignment.Role
VIEW = "inspection.view_inspectioncase"
ZERO = Decimal("0.00")
ROLE_KEY = {R.INSPECTOR: INSPECTOR, R.REVIEWER: REVIEWER, R.EXECUTOR: EXECUTOR}
STAGE_OF_ROLE = {R.INSPECTOR: "inspection", R.REVIEWER: "review", R.EXECUTOR: "execution"}
OPEN_STATES = tuple(s for s in S.values if s not in (S.CLOSED, S.WITHDRAWN))
INSPECTION_WORK = (S.INSPECTING, S.RETURNED)
WITHDRAWABLE = (S.SELECTED, S.ASSIGNED, S.INSPECTING, S.RETURNED, S.REPORT_SUBMITTED, S.UNDER_REVIEW)


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


def _record(case: InspectionCase, action: str, actor, *, before: dict | None = None, after: dict | None = None,
            detail: str = "") -> None:
    audit_record(action=f"inspection.case.{action}", actor=actor, obj=case, before=before, after=after,
                 detail=detail)


def _name(user) -> str:
    return user.get_short_name() if hasattr(user, "get_short_name") else str(user)


def _require_role(actor, *keys: str, message: str) -> None:
    if not has_any_role(actor, *keys):
        raise Refused(message, detail=f"role required: {', '.join(keys)}")


def _require_status(case: InspectionCase, *states: str) -> None:
    if case.status not in states:
        raise Refused(
            _("This cannot be done while the case is in its current state (案件当前状态不允许此操作).")
            + f" [{case.get_status_display()}]",
            detail=f"state {case.status} not in {','.join(states)}")


def stages_of(case: InspectionCase, user) -> set[str]:
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


def separation_refusal(case: InspectionCase, user, role: str, rules: InspectionRules) -> str | None:
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


def _require_cleared(case: InspectionCase, actor, role: str, rules: InspectionRules) -> CaseAssignment:
    """``actor`` is assigned to ``case`` as ``role``, has declared no conflict and passes the
    separation of duties under the rules in force now (rules may have become stricter)."""
    a = case.assignments.filter(user_id=getattr(actor, "pk", None), role=role, removed_at__isnull=True).first()
    if a is None or not actor.has_role(ROLE_KEY[role]):
        raise Refused(_(ROLE_REFUSALS[role]), detail=f"not an assigned {role}")
    if a.conflict is None:
        raise Refused(_("Declare whether you have a conflict of interest before working on the case "
                        "(请先申报是否存在利益冲突)."), detail="no conflict-of-interest declaration")
    reason = separation_refusal(case, actor, role, rules)
    if reason:
        raise Refused(reason, detail=f"separation of duties ({role})")
    return a


def cleared(case: InspectionCase, role: str):
    return case.assignments.filter(role=role, removed_at__isnull=True, conflict=False)


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
        raise ValidationError({label: _("Amounts cannot be negative (金额不能为负).")})
    return d


# ---------------------------------------------------------------- selection (选案)
@audited_refusal("inspection.case.select", obj_arg="entity")
@transaction.atomic
def case_select(*, actor, entity: InspectedEntity, period: str) -> InspectionCase:
    """Open a case on a candidate of the ranking. The ranking is recomputed here (never
    taken from the browser) and its explanation is kept with the case as it stood."""
    from ..selectors import candidate_ranking

    _require_role(actor, SELECTOR, message=_("Only case selectors select cases (只有选案人员可以选案)."))
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
        raise Refused(_("This taxpayer already has a case in progress (该纳税人已有在办案件).") + f" {open_case.number}",
                      detail=f"open case {open_case.number}")


@audited_refusal("inspection.case.select", obj_arg="entity")
@transaction.atomic
def case_open_manual(*, actor, entity: InspectedEntity, kind: str, reason: str, period: str = "") -> InspectionCase:
    """A case selected by hand (tip-off, assignment from above, referral): the reason is
    required, and the case says it did not come from the ranking."""
    from ..selectors import candidate_ranking

    _require_role(actor, SELECTOR, message=_("Only case selectors select cases (只有选案人员可以选案)."))
    if kind not in InspectionCase.ManualKind.values:
        raise ValidationError({"kind": _("Choose where the case comes from (请选择案源).")})
    if len((reason or "").strip()) < 10:
        raise ValidationError({"reason": _("A manual case needs a reason of at least 10 characters "
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
ASSIGNABLE = {
    R.INSPECTOR: (S.SELECTED, S.ASSIGNED, S.INSPECTING, S.RETURNED),
    R.REVIEWER: (S.REPORT_SUBMITTED, S.UNDER_REVIEW),
    R.EXECUTOR: (S.DECIDED, S.EXECUTING),
}


@audited_refusal("inspection.case.assign")
@transaction.atomic
def case_assign(*, actor, case: InspectionCase, role: str, users: list) -> list[CaseAssignment]:
    """The inspection chief puts people on a stage of the case. Each must hold the stage's
    role and pass the separation of duties; each then declares conflicts before acting."""
    _require_role(actor, SUPERVISOR, message=_("Only the inspection chief assigns people to cases "
                                               "(只有稽查局长可以分配办案人员)."))
    case = _lock(case)
    if role not in ASSIGNABLE:
        raise ValueError(role)
    _require_status(case, *ASSIGNABLE[role])
    if not users:
        raise ValidationError(_("Choose at least one person (请至少选择一人)."))
    rules = current_rules()
    made = []
    for user in users:
        if not user.has_role(ROLE_KEY[role]):
            raise Refused(f"{_name(user)}: " + _("does not hold the role for this stage (不具备该环节的角色)."),
                          detail=f"user {user.pk} lacks {ROLE_KEY[role]}")
        if case.assignments.filter(user_id=user.pk, role=role, removed_at__isnull=True).exists():
            raise ValidationError(f"{_name(user)}: " + _("already assigned (已分配)."))
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


@audited_refusal("inspection.case.declare")
@transaction.atomic
def conflict_declare(*, actor, case: InspectionCase, has_conflict: bool, note: str = "") -> CaseAssignment:
    """回避: before acting, each assigned person declares. A conflict removes them."""
    case = _lock(case)
    a = case.assignments.filter(user_id=getattr(actor, "pk", None), removed_at__isnull=True,
                                conflict__isnull=True).first()
    if a is None:
        raise Refused(_("You have no assignment on this case waiting for a declaration (您在本案没有待申报的分配)."),
                      detail="no pending assignment")
    if has_conflict and not (note or "").strip():
        raise ValidationError({"note": _("Describe the conflict of interest (请说明利益冲突情况).")})
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


# ---------------------------------------------------------------- inspection (检查)
@audited_refusal("inspection.case.paper")
@transaction.atomic
def paper_add(*, actor, case: InspectionCase, title: str, content: str) -> WorkingPaper:
    case = _lock(case)
    _require_cleared(case, actor, R.INSPECTOR, current_rules())
    _require_status(case, *INSPECTION_WORK)
    paper = WorkingPaper(case=case, title=title.strip(), content=content.strip(), prepared_by=actor)
    paper.full_clean(exclude=["case", "prepared_by"])
    paper.save()
    sync_case_grants(case)
    _record(case, "paper", actor, after={"paper": paper.pk, "title": paper.title})
    return paper


@audited_refusal("inspection.case.evidence")
@transaction.atomic
def evidence_add(*, actor, case: InspectionCase, paper: WorkingPaper, description: str, obtained_how: str = "",
                 obtained_on: date | None = None) -> EvidenceItem:
    case = _lock(case)
    _require_cleared(case, actor, R.INSPECTOR, current_rules())
    _require_status(case, *INSPECTION_WORK)
    if paper.case_id != case.pk:
        raise ValidationError(_("The working paper belongs to another case (底稿不属于本案)."))
    item = EvidenceItem(paper=paper, description=description.strip(), obtained_how=obtained_how.strip(),
                        obtained_on=obtained_on, added_by=actor)
    item.full_clean(exclude=["paper", "added_by"])
    item.save()
    _record(case, "evidence", actor, after={"paper": paper.pk, "evidence": item.pk, "description": item.description,
                                            "obtained_how": item.obtained_how, "obtained_on": obtained_on})
    return item


def finding_snapshot(f: Finding) -> dict:
    return {"description": f.description, "tax_amount": f.tax_amount, "late_fee_amount": f.late_fee_amount,
            "penalty_amount": f.penalty_amount, "articles": sorted(f.articles.values_list("pk", flat=True))}


@audited_refusal("inspection.case.finding")
@transaction.atomic
def finding_add(*, actor, case: InspectionCase, description: str, articles: list[RegulationArticle] = (),
                tax_amount: Decimal = ZERO, late_fee_amount: Decimal = ZERO, penalty_amount: Decimal = ZERO,
                paper: WorkingPaper | None = None) -> Finding:
    case = _lock(case)
    _require_cleared(case, actor, R.INSPECTOR, current_rules())
    _require_status(case, *INSPECTION_WORK)
    if paper is not None and paper.case_id != case.pk:
        raise ValidationError(_("The working paper belongs to another case (底稿不属于本案)."))
    if not (description or "").strip():
        raise ValidationError({"description": _("Describe the finding (请填写检查发现).")})
    finding = Finding.objects.create(
        case=case, paper=paper, description=description.strip(), recorded_by=actor,
        tax_amount=_money(tax_amount, "tax_amount"), late_fee_amount=_money(late_fee_amount, "late_fee_amount"),
        penalty_amount=_money(penalty_amount, "penalty_amount"))
    finding.articles.set(articles)
    _record(case, "finding", actor, after={"finding": finding.pk, **finding_snapshot(finding)})
    return finding


@audited_refusal("inspection.case.finding_update")
@transaction.atomic
def finding_update(*, actor, case: InspectionCase, finding: Finding, **changes) -> Finding:
    """Direct changes only while the inspection is open; after the report is submitted the
    finding changes through a change request approved by someone else."""
    case = _lock(case)
    _require_cleared(case, actor, R.INSPECTOR, current_rules())
    if case.status not in INSPECTION_WORK:
        raise Refused(_("The inspection report has been submitted: changing it needs a change request approved by "
                        "a second person (检查报告已提交，修改须提交变更申请并经他人审批)."),
                      detail=f"direct change refused in state {case.status}")
    finding = Finding.objects.select_for_update().get(pk=finding.pk, case=case)
    before = finding_snapshot(finding)
    apply_finding_changes(finding, changes)
    after = finding_snapshot(finding)
    keys = [k for k in after if after[k] != before[k]]
    if keys:
        _record(case, "finding_update", actor, before={"finding": finding.pk, **{k: before[k] for k in keys}},
                after={"finding": finding.pk, **{k: after[k] for k in keys}})
    return finding


def apply_finding_changes(finding: Finding, changes: dict) -> None:
    for k, v in changes.items():
        if k in ("tax_amount", "late_fee_amount", "penalty_amount"):
            setattr(finding, k, _money(v, k))
        elif k == "description":
            finding.description = str(v).strip()
        elif k == "articles":
            finding.save()
            finding.articles.set(RegulationArticle.objects.filter(pk__in=[getattr(a, "pk", a) for a in v]))
        else:
            raise ValueError(k)
    finding.save()


def current_report(case: InspectionCase) -> InspectionReport | None:
    return case.reports.order_by("-round").first()


def _round(case: InspectionCase) -> int:
    return case.returns.count() + 1


@audited_refusal("inspection.case.report_submit")
@transaction.atomic
def report_submit(*, actor, case: InspectionCase, summary: str) -> InspectionReport:
    """An inspector submits the inspection report; it counts once a second inspector co-signs."""
    case = _lock(case)
    _require_cleared(case, actor, R.INSPECTOR, current_rules())
    _require_status(case, *INSPECTION_WORK)
    if not (summary or "").strip():
        raise ValidationError({"summary": _("Write the report's summary (请填写检查报告).")})
    rnd = _round(case)
    report = case.reports.filter(round=rnd).first()
    if report is not None and report.submitted_by_id != actor.pk:
        raise Refused(_("Another inspector has submitted this report: co-sign it instead "
                        "(其他检查人员已提交报告，请会签)."), detail="report already submitted by another inspector")
    if report is None:
        report = InspectionReport.objects.create(case=case, round=rnd, summary=summary.strip(), submitted_by=actor)
    else:
        report.summary = summary.strip()
        report.save()
    _record(case, "report_submit", actor, after={"round": rnd, "summary": report.summary})
    return report


@audited_refusal("inspection.case.report_cosign")
@transaction.atomic
def report_cosign(*, actor, case: InspectionCase) -> InspectionReport:
    """A second inspector co-signs: the inspection stage is submitted (and from now on its
    data changes only through change requests)."""
    case = _lock(case)
    rules = current_rules()
    _require_cleared(case, actor, R.INSPECTOR, rules)
    _require_status(case, *INSPECTION_WORK)
    report = case.reports.filter(round=_round(case)).first()
    if report is None:
        raise Refused(_("No inspection report has been submitted yet (尚未提交检查报告)."), detail="no report")
    if report.submitted_by_id == actor.pk:
        raise Refused(_("The inspector who submitted the report cannot also co-sign it: inspection takes at least "
                        "two people (提交人不能会签本人报告，检查须至少两人)."), detail="self co-signature")
    if cleared(case, R.INSPECTOR).count() < rules.min_inspectors:
        raise Refused(_("Fewer inspectors are on the case than the unit requires (本案检查人员人数不足).")
                      + f" ≥{rules.min_inspectors}", detail="too few inspectors")
    report.cosigned_by, report.cosigned_at = actor, timezone.now()
    report.save()
    before = case.status
    # After a return from review the file goes straight back to the reviewer already on it.
    back_to_review = case.assignments.filter(role=R.REVIEWER, removed_at__isnull=True).exists()
    _move(case, S.UNDER_REVIEW if back_to_review else S.REPORT_SUBMITTED, rules)
    case.save()
    sync_case_grants(case)
    _record(case, "report_cosign", actor, before={"status": before},
            after={"status": case.status, "round": report.round, "submitted_by": report.submitted_by_id})
    return report


# ---------------------------------------------------------------- review (审理)
@audited_refusal("inspection.case.review_return")
@transaction.atomic
def review_return(*, actor, case: InspectionCase, reason: str) -> ReviewReturn:
    case = _lock(case)
    rules = current_rules()
    _require_cleared(case, actor, R.REVIEWER, rules)
    _require_status(case, S.UNDER_REVIEW)
    if len((reason or "").strip()) < 5:
        raise ValidationError({"reason": _("Say what more is needed (请说明退回补充的理由).")})
    ret = ReviewReturn.objects.create(case=case, reason=reason.strip(), returned_by=actor)
    _move(case, S.RETURNED, rules)
    case.save()
    sync_case_grants(case)
    _record(case, "review_return", actor, before={"status": S.UNDER_REVIEW},
            after={"status": case.status, "reason": ret.reason})
    return ret


@audited_refusal("inspection.case.review_decide")
@transaction.atomic
def review_decide(*, actor, case: InspectionCase, kind: str, opinion: str, tax_amount: Decimal,
                  late_fee_amount: Decimal, penalty_amount: Decimal) -> ReviewDecision:
    """The review decision (审理意见) with the amounts decided; numbers the decision
    documents and starts the payment deadline."""
    case = _lock(case)
    rules = current_rules()
    _require_cleared(case, actor, R.REVIEWER, rules)
    _require_status(case, S.UNDER_REVIEW)
    tax, late, penalty = (_money(tax_amount, "tax_amount"), _money(late_fee_amount, "late_fee_amount"),
                          _money(penalty_amount, "penalty_amount"))
    K = ReviewDecision.Kind
    if kind not in K.values:
        raise ValidationError({"kind": _("Choose a decision (请选择审理结论).")})
    if kind == K.NO_VIOLATION and (tax or late or penalty):
        raise ValidationError({"kind": _("With no violation found, no amounts are due (无违法事实的，不应有应缴金额).")})
    if kind == K.TAX_ONLY and penalty:
        raise ValidationError({"penalty_amount": _("A tax-only decision has no penalty (仅作税务处理的，不应有罚款).")})
    if kind == K.TAX_AND_PENALTY and not penalty:
        raise ValidationError({"penalty_amount": _("Enter the penalty (请填写罚款金额).")})
    if not (opinion or "").strip():
        raise ValidationError({"opinion": _("Write the review opinion (请填写审理意见).")})
    year = timezone.localdate().year
    decision = ReviewDecision.objects.create(
        case=case, kind=kind, opinion=opinion.strip(), tax_amount=tax, late_fee_amount=late, penalty_amount=penalty,
        tax_decision_number=_decision_number("稽处", year) if (tax or late) else "",
        penalty_decision_number=_decision_number("稽罚", year) if penalty else "",
        payment_due_on=timezone.localdate() + timedelta(days=rules.payment_days) if (tax or late or penalty) else None,
        decided_by=actor)
    _move(case, S.DECIDED, rules)
    case.save()
    _record(case, "review_decide", actor, before={"status": S.UNDER_REVIEW},
            after={"status": case.status, "kind": kind, "tax_amount": tax, "late_fee_amount": late,
                   "penalty_amount": penalty, "tax_decision_number": decision.tax_decision_number,
                   "penalty_decision_number": decision.penalty_decision_number,
                   "payment_due_on": decision.payment_due_on})
    return decision


# ---------------------------------------------------------------- execution (执行)
def _outstanding(case: InspectionCase) -> dict[str, Decimal]:
    from ..selectors import case_amounts

    o = case_amounts(case)["outstanding"]
    return {"tax": o.tax, "late_fee": o.late_fee, "penalty": o.penalty}


@audited_refusal("inspection.case.payment")
@transaction.atomic
def payment_record(*, actor, case: InspectionCase, kind: str, amount: Decimal, received_on: date,
                   reference: str = "") -> Payment:
    case = _lock(case)
    _require_cleared(case, actor, R.EXECUTOR, current_rules())
    _require_status(case, S.EXECUTING)
    amount = _money(amount, "amount")
    if kind not in Payment.Kind.values:
        raise ValidationError({"kind": _("Choose what was paid (请选择缴款类别).")})
    if amount <= 0:
        raise ValidationError({"amount": _("Enter the amount received (请填写入库金额).")})
    if amount > _outstanding(case)[kind]:
        raise ValidationError({"amount": _("More than is still due for this item (超过该项尚欠金额).")})
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": _("The date is in the future (日期不能晚于今天).")})
    payment = Payment.objects.create(case=case, kind=kind, amount=amount, received_on=received_on,
                                     reference=reference.strip(), recorded_by=actor)
    _record(case, "payment", actor, after={"payment": payment.pk, "kind": kind, "amount": amount,
                                           "received_on": received_on, "reference": payment.reference})
    return payment


@audited_refusal("inspection.case.measure")
@transaction.atomic
def measure_record(*, actor, case: InspectionCase, kind: str, started_on: date, ended_on: date | None = None,
                   note: str = "") -> EnforcementMeasure:
    """税收保全 / 强制执行: what was done, from when until when."""
    case = _lock(case)
    _require_cleared(case, actor, R.EXECUTOR, current_rules())
    _require_status(case, S.EXECUTING)
    if kind not in EnforcementMeasure.Kind.values:
        raise ValidationError({"kind": _("Choose the measure (请选择措施).")})
    if ended_on and ended_on < started_on:
        raise ValidationError({"ended_on": _("The end date is before the start date (结束日期早于开始日期).")})
    m = EnforcementMeasure.objects.create(case=case, kind=kind, started_on=started_on, ended_on=ended_on,
                                          note=note.strip(), recorded_by=actor)
    _record(case, "measure", actor, after={"measure": m.pk, "kind": kind, "started_on": started_on,
                                           "ended_on": ended_on, "note": m.note})
    return m


@audited_refusal("inspection.case.close")
@transaction.atomic
def case_close(*, actor, case: InspectionCase, outcome: str, note: str = "") -> InspectionCase:
    """Close when settled (nothing outstanding: the executor, or the chief when nothing was
    due) or written off (核销: only the chief, with a note)."""
    case = _lock(case)
    rules = current_rules()
    O = InspectionCase.Outcome
    outstanding = sum(_outstanding(case).values(), ZERO)
    if outcome == O.SETTLED:
        decision = ReviewDecision.objects.filter(case=case).first()
        nothing_due = decision is not None and decision.total == 0
        if nothing_due and has_any_role(actor, SUPERVISOR) and case.status in (S.DECIDED, S.EXECUTING):
            pass
        else:
            _require_cleared(case, actor, R.EXECUTOR, rules)
            _require_status(case, S.EXECUTING)
        if outstanding > 0:
            raise ValidationError(_("Amounts are still outstanding (尚有未入库金额).") + f" ¥{outstanding}")
    elif outcome == O.WRITTEN_OFF:
        _require_role(actor, SUPERVISOR, message=_("Only the inspection chief writes off what cannot be collected "
                                                   "(只有稽查局长可以核销)."))
        _require_status(case, S.EXECUTING)
        if len((note or "").strip()) < 5:
            raise ValidationError({"note": _("Say why it cannot be collected (请说明核销理由).")})
    else:
        raise ValidationError({"outcome": _("Choose how the case ends (请选择结案方式).")})
    before = case.status
    case.status, case.outcome, case.outcome_note = S.CLOSED, outcome, (note or "").strip()
    case.closed_at, case.step_due_on = timezone.now(), None
    case.save()
    _record(case, "close", actor, before={"status": before},
            after={"status": case.status, "outcome": outcome, "note": case.outcome_note, "outstanding": outstanding})
    return case


# ---------------------------------------------------------------- supervision
@audited_refusal("inspection.case.suspend")
@transaction.atomic
def case_suspend(*, actor, case: InspectionCase, reason: str) -> InspectionCase:
    _require_role(actor, SUPERVISOR, message=_("Only the inspection chief suspends a case (只有稽查局长可以中止案件)."))
    case = _lock(case)
    _require_status(case, *(s for s in OPEN_STATES if s != S.SUSPENDED))
    if len((reason or "").strip()) < 5:
        raise ValidationError({"reason": _("Give the reason (请说明理由).")})
    before = case.status
    case.status_before_suspension, case.status, case.step_due_on = before, S.SUSPENDED, None
    case.save()
    sync_case_grants(case)
    _record(case, "suspend", actor, before={"status": before}, after={"status": case.status, "reason": reason.strip()})
    return case


@audited_refusal("inspection.case.resume")
@transaction.atomic
def case_resume(*, actor, case: InspectionCase, note: str = "") -> InspectionCase:
    _require_role(actor, SUPERVISOR, message=_("Only the inspection chief resumes a case (只有稽查局长可以恢复案件)."))
    case = _lock(case)
    _require_status(case, S.SUSPENDED)
    _move(case, case.status_before_suspension or S.SELECTED, current_rules())
    case.status_before_suspension = ""
    case.save()
    sync_case_grants(case)
    _record(case, "resume", actor, before={"status": S.SUSPENDED}, after={"status": case.status, "note": note})
    return case


@audited_refusal("inspection.case.withdraw")
@transaction.atomic
def case_withdraw(*, actor, case: InspectionCase, reason: str) -> InspectionCase:
    """撤销: only before a review decision exists (after that, the decision is executed or
    written off)."""
    _require_role(actor, SUPERVISOR, message=_("Only the inspection chief withdraws a case (只有稽查局长可以撤销案件)."))
    case = _lock(case)
    effective = case.status_before_suspension if case.status == S.SUSPENDED else case.status
    if effective not in WITHDRAWABLE:
        raise Refused(_("A case with a review decision cannot be withdrawn (已作出审理决定的案件不能撤销)."),
                      detail=f"withdraw refused in state {case.status}")
    if len((reason or "").strip()) < 5:
        raise ValidationError({"reason": _("Give the reason (请说明理由).")})
    before = case.status
    case.status, case.outcome, case.outcome_note = S.WITHDRAWN, InspectionCase.Outcome.WITHDRAWN, reason.strip()
    case.closed_at, case.step_due_on, case.status_before_suspension = timezone.now(), None, ""
    case.save()
    sync_case_grants(case)
    _record(case, "withdraw", actor, before={"status": before}, after={"status": case.status, "reason": reason.strip()})
    return case


# ---------------------------------------------------------------- documents
@audited_refusal("inspection.case.document")
def case_document_request(*, actor, case: InspectionCase, report_key: str):
    """Queue one of the case's documents (审理报告, 税务处理决定书, 税务行政处罚决定书) in the
    platform's PDF pipeline: numbered there, rendered by the worker, downloadable by the
    person who asked. The request is on the case's timeline with its document number."""
    from zhengtong.notifications.services import current_unit
    from zhengtong.reports.services import document_request

    from ..reports.documents import DOCUMENTS

    if report_key not in DOCUMENTS:
        raise ValueError(report_key)
    if not (actor is not None and actor.is_authenticated and actor.has_perm("inspection.issue_case_documents")):
        raise Refused(_("Your role does not issue case documents (您的角色不能生成案件文书)."),
                      detail="missing inspection.issue_case_documents")
    decision = ReviewDecision.objects.filter(case=case).first()
    if decision is None or not DOCUMENTS[report_key][2](decision):
        raise Refused(_("This document does not exist for the case (yet) (本案尚无此文书)."),
                      detail=f"{report_key} not applicable in state {case.status}")
    with transaction.atomic():
        document = document_request(actor=actor, unit=current_unit(), report_key=report_key,
                                    parameters={"case": case.pk})
        _record(case, "document", actor, after={"report": report_key, "number": document.number})
    return document


# ---------------------------------------------------------------- deadlines
STEP_ROLE = {S.ASSIGNED: R.INSPECTOR, S.INSPECTING: R.INSPECTOR, S.RETURNED: R.INSPECTOR,
             S.UNDER_REVIEW: R.REVIEWER, S.EXECUTING: R.EXECUTOR}


def _notify_overdue(case: InspectionCase, what: str, title: str, title_en: str) -> None:
    """The inbox of the people on the late step, and of the chiefs (who assign and supervise)."""
    from tenants.urls_util import unit_url
    from zhengtong.notifications.models import Notification
    from zhengtong.notifications.services import current_unit, notify

    from ..selectors import role_holders

    recipients = set(role_holders(SUPERVISOR).values_list("pk", flat=True))
    role = STEP_ROLE.get(case.status) if what.startswith("step") else R.EXECUTOR
    if role:
        recipients |= set(case.assignments.filter(role=role, removed_at__isnull=True)
                          .values_list("user_id", flat=True))
    unit = current_unit()
    notify(recipients=recipients, kind=Notification.Kind.DEADLINE_OVERDUE, title=title, title_en=title_en,
           url=unit_url(unit, case.get_absolute_url()) if unit else "", unit=unit,
           # case ids repeat across units: the key carries the unit's schema
           dedupe_key=f"inspection:{connection.schema_name}:{case.pk}:{what}:{case.step_due_on}")

def overdue_warnings_issue(*, today: date | None = None) -> int:
    """Warn once per overdue step (and once for an overdue payment) in the case's timeline.
    Idempotent: the periodic task may run as often as it likes."""
    from ..selectors import payment_overdue

    today = today or timezone.localdate()
    issued = 0
    live = InspectionCase.objects.exclude(status__in=(S.CLOSED, S.WITHDRAWN, S.SUSPENDED))
    for case in live.filter(step_due_on__lt=today).exclude(overdue_warned_status=F("status")):
        with transaction.atomic():
            case = _lock(case)
            if case.overdue_warned_status == case.status or not case.step_due_on or case.step_due_on >= today:
                continue
            case.overdue_warned_status = case.status
            case.save(update_fields=["overdue_warned_status"])
            _record(case, "overdue", None, after={"status": case.status, "due": case.step_due_on,
                                                  "days_late": (today - case.step_due_on).days})
            _notify_overdue(case, f"step:{case.status}",
                            f"{case.number} {case.get_status_display()}环节已超期（应于{case.step_due_on}完成）",
                            f"{case.number}: the current step was due on {case.step_due_on}")
            issued += 1
    for case in live.filter(decision__payment_due_on__lt=today, payment_overdue_warned=False):
        if not payment_overdue(case, today=today):
            continue
        with transaction.atomic():
            case = _lock(case)
            if case.payment_overdue_warned:
                continue
            case.payment_overdue_warned = True
            case.save(update_fields=["payment_overdue_warned"])
            _record(case, "payment_overdue", None, after={"due": case.decision.payment_due_on,
                                                          "outstanding": _outstanding(case)})
            _notify_overdue(case, "payment", f"{case.number} 缴款期限{case.decision.payment_due_on}已过，尚有未入库金额",
                            f"{case.number}: payment was due on {case.decision.payment_due_on} and is outstanding")
            issued += 1
    return issued

