"""Reads of the inspection module, permission-filtered in the active unit's schema."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from zhengtong.audit.models import AuditEvent
from zhengtong.core.permissions import get_visible, visible

from . import scoring
from .indicators import FILING_FIELDS
from .models import (
    CaseAssignment,
    ChangeRequest,
    FinancialFiling,
    Finding,
    IndustryBenchmark,
    InspectedEntity,
    InspectionCase,
    InspectionReport,
    Payment,
    RegulationArticle,
    ReviewDecision,
)
from .rules import InspectionRules, current_rules
from .services.transitions import ACTION_GUARDS
from .validators import Period

S = InspectionCase.Status
TERMINAL = (S.CLOSED, S.WITHDRAWN)
# The four stages of the essay and the states that belong to each (the sub-steps).
STAGES = (
    ("selection", "选案", "Selection", (S.SELECTED, S.ASSIGNED)),
    ("inspection", "检查", "Inspection", (S.INSPECTING, S.RETURNED, S.REPORT_SUBMITTED)),
    ("review", "审理", "Review", (S.UNDER_REVIEW, S.DECIDED)),
    ("execution", "执行", "Execution", (S.EXECUTING,)),
)
ZERO = Decimal("0.00")


# ---------------------------------------------------------------- register and filings
def entity_list(*, user, search: str = "", industry: str = "") -> QuerySet[InspectedEntity]:
    qs = visible(user, "inspection.view_inspectedentity", InspectedEntity.objects.all())
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(credit_code__icontains=search) | Q(tax_office__icontains=search))
    if industry:
        qs = qs.filter(industry_code__startswith=industry.strip().upper())
    return qs.annotate(filing_count=Count("filings")).order_by("name")


def entity_get(*, user, pk: int) -> InspectedEntity:
    return get_visible(user, "inspection.view_inspectedentity", InspectedEntity.objects.all(), pk=pk)


@dataclass
class FilingIndicators:
    filing: FinancialFiling
    contributions: list[scoring.Contribution]
    score: Decimal
    flags: list[scoring.Flag]


def entity_indicators(*, entity: InspectedEntity, rules: InspectionRules | None = None) -> list[FilingIndicators]:
    """Every filing of the entity with its indicators, benchmarks and points, newest first."""
    rules = rules or current_rules()
    filings = {f.period: f for f in entity.filings.all()}
    periods = list(filings)
    benchmarks = _benchmarks(periods)
    out = []
    for period in sorted(filings, key=Period.parse, reverse=True):
        filing = filings[period]
        previous, history = _previous_and_history(filings, period, rules)
        cand = scoring.score(entity, filing, previous, history, benchmarks.get(period, {}), rules)
        out.append(FilingIndicators(filing, cand.contributions, cand.score, cand.flags))
    return out


def _previous_and_history(filings_by_period: dict, period: str, rules: InspectionRules):
    p = Period.parse(period)
    previous = filings_by_period.get(str(p.previous()))
    history = []
    for _i in range(rules.loss_periods - 1):
        p = p.previous()
        f = filings_by_period.get(str(p))
        if f is None:
            break
        history.append(f)
    return previous, history


def _benchmarks(periods: list[str]) -> dict[str, dict[tuple[str, str], Decimal]]:
    out: dict[str, dict[tuple[str, str], Decimal]] = defaultdict(dict)
    for b in IndustryBenchmark.objects.filter(period__in=periods).values("period", "industry_code", "indicator",
                                                                          "value"):
        out[b["period"]][(b["industry_code"], b["indicator"])] = b["value"]
    return out


def filing_periods() -> list[str]:
    periods = FinancialFiling.objects.values_list("period", flat=True).distinct()
    return sorted(set(periods), key=Period.parse, reverse=True)


# ---------------------------------------------------------------- ranking (选案)
class Figures:
    """One filing's period and figures, read as a row (what the indicators need, no more)."""

    __slots__ = ("entity_id", "period", *FILING_FIELDS)

    def __init__(self, row: tuple):
        for name, value in zip(self.__slots__, row, strict=True):
            setattr(self, name, value)

def candidate_ranking(*, period: str, rules: InspectionRules | None = None, include_all: bool = False,
                      entity_ids: list[int] | None = None) -> list[scoring.Candidate]:
    """Entities ranked by risk score for ``period``: highest first, ties by name.

    Only entities at or above the unit's minimum score are listed unless ``include_all``.
    Each candidate carries its explanation (indicator contributions and flags) and the
    case already open on the entity, if any.
    """
    rules = rules or current_rules()
    p = Period.parse(period)
    chain = [p]
    for _i in range(max(1, rules.loss_periods - 1)):
        chain.append(chain[-1].previous())
    wanted = [str(x) for x in chain]
    # Figures as plain rows, not model instances: building thousands of full FinancialFiling
    # objects (timestamps parsed and all) was half the time of a ranking (bench/inspection_ranking.py).
    qs = FinancialFiling.objects.filter(period__in=wanted)
    if entity_ids is not None:
        qs = qs.filter(entity_id__in=entity_ids)
    by_entity: dict[int, dict[str, Figures]] = defaultdict(dict)
    for row in qs.values_list("entity_id", "period", *FILING_FIELDS):
        by_entity[row[0]][row[1]] = Figures(row)
    entities = InspectedEntity.objects.only("name", "credit_code", "industry_code", "is_key_taxpayer").in_bulk(
        [e for e, filings in by_entity.items() if str(p) in filings])
    benchmarks = _benchmarks([str(p)]).get(str(p), {})
    open_cases = {c.entity_id: c for c in InspectionCase.objects.exclude(status__in=TERMINAL)}
    out = []
    for entity_id, filings in by_entity.items():
        filing = filings.get(str(p))
        if filing is None:
            continue
        previous, history = _previous_and_history(filings, str(p), rules)
        cand = scoring.score(entities[entity_id], filing, previous, history, benchmarks, rules)
        cand.open_case = open_cases.get(entity_id)
        if include_all or cand.score >= rules.candidate_min_score:
            out.append(cand)
    out.sort(key=lambda c: (-c.score, c.entity.name, c.entity.credit_code))
    return out


# ---------------------------------------------------------------- benchmarks and regulations
def benchmark_list(*, user, period: str = "", industry: str = "") -> QuerySet[IndustryBenchmark]:
    qs = visible(user, "inspection.view_industrybenchmark", IndustryBenchmark.objects.all())
    if period:
        qs = qs.filter(period=period)
    if industry:
        qs = qs.filter(industry_code__startswith=industry.strip().upper())
    return qs.order_by("industry_code", "-period", "indicator")


def industry_codes() -> list[str]:
    return sorted(set(InspectedEntity.objects.values_list("industry_code", flat=True)))


def regulation_search(*, user, q: str = "", in_force_on: date | None = None) -> QuerySet[RegulationArticle]:
    """Every word of ``q`` must appear in the law's name, number, article, title or text."""
    qs = visible(user, "inspection.view_regulationarticle", RegulationArticle.objects.all())
    for word in q.split():
        qs = qs.filter(Q(law_name__icontains=word) | Q(doc_number__icontains=word) | Q(article_no__icontains=word)
                       | Q(title__icontains=word) | Q(text__icontains=word))
    if in_force_on:
        qs = qs.filter(effective_from__lte=in_force_on).filter(
            Q(effective_to__isnull=True) | Q(effective_to__gte=in_force_on))
    return qs.order_by("law_name", "id")


def regulation_get(*, user, pk: int) -> RegulationArticle:
    return get_visible(user, "inspection.view_regulationarticle", RegulationArticle.objects.all(), pk=pk)


# ---------------------------------------------------------------- cases
def case_list(*, user, status: str = "", search: str = "", mine: bool = False) -> QuerySet[InspectionCase]:
    qs = visible(user, "inspection.view_inspectioncase",
                 InspectionCase.objects.select_related("entity", "selected_by"))
    if status:
        qs = qs.filter(status=status)
    if search:
        qs = qs.filter(Q(number__icontains=search) | Q(entity__name__icontains=search)
                       | Q(entity__credit_code__icontains=search))
    if mine:
        qs = qs.filter(assignments__user=user, assignments__removed_at__isnull=True).distinct()
    return qs.order_by("-id")


def case_get(*, user, pk: int) -> InspectionCase:
    return get_visible(user, "inspection.view_inspectioncase",
                       InspectionCase.objects.select_related("entity", "selected_by"), pk=pk)


def case_actions(*, user, case: InspectionCase) -> set[str]:
    """What ``user`` may do on ``case`` now — the forms its page offers. Asked of the same
    guards the services apply before they write, so the page offers nothing they would refuse
    for who or when (what is typed is still checked on submission)."""
    rules = current_rules()
    return {action for action, guard in ACTION_GUARDS.items() if guard(case, user, rules) is None}


def case_timeline(*, case: InspectionCase) -> QuerySet[AuditEvent]:
    """Every action on the case — refused attempts and evidence files included — from the unit's
    audit trail."""
    papers = [str(pk) for pk in case.papers.values_list("pk", flat=True)]
    return AuditEvent.objects.filter(
        Q(object_type=InspectionCase._meta.label, object_id=str(case.pk))
        # evidence files are recorded by zhengtong.files against the working paper
        | Q(object_type="inspection.WorkingPaper", object_id__in=papers)).order_by("id")


@dataclass
class Amounts:
    tax: Decimal = ZERO
    late_fee: Decimal = ZERO
    penalty: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.tax + self.late_fee + self.penalty


def case_amounts(case: InspectionCase) -> dict[str, Amounts]:
    """Proposed (findings), decided (review decision) and collected (payments)."""
    f = case.findings.aggregate(t=Sum("tax_amount"), l=Sum("late_fee_amount"), p=Sum("penalty_amount"))
    proposed = Amounts(f["t"] or ZERO, f["l"] or ZERO, f["p"] or ZERO)
    decision = ReviewDecision.objects.filter(case=case).first()
    decided = Amounts(decision.tax_amount, decision.late_fee_amount, decision.penalty_amount) if decision \
        else Amounts()
    paid = {row["kind"]: row["s"] for row in case.payments.values("kind").annotate(s=Sum("amount"))}
    collected = Amounts(paid.get("tax", ZERO), paid.get("late_fee", ZERO), paid.get("penalty", ZERO))
    outstanding = Amounts(max(ZERO, decided.tax - collected.tax), max(ZERO, decided.late_fee - collected.late_fee),
                          max(ZERO, decided.penalty - collected.penalty))
    return {"proposed": proposed, "decided": decided, "collected": collected, "outstanding": outstanding}


def current_report(case: InspectionCase) -> InspectionReport | None:
    """The latest round's inspection report (a return from review starts a new round)."""
    return case.reports.order_by("-round").first()


def case_people(case: InspectionCase) -> dict[str, list[CaseAssignment]]:
    out: dict[str, list[CaseAssignment]] = {r: [] for r in CaseAssignment.Role.values}
    for a in case.assignments.select_related("user", "assigned_by"):
        out[a.role].append(a)
    return out


def payment_overdue(case: InspectionCase, amounts: dict[str, Amounts] | None = None,
                    today: date | None = None) -> bool:
    try:
        decision = case.decision
    except ReviewDecision.DoesNotExist:
        return False
    today = today or timezone.localdate()
    if case.status in TERMINAL or decision.payment_due_on is None or decision.payment_due_on >= today:
        return False
    amounts = amounts or case_amounts(case)
    return amounts["outstanding"].total > 0


def step_overdue(case: InspectionCase, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return (case.status not in (*TERMINAL, S.SUSPENDED) and case.step_due_on is not None
            and case.step_due_on < today)


def change_requests(*, case: InspectionCase) -> QuerySet[ChangeRequest]:
    return case.change_requests.select_related("requested_by", "decided_by").order_by("-id")


# ---------------------------------------------------------------- supervision
@dataclass
class Dashboard:
    by_stage: list[dict]
    by_status: list[dict]
    overdue_steps: list[InspectionCase]
    overdue_payments: list[InspectionCase]
    proposed: Amounts
    decided: Amounts
    collected: Amounts
    workload: list[dict] = field(default_factory=list)


def dashboard(*, today: date | None = None) -> Dashboard:
    """The unit's figures for its supervisors (caller checks the role)."""
    today = today or timezone.localdate()
    counts = dict(InspectionCase.objects.values_list("status").annotate(n=Count("id")))
    by_status = [{"status": s, "label": S(s).label, "count": counts.get(s, 0)} for s in S.values]
    by_stage = [{"key": key, "label_zh": zh, "label_en": en, "count": sum(counts.get(s, 0) for s in states)}
                for key, zh, en, states in STAGES]
    by_stage += [{"key": s, "label_zh": None, "label": S(s).label, "count": counts.get(s, 0)}
                 for s in (S.SUSPENDED, S.CLOSED, S.WITHDRAWN)]
    live = InspectionCase.objects.exclude(status__in=(*TERMINAL, S.SUSPENDED)).select_related("entity")
    overdue_steps = [c for c in live.filter(step_due_on__lt=today).order_by("step_due_on")]
    overdue_payments = [c for c in live.filter(decision__payment_due_on__lt=today).select_related("decision")
                        if case_amounts(c)["outstanding"].total > 0]
    counted = Finding.objects.exclude(case__status=S.WITHDRAWN)
    f = counted.aggregate(t=Sum("tax_amount"), l=Sum("late_fee_amount"), p=Sum("penalty_amount"))
    d = ReviewDecision.objects.aggregate(t=Sum("tax_amount"), l=Sum("late_fee_amount"), p=Sum("penalty_amount"))
    paid = {r["kind"]: r["s"] for r in Payment.objects.values("kind").annotate(s=Sum("amount"))}
    workload = []
    rows = (CaseAssignment.objects.filter(role=CaseAssignment.Role.INSPECTOR, removed_at__isnull=True)
            .exclude(conflict=True).values("user_id", "user__name", "user__email")
            .annotate(open=Count("case", filter=~Q(case__status__in=TERMINAL)),
                      closed=Count("case", filter=Q(case__status=S.CLOSED)),
                      overdue=Count("case", filter=Q(case__step_due_on__lt=today)
                                    & ~Q(case__status__in=(*TERMINAL, S.SUSPENDED))))
            .order_by("-open", "user__name"))
    for r in rows:
        workload.append({"name": r["user__name"] or r["user__email"], "open": r["open"], "closed": r["closed"],
                         "overdue": r["overdue"]})
    return Dashboard(
        by_stage=by_stage, by_status=by_status, overdue_steps=overdue_steps, overdue_payments=overdue_payments,
        proposed=Amounts(f["t"] or ZERO, f["l"] or ZERO, f["p"] or ZERO),
        decided=Amounts(d["t"] or ZERO, d["l"] or ZERO, d["p"] or ZERO),
        collected=Amounts(paid.get("tax", ZERO), paid.get("late_fee", ZERO), paid.get("penalty", ZERO)),
        workload=workload,
    )



def role_holders(role_key: str):
    """Active members of the current unit holding ``role_key``."""
    from tenant_users.permissions.models import UserTenantPermissions

    from zhengtong.accounts.models import User

    ids = list(UserTenantPermissions.objects.filter(groups__name=role_key).values_list("profile_id", flat=True))
    return User.objects.filter(pk__in=ids, is_active=True).order_by("name", "email")
