"""Public-schema per-unit summary rows behind the district roll-up.

A unit's books live in its own schema; adding them up across 500 schemas at page time is
slow (one aggregate per schema, however it is sent). Each unit's figures are therefore kept
here, one row per class × status × department, refreshed per unit after its asset writes
(services.summary_refresh_on_commit → tasks.rollup_refresh), by the depreciation job and on
demand. The district page reads this table in one small query; ``UnitSummaryState`` says
when each unit's rows were taken, and a unit without one is read live instead.
"""
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitAssetSummary(models.Model):
    unit = models.ForeignKey("tenants.Unit", on_delete=models.CASCADE, related_name="+")
    class_code = models.CharField(_("class code"), max_length=20, blank=True)
    class_name = models.CharField(_("class"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=20)
    department = models.CharField(_("department"), max_length=100, blank=True)
    count = models.PositiveIntegerField(_("cards"))
    quantity = models.DecimalField(_("quantity"), max_digits=16, decimal_places=2, default=Decimal("0"))
    original_value = models.DecimalField(_("original value (yuan)"), max_digits=18, decimal_places=2)
    net_value = models.DecimalField(_("net value (yuan)"), max_digits=18, decimal_places=2)

    class Meta:
        verbose_name = _("unit asset summary")
        constraints = [models.UniqueConstraint(fields=["unit", "class_code", "class_name", "status", "department"],
                                               name="assets_district_summary_key")]

    def __str__(self) -> str:
        return f"unit {self.unit_id} · {self.class_code or self.class_name} · {self.status} · {self.department}"


class UnitAssetDimension(models.Model):
    """A unit's totals along one dimension (by status, by class, by department), taken from
    its summary rows at the same refresh. The district totals add these up: a few dozen rows
    a unit instead of every class × status × department combination."""

    class Dimension(models.TextChoices):
        STATUS = "status"
        CLASS = "class"  # classified cards, by class code
        CLASS_TEXT = "class_text"  # cards whose class is only a text outside the classification, by the text
        DEPARTMENT = "department"

    unit = models.ForeignKey("tenants.Unit", on_delete=models.CASCADE, related_name="+")
    dimension = models.CharField(max_length=10, choices=Dimension.choices)
    key = models.CharField(max_length=100, blank=True)
    name = models.CharField(max_length=100, blank=True)
    count = models.PositiveIntegerField()
    quantity = models.DecimalField(max_digits=16, decimal_places=2)
    original_value = models.DecimalField(max_digits=18, decimal_places=2)
    net_value = models.DecimalField(max_digits=18, decimal_places=2)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "dimension", "key"],
                                               name="assets_district_dimension_key")]

    def __str__(self) -> str:
        return f"unit {self.unit_id} · {self.dimension} {self.key}"


class UnitDisposalMonth(models.Model):
    """Disposed cards of a unit by the month they were disposed (the period figures)."""

    unit = models.ForeignKey("tenants.Unit", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month"))  # first day of the month
    count = models.PositiveIntegerField(_("cards"))
    original_value = models.DecimalField(_("original value (yuan)"), max_digits=18, decimal_places=2)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "month"], name="assets_district_disposal_month")]

    def __str__(self) -> str:
        return f"unit {self.unit_id} · disposals {self.month:%Y-%m}"


class UnitIncomeMonth(models.Model):
    """Rent a unit received from lending/renting its assets, by month (出租出借收入)."""

    unit = models.ForeignKey("tenants.Unit", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month"))  # first day of the month
    amount = models.DecimalField(_("amount (yuan)"), max_digits=18, decimal_places=2)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "month"], name="assets_district_income_month")]

    def __str__(self) -> str:
        return f"unit {self.unit_id} · income {self.month:%Y-%m}"


class UnitQuotaUsage(models.Model):
    """An approved allocation quota of a unit against its stock of the class and below."""

    unit = models.ForeignKey("tenants.Unit", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    class_code = models.CharField(_("class code"), max_length=20)
    class_name = models.CharField(_("class"), max_length=100)
    quota = models.PositiveIntegerField(_("quota"))
    stock = models.DecimalField(_("on the books"), max_digits=16, decimal_places=2)

    def __str__(self) -> str:
        return f"unit {self.unit_id} · {self.year} {self.class_code}"


class UnitSummaryState(models.Model):
    """When a unit's summary rows were taken (the "as of" time the district page shows)."""

    unit = models.OneToOneField("tenants.Unit", on_delete=models.CASCADE, primary_key=True, related_name="+")
    refreshed_at = models.DateTimeField(_("as of"))
    cards = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)  # what the refresh cost, for the operators' eyes

    class Meta:
        # Declared on the roll-up reports (manifest) so no unit role ever holds it: they are
        # requested only from the district portal (district/reports.py).
        permissions = [("request_rollup_report", "Can request the district roll-up reports")]

    def __str__(self) -> str:
        return f"unit {self.unit_id} as of {self.refreshed_at:%Y-%m-%d %H:%M}"
