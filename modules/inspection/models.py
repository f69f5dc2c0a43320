"""Tax inspection (稽查): the taxpayer register and filings that case selection reads, the
industry benchmarks and regulation library, and the cases with their four stages —
selection 选案 → inspection 检查 → review 审理 → execution 执行.

No business rules live here (no logic in save()): the services decide who may do what
(services/transitions.py) and record it in the audit trail. Money is Decimal yuan with 2 places.
"""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tenants.validators import validate_credit_code
from zhengtong.core.dates import HAPPENED, PLANNED, DateRangesMixin
from zhengtong.core.models import Timestamped

from .indicators import INDICATOR_CHOICES
from .validators import validate_industry_code, validate_period

ZERO = Decimal("0.00")
NON_NEGATIVE = [MinValueValidator(ZERO)]


def money(verbose_name, *, null=True, non_negative=True, default=None):
    return models.DecimalField(verbose_name, max_digits=16, decimal_places=2, null=null, blank=null,
                               default=default, validators=NON_NEGATIVE if non_negative else [])


class InspectedEntity(Timestamped):
    """A taxpayer in the register (纳税人/被查对象)."""

    class Size(models.TextChoices):
        LARGE = "large", _("Large")
        MEDIUM = "medium", _("Medium")
        SMALL = "small", _("Small")
        MICRO = "micro", _("Micro")

    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True,
                                   validators=[validate_credit_code])
    # GB/T 4754-2017 code, e.g. F5137 (wholesale of computers, software and auxiliary equipment).
    industry_code = models.CharField(_("industry code"), max_length=5, validators=[validate_industry_code],
                                     db_index=True)
    industry_name = models.CharField(_("industry"), max_length=100, blank=True)
    tax_office = models.CharField(_("tax office"), max_length=100, blank=True)
    size = models.CharField(_("company size"), max_length=10, choices=Size.choices, default=Size.SMALL)
    # 重点税源户: the essay singles them out for monitoring.
    is_key_taxpayer = models.BooleanField(_("key taxpayer"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("taxpayer")
        verbose_name_plural = _("taxpayers")

    def __str__(self) -> str:
        return self.name


class FinancialFiling(DateRangesMixin, Timestamped):
    """One period's financial filing of a taxpayer. Empty figures mean "not reported" and
    stay empty: the indicators say so instead of treating them as zero."""

    # Typed dates outside a plausible range are refused (zhengtong.core.dates).
    date_ranges = {"filed_on": HAPPENED}

    entity = models.ForeignKey(InspectedEntity, on_delete=models.CASCADE, related_name="filings",
                               verbose_name=_("taxpayer"))
    period = models.CharField(_("period"), max_length=6, validators=[validate_period],
                              help_text=_("A year (2024) or a quarter (2024Q3)."))
    revenue = money(_("revenue"))
    cost_of_sales = money(_("cost of sales"))
    # 成本费用总额: cost of sales + taxes and surcharges + selling, administrative and
    # financial expenses, the denominator of the cost-profit ratio.
    cost_expense_total = money(_("total cost and expense"))
    # 应纳税额 (declared on the period's revenue): the tax burden is on it (indicators.py).
    tax_payable = money(_("tax payable"))
    taxes_paid = money(_("taxes paid"))
    total_profit = money(_("total profit"), non_negative=False)
    inventory_opening = money(_("opening inventory"))
    inventory_closing = money(_("closing inventory"))
    purchases = money(_("purchases"))
    receivables_opening = money(_("opening receivables"))
    receivables_closing = money(_("closing receivables"))
    current_assets = money(_("current assets"))
    current_liabilities = money(_("current liabilities"))
    cash = money(_("cash"))
    # 上期营业收入 as given in this filing, for when the period before was never filed.
    previous_revenue = money(_("previous period's revenue"))
    filed_on = models.DateField(_("filed on"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["entity__name", "-period"]
        verbose_name = _("financial filing")
        verbose_name_plural = _("financial filings")
        constraints = [models.UniqueConstraint(fields=["entity", "period"], name="inspection_filing_unique")]

    def __str__(self) -> str:
        return f"{self.entity} {self.period}"

    def clean(self) -> None:
        super().clean()
        problems = filing_problems({"cost_of_sales": self.cost_of_sales,
                                    "cost_expense_total": self.cost_expense_total})
        if problems:
            raise ValidationError(problems)


def filing_problems(figures: dict) -> dict[str, str]:
    """Figures of one filing that contradict each other, by field (shared by the model's
    validation and the spreadsheet import, which reports them by column)."""
    cost, total = figures.get("cost_of_sales"), figures.get("cost_expense_total")
    if cost is not None and total is not None and total < cost:
        return {"cost_expense_total": str(_("The total cost and expense includes the cost of sales and cannot be "
                                            "smaller (成本费用总额包含营业成本，不能小于营业成本)."))}
    return {}


class IndustryBenchmark(models.Model):
    """The industry's value of one indicator for one period (行业预警值), imported from the
    tax authority's figures or computed as the median of the industry's filings here."""

    class Source(models.TextChoices):
        COMPUTED = "computed", _("Computed from filings")
        IMPORTED = "imported", _("Imported")

    industry_code = models.CharField(_("industry code"), max_length=5, validators=[validate_industry_code])
    period = models.CharField(_("period"), max_length=6, validators=[validate_period])
    indicator = models.CharField(_("indicator"), max_length=32, choices=INDICATOR_CHOICES)
    # Six places as the indicators (indicators.PLACES): 4 decimals of a percentage.
    value = models.DecimalField(_("benchmark value"), max_digits=16, decimal_places=6)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    sample_size = models.PositiveIntegerField(_("filings in the sample"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                   null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["industry_code", "period", "indicator"]
        verbose_name = _("industry benchmark")
        verbose_name_plural = _("industry benchmarks")
        constraints = [models.UniqueConstraint(fields=["industry_code", "period", "indicator"],
                                               name="inspection_benchmark_unique")]

    def __str__(self) -> str:
        return f"{self.industry_code} {self.period} {self.indicator}"


class RegulationArticle(DateRangesMixin, Timestamped):
    """An article of the regulation library (政策法规库) that findings cite."""

    # Typed dates outside a plausible range are refused (zhengtong.core.dates).
    date_ranges = {"effective_from": PLANNED, "effective_to": PLANNED}

    law_name = models.CharField(_("law or regulation"), max_length=200)
    doc_number = models.CharField(_("official document number"), max_length=100, blank=True)
    article_no = models.CharField(_("article"), max_length=50)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective until"), null=True, blank=True)

    class Meta:
        ordering = ["law_name", "id"]
        verbose_name = _("regulation article")
        verbose_name_plural = _("regulation articles")
        constraints = [
            models.UniqueConstraint(fields=["law_name", "article_no"], name="inspection_article_unique"),
            models.CheckConstraint(condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F(
                "effective_from")), name="inspection_article_dates"),
        ]

    def __str__(self) -> str:
        return f"《{self.law_name}》{self.article_no}"

    def in_force_on(self, day) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


class InspectionCase(models.Model):
    class Source(models.TextChoices):
        RANKING = "ranking", _("Computer selection (ranking)")
        MANUAL = "manual", _("Manual selection")

    class ManualKind(models.TextChoices):
        TIP_OFF = "tip_off", _("Tip-off")
        ASSIGNED = "assigned", _("Assigned from above")
        REFERRAL = "referral", _("Referred by another department")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        SELECTED = "selected", _("Selected")
        ASSIGNED = "assigned", _("Inspectors assigned")
        INSPECTING = "inspecting", _("Inspecting")
        REPORT_SUBMITTED = "report_submitted", _("Inspection report submitted")
        UNDER_REVIEW = "under_review", _("Under review")
        DECIDED = "decided", _("Review decision issued")
        EXECUTING = "executing", _("Execution")
        CLOSED = "closed", _("Closed")
        SUSPENDED = "suspended", _("Suspended")
        RETURNED = "returned", _("Returned for more inspection")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Outcome(models.TextChoices):
        SETTLED = "settled", _("Settled")
        WRITTEN_OFF = "written_off", _("Written off")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    number = models.CharField(_("case number"), max_length=20, unique=True)
    entity = models.ForeignKey(InspectedEntity, on_delete=models.PROTECT, related_name="cases",
                               verbose_name=_("taxpayer"))
    period = models.CharField(_("period"), max_length=6, blank=True, validators=[validate_period])
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    manual_kind = models.CharField(_("kind of manual selection"), max_length=10, choices=ManualKind.choices,
                                   blank=True)
    reason = models.TextField(_("grounds for selection"), blank=True)
    # The ranking as the selector saw it: score, each indicator's value, benchmark and
    # points, flags and the rules in force. Later changes of data or rules do not alter it.
    score = models.DecimalField(_("risk score"), max_digits=8, decimal_places=2, null=True, blank=True)
    score_snapshot = models.JSONField(null=True, blank=True)
    selected_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                    on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("selected by"))
    selected_at = models.DateTimeField(_("selected at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SELECTED,
                              db_index=True)
    status_before_suspension = models.CharField(max_length=20, choices=Status.choices, blank=True)
    # Deadline of the current step (from the unit's rules); overdue warnings read it.
    step_due_on = models.DateField(_("current step due"), null=True, blank=True)
    # The step whose overdue warning was already given (warn once per step, not every run).
    overdue_warned_status = models.CharField(max_length=20, blank=True)
    payment_overdue_warned = models.BooleanField(default=False)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(_("closing note"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("inspection case")
        verbose_name_plural = _("inspection cases")
        permissions = [("view_dashboard", "Can view the inspection dashboard"),
                       ("issue_case_documents", "Can generate a case's review report and decision documents")]

    def __str__(self) -> str:
        return f"{self.number} {self.entity}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("inspection:case_detail", args=[self.pk])


class CaseAssignment(models.Model):
    """A person taking part in one stage of a case. ``conflict`` is None until the person
    declares (no) conflict of interest; a declared conflict removes them from the case."""

    class Role(models.TextChoices):
        INSPECTOR = "inspector", _("Inspector")
        REVIEWER = "reviewer", _("Reviewer")
        EXECUTOR = "executor", _("Executor")

    case = models.ForeignKey(InspectionCase, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                    on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)
    declared_at = models.DateTimeField(null=True, blank=True)
    conflict = models.BooleanField(null=True)
    conflict_note = models.TextField(blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assigned_at", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "user", "role"], name="inspection_assignment_unique")]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: user {self.user_id} on case {self.case_id}"

    @property
    def active(self) -> bool:
        return self.removed_at is None

    @property
    def cleared(self) -> bool:
        """Declared no conflict and still on the case: may act."""
        return self.removed_at is None and self.conflict is False


class WorkingPaper(Timestamped):
    """An inspection working paper (检查底稿)."""

    case = models.ForeignKey(InspectionCase, on_delete=models.CASCADE, related_name="papers")
    title = models.CharField(_("title"), max_length=200)
    content = models.TextField(_("content"))
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:  # where zhengtong.files returns after an upload
        from django.urls import reverse

        return reverse("inspection:case_detail", args=[self.case_id]) + "#inspection"


class EvidenceItem(DateRangesMixin, Timestamped):
    """One piece of evidence on a working paper. Described in text: the platform has no
    shared file store yet (zhengtong.files), so scans are referenced, not uploaded."""

    # Typed dates outside a plausible range are refused (zhengtong.core.dates).
    date_ranges = {"obtained_on": HAPPENED}

    paper = models.ForeignKey(WorkingPaper, on_delete=models.CASCADE, related_name="evidence")
    description = models.TextField(_("description"))
    obtained_how = models.CharField(_("how obtained"), max_length=200, blank=True)
    obtained_on = models.DateField(_("obtained on"), null=True, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                 on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description[:60]


class Finding(Timestamped):
    """A finding with the amounts the inspectors propose and the articles it rests on."""

    case = models.ForeignKey(InspectionCase, on_delete=models.CASCADE, related_name="findings")
    paper = models.ForeignKey(WorkingPaper, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="findings", verbose_name=_("working paper"))
    description = models.TextField(_("finding"))
    articles = models.ManyToManyField(RegulationArticle, related_name="findings", verbose_name=_("articles cited"))
    tax_amount = money(_("tax"), null=False, default=ZERO)
    late_fee_amount = money(_("late fees"), null=False, default=ZERO)
    penalty_amount = money(_("penalty"), null=False, default=ZERO)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                    on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description[:60]

    @property
    def total(self) -> Decimal:
        return self.tax_amount + self.late_fee_amount + self.penalty_amount


class InspectionReport(models.Model):
    """The inspection report (稽查报告): drafted by one inspector, co-signed by another —
    inspection is the work of at least two people. A return from review opens a new round."""

    case = models.ForeignKey(InspectionCase, on_delete=models.CASCADE, related_name="reports")
    round = models.PositiveSmallIntegerField(default=1)
    summary = models.TextField(_("summary"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                     on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)
    cosigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                    on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    cosigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["round"]
        constraints = [models.UniqueConstraint(fields=["case", "round"], name="inspection_report_round")]

    def __str__(self) -> str:
        return f"inspection report of case {self.case_id}, round {self.round}"


class ReviewReturn(models.Model):
    case = models.ForeignKey(InspectionCase, on_delete=models.CASCADE, related_name="returns")
    reason = models.TextField(_("what more is needed"))
    returned_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                    on_delete=models.PROTECT, related_name="+")
    returned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"case {self.case_id} returned: {self.reason[:60]}"


class ReviewDecision(DateRangesMixin, models.Model):
    """The review's conclusion (审理意见) and the amounts decided."""

    # Typed dates outside a plausible range are refused (zhengtong.core.dates).
    date_ranges = {"payment_due_on": PLANNED}

    class Kind(models.TextChoices):
        TAX_AND_PENALTY = "tax_and_penalty", _("Tax treatment and penalty")
        TAX_ONLY = "tax_only", _("Tax treatment only")
        NO_VIOLATION = "no_violation", _("No violation found")

    case = models.OneToOneField(InspectionCase, on_delete=models.CASCADE, related_name="decision")
    kind = models.CharField(_("decision"), max_length=20, choices=Kind.choices)
    opinion = models.TextField(_("review opinion"))
    tax_amount = money(_("tax"), null=False, default=ZERO)
    late_fee_amount = money(_("late fees"), null=False, default=ZERO)
    penalty_amount = money(_("penalty"), null=False, default=ZERO)
    tax_decision_number = models.CharField(_("tax treatment decision number"), max_length=40, blank=True)
    penalty_decision_number = models.CharField(_("penalty decision number"), max_length=40, blank=True)
    payment_due_on = models.DateField(_("payment due"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"case {self.case_id}: {self.get_kind_display()}"

    @property
    def total(self) -> Decimal:
        return self.tax_amount + self.late_fee_amount + self.penalty_amount


class Payment(DateRangesMixin, Timestamped):
    # Typed dates outside a plausible range are refused (zhengtong.core.dates).
    date_ranges = {"received_on": HAPPENED}

    class Kind(models.TextChoices):
        TAX = "tax", _("Tax")
        LATE_FEE = "late_fee", _("Late fees")
        PENALTY = "penalty", _("Penalty")

    case = models.ForeignKey(InspectionCase, on_delete=models.CASCADE, related_name="payments")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    amount = money(_("amount"), null=False, default=ZERO)
    received_on = models.DateField(_("received on"))
    reference = models.CharField(_("receipt number"), max_length=60, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["received_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ¥{self.amount} on {self.received_on}"


class EnforcementMeasure(DateRangesMixin, Timestamped):
    # Typed dates outside a plausible range are refused (zhengtong.core.dates).
    date_ranges = {"started_on": PLANNED, "ended_on": PLANNED}

    class Kind(models.TextChoices):
        NOTICE = "notice", _("Notice to pay")
        FREEZE = "freeze", _("Freeze of bank deposits")
        SEIZE = "seize", _("Seizure of property")
        DEDUCT = "deduct", _("Deduction from bank account")
        AUCTION = "auction", _("Auction or sale of seized property")
        EXIT_BAN = "exit_ban", _("Exit restriction")

    case = models.ForeignKey(InspectionCase, on_delete=models.CASCADE, related_name="measures")
    kind = models.CharField(_("measure"), max_length=10, choices=Kind.choices)
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["started_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.started_on}"


class ChangeRequest(models.Model):
    """Maker-checker on submitted data: once a stage is submitted its figures change only
    when a second person with the right role approves. Both versions are kept."""

    class Target(models.TextChoices):
        FINDING = "finding", _("Finding")
        DECISION = "decision", _("Review decision")
        PAYMENT = "payment", _("Payment")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    case = models.ForeignKey(InspectionCase, on_delete=models.CASCADE, related_name="change_requests")
    target = models.CharField(_("what"), max_length=10, choices=Target.choices)
    target_id = models.BigIntegerField()
    before = models.JSONField()
    after = models.JSONField()
    reason = models.TextField(_("reason for the change"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                     on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                   on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.get_target_display()} #{self.target_id} ({self.get_state_display()})"
