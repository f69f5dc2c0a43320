"""The work of a case's stages after selection: inspection 检查 (working papers, evidence,
findings, the report one inspector submits and another co-signs), review 审理 (return for more
inspection, or decide) and execution 执行 (payments, enforcement measures, closing).

Each action locks the case, asks its guard (services/transitions.py), writes and records on
the case's timeline; a refusal is audited outside the rolled-back transaction.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengtong.core.errors import Invalid, audited_refusal

from ..models import (
    EnforcementMeasure,
    EvidenceItem,
    Finding,
    InspectionCase,
    InspectionReport,
    Payment,
    RegulationArticle,
    ReviewDecision,
    ReviewReturn,
    WorkingPaper,
)
from ..rules import current_rules
from .cases import ZERO, _decision_number, _lock, _money, _move, _record, sync_case_grants
from .transitions import (
    R,
    S,
    allow,
    can_cosign_report,
    can_execute,
    can_inspect,
    can_review,
    can_settle,
    can_submit_report,
    can_update_finding,
    can_write_off,
    report_round,
)

if TYPE_CHECKING:
    from zhengtong.accounts.models import User


# ---------------------------------------------------------------- inspection (检查)
@audited_refusal("inspection.case.paper", obj_arg="case")
@transaction.atomic
def paper_add(*, actor: User, case: InspectionCase, title: str, content: str) -> WorkingPaper:
    case = _lock(case)
    allow(can_inspect(case, actor))
    paper = WorkingPaper(case=case, title=title.strip(), content=content.strip(), prepared_by=actor)
    paper.full_clean(exclude=["case", "prepared_by"])
    paper.save()
    sync_case_grants(case)
    _record(case, "paper", actor, after={"paper": paper.pk, "title": paper.title})
    return paper


@audited_refusal("inspection.case.evidence", obj_arg="case")
@transaction.atomic
def evidence_add(*, actor: User, case: InspectionCase, paper: WorkingPaper, description: str, obtained_how: str = "",
                 obtained_on: date | None = None) -> EvidenceItem:
    case = _lock(case)
    allow(can_inspect(case, actor))
    if paper.case_id != case.pk:
        raise Invalid(_("The working paper belongs to another case (底稿不属于本案)."))
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


@audited_refusal("inspection.case.finding", obj_arg="case")
@transaction.atomic
def finding_add(*, actor: User, case: InspectionCase, description: str, articles: list[RegulationArticle] = (),
                tax_amount: Decimal = ZERO, late_fee_amount: Decimal = ZERO, penalty_amount: Decimal = ZERO,
                paper: WorkingPaper | None = None) -> Finding:
    case = _lock(case)
    allow(can_inspect(case, actor))
    if paper is not None and paper.case_id != case.pk:
        raise Invalid(_("The working paper belongs to another case (底稿不属于本案)."))
    if not (description or "").strip():
        raise Invalid({"description": _("Describe the finding (请填写检查发现).")})
    finding = Finding.objects.create(
        case=case, paper=paper, description=description.strip(), recorded_by=actor,
        tax_amount=_money(tax_amount, "tax_amount"), late_fee_amount=_money(late_fee_amount, "late_fee_amount"),
        penalty_amount=_money(penalty_amount, "penalty_amount"))
    finding.articles.set(articles)
    _record(case, "finding", actor, after={"finding": finding.pk, **finding_snapshot(finding)})
    return finding


@audited_refusal("inspection.case.finding_update", obj_arg="case")
@transaction.atomic
def finding_update(*, actor: User, case: InspectionCase, finding: Finding, **changes) -> Finding:
    """Direct changes only while the inspection is open; after the report is submitted the
    finding changes through a change request approved by someone else."""
    case = _lock(case)
    allow(can_update_finding(case, actor))
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


@audited_refusal("inspection.case.report_submit", obj_arg="case")
@transaction.atomic
def report_submit(*, actor: User, case: InspectionCase, summary: str) -> InspectionReport:
    """An inspector submits the inspection report; it counts once a second inspector co-signs."""
    case = _lock(case)
    allow(can_submit_report(case, actor))
    if not (summary or "").strip():
        raise Invalid({"summary": _("Write the report's summary (请填写检查报告).")})
    rnd = report_round(case)
    report = case.reports.filter(round=rnd).first()
    if report is None:
        report = InspectionReport.objects.create(case=case, round=rnd, summary=summary.strip(), submitted_by=actor)
    else:
        report.summary = summary.strip()
        report.save()
    _record(case, "report_submit", actor, after={"round": rnd, "summary": report.summary})
    return report


@audited_refusal("inspection.case.report_cosign", obj_arg="case")
@transaction.atomic
def report_cosign(*, actor: User, case: InspectionCase) -> InspectionReport:
    """A second inspector co-signs: the inspection stage is submitted (and from now on its
    data changes only through change requests)."""
    case = _lock(case)
    rules = current_rules()
    allow(can_cosign_report(case, actor, rules))
    report = case.reports.get(round=report_round(case))
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
@audited_refusal("inspection.case.review_return", obj_arg="case")
@transaction.atomic
def review_return(*, actor: User, case: InspectionCase, reason: str) -> ReviewReturn:
    case = _lock(case)
    rules = current_rules()
    allow(can_review(case, actor, rules))
    if len((reason or "").strip()) < 5:
        raise Invalid({"reason": _("Say what more is needed (请说明退回补充的理由).")})
    ret = ReviewReturn.objects.create(case=case, reason=reason.strip(), returned_by=actor)
    _move(case, S.RETURNED, rules)
    case.save()
    sync_case_grants(case)
    _record(case, "review_return", actor, before={"status": S.UNDER_REVIEW},
            after={"status": case.status, "reason": ret.reason})
    return ret


@audited_refusal("inspection.case.review_decide", obj_arg="case")
@transaction.atomic
def review_decide(*, actor: User, case: InspectionCase, kind: str, opinion: str, tax_amount: Decimal,
                  late_fee_amount: Decimal, penalty_amount: Decimal) -> ReviewDecision:
    """The review decision (审理意见) with the amounts decided; numbers the decision
    documents and starts the payment deadline."""
    case = _lock(case)
    rules = current_rules()
    allow(can_review(case, actor, rules))
    tax, late, penalty = (_money(tax_amount, "tax_amount"), _money(late_fee_amount, "late_fee_amount"),
                          _money(penalty_amount, "penalty_amount"))
    K = ReviewDecision.Kind
    if kind not in K.values:
        raise Invalid({"kind": _("Choose a decision (请选择审理结论).")})
    if kind == K.NO_VIOLATION and (tax or late or penalty):
        raise Invalid({"kind": _("With no violation found, no amounts are due "
                                 "(无违法事实的，不应有应缴金额).")})
    if kind == K.TAX_ONLY and penalty:
        raise Invalid({"penalty_amount": _("A tax-only decision has no penalty (仅作税务处理的，不应有罚款).")})
    if kind == K.TAX_AND_PENALTY and not penalty:
        raise Invalid({"penalty_amount": _("Enter the penalty (请填写罚款金额).")})
    if not (opinion or "").strip():
        raise Invalid({"opinion": _("Write the review opinion (请填写审理意见).")})
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


@audited_refusal("inspection.case.payment", obj_arg="case")
@transaction.atomic
def payment_record(*, actor: User, case: InspectionCase, kind: str, amount: Decimal, received_on: date,
                   reference: str = "") -> Payment:
    case = _lock(case)
    allow(can_execute(case, actor))
    amount = _money(amount, "amount")
    if kind not in Payment.Kind.values:
        raise Invalid({"kind": _("Choose what was paid (请选择缴款类别).")})
    if amount <= 0:
        raise Invalid({"amount": _("Enter the amount received (请填写入库金额).")})
    if amount > _outstanding(case)[kind]:
        raise Invalid({"amount": _("More than is still due for this item (超过该项尚欠金额).")})
    if received_on > timezone.localdate():
        raise Invalid({"received_on": _("The date is in the future (日期不能晚于今天).")})
    payment = Payment.objects.create(case=case, kind=kind, amount=amount, received_on=received_on,
                                     reference=reference.strip(), recorded_by=actor)
    _record(case, "payment", actor, after={"payment": payment.pk, "kind": kind, "amount": amount,
                                           "received_on": received_on, "reference": payment.reference})
    return payment


@audited_refusal("inspection.case.measure", obj_arg="case")
@transaction.atomic
def measure_record(*, actor: User, case: InspectionCase, kind: str, started_on: date, ended_on: date | None = None,
                   note: str = "") -> EnforcementMeasure:
    """税收保全 / 强制执行: what was done, from when until when."""
    case = _lock(case)
    allow(can_execute(case, actor))
    if kind not in EnforcementMeasure.Kind.values:
        raise Invalid({"kind": _("Choose the measure (请选择措施).")})
    if ended_on and ended_on < started_on:
        raise Invalid({"ended_on": _("The end date is before the start date (结束日期早于开始日期).")})
    m = EnforcementMeasure.objects.create(case=case, kind=kind, started_on=started_on, ended_on=ended_on,
                                          note=note.strip(), recorded_by=actor)
    _record(case, "measure", actor, after={"measure": m.pk, "kind": kind, "started_on": started_on,
                                           "ended_on": ended_on, "note": m.note})
    return m


@audited_refusal("inspection.case.close", obj_arg="case")
@transaction.atomic
def case_close(*, actor: User, case: InspectionCase, outcome: str, note: str = "") -> InspectionCase:
    """Close when settled (nothing outstanding: the executor, or the chief when nothing was
    due) or written off (核销: only the chief, with a note)."""
    case = _lock(case)
    rules = current_rules()
    Outcome = InspectionCase.Outcome
    outstanding = sum(_outstanding(case).values(), ZERO)
    if outcome == Outcome.SETTLED:
        allow(can_settle(case, actor, rules))
        if outstanding > 0:
            raise Invalid(_("Amounts are still outstanding (尚有未入库金额).") + f" ¥{outstanding}")
    elif outcome == Outcome.WRITTEN_OFF:
        allow(can_write_off(case, actor))
        if len((note or "").strip()) < 5:
            raise Invalid({"note": _("Say why it cannot be collected (请说明核销理由).")})
    else:
        raise Invalid({"outcome": _("Choose how the case ends (请选择结案方式).")})
    before = case.status
    case.status, case.outcome, case.outcome_note = S.CLOSED, outcome, (note or "").strip()
    case.closed_at, case.step_due_on = timezone.now(), None
    case.save()
    _record(case, "close", actor, before={"status": before},
            after={"status": case.status, "outcome": outcome, "note": case.outcome_note, "outstanding": outstanding})
    return case
