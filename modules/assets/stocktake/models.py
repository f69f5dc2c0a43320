"""Stocktake campaigns (清查): snapshot, counting, discrepancies, public notice, adjustments.

A campaign freezes a snapshot of the books when it starts (one ``StocktakeLine`` per asset
card in scope, with the card's figures copied), so the count and the discrepancy report
compare against the books *as they were*, not as they drift while counting goes on.
Counters mark each line; things found that are not on the books are ``SurplusItem`` rows.
The results are published for an internal public notice (公示, at least a week per the
essay: 不少于一周时间的内部公示) during which members raise ``Objection``s; only after it do
book adjustments go into approval, and only the approval changes the cards.
"""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhengtong.core.dates import PLANNED, DateRangesMixin


class Campaign(DateRangesMixin, models.Model):
    # Typed dates outside a plausible range are refused (zhengtong.core.dates).
    date_ranges = {"deadline": PLANNED}

    class Status(models.TextChoices):
        COUNTING = "counting", _("Counting")
        PUBLISHED = "published", _("Results in public notice")
        IN_APPROVAL = "in_approval", _("Adjustments in approval")
        ADJUSTED = "adjusted", _("Books adjusted")
        CLOSED = "closed", _("Closed: the count matched the books")

    title = models.CharField(_("title"), max_length=200)
    # Scope: every card on the books, or only these classes (with their subclasses) and/or
    # departments. Kept as given, for the record; the snapshot is what counts.
    scope_all = models.BooleanField(_("all assets"), default=True)
    scope_class_codes = models.JSONField(_("classes"), default=list, blank=True)
    scope_departments = models.JSONField(_("departments"), default=list, blank=True)
    deadline = models.DateField(_("counting deadline"))
    counters = models.ManyToManyField(settings.AUTH_USER_MODEL, db_constraint=False,
                                      verbose_name=_("counters"), related_name="+")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.COUNTING)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                   on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("snapshot taken at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    notice_days = models.PositiveSmallIntegerField(_("public notice (days)"), null=True, blank=True)
    notice_ends_at = models.DateTimeField(_("public notice ends at"), null=True, blank=True)
    adjusted_at = models.DateTimeField(_("books adjusted at"), null=True, blank=True)
    approval_ref = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("stocktake campaign")
        verbose_name_plural = _("stocktake campaigns")

    def __str__(self) -> str:
        return self.title


class StocktakeLine(models.Model):
    """One card of the books as it stood at the start, and what the counters found."""

    class Result(models.TextChoices):
        PENDING = "pending", _("Not counted yet")
        FOUND = "found", _("Found")
        NOT_FOUND = "not_found", _("Not found")
        ELSEWHERE = "elsewhere", _("Found elsewhere")

    class Condition(models.TextChoices):
        GOOD = "good", _("Good")
        DAMAGED = "damaged", _("Damaged, usable")
        UNUSABLE = "unusable", _("Unusable")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="lines")
    # The card itself; the copied fields below stay as they were at the snapshot.
    asset_id = models.IntegerField(db_index=True)
    number = models.CharField(_("asset number"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    class_code = models.CharField(max_length=20, blank=True)
    class_name = models.CharField(_("class"), max_length=100, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    custodian = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                  verbose_name=_("custodian"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    custodian_name = models.CharField(max_length=100, blank=True)
    department = models.CharField(_("department"), max_length=100, blank=True)
    original_value = models.DecimalField(_("original value (yuan)"), max_digits=16, decimal_places=2)
    net_value = models.DecimalField(_("net value (yuan)"), max_digits=16, decimal_places=2)
    # The count.
    result = models.CharField(_("result"), max_length=20, choices=Result.choices, default=Result.PENDING)
    actual_location = models.CharField(_("actual location"), max_length=200, blank=True)
    actual_custodian = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                         verbose_name=_("actual custodian"), null=True,
                                         blank=True, on_delete=models.PROTECT, related_name="+")
    condition = models.CharField(_("condition"), max_length=20, choices=Condition.choices, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    counted_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                   null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    counted_at = models.DateTimeField(null=True, blank=True)
    applied = models.BooleanField(default=False)  # its adjustment has changed the card

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["campaign", "asset_id"], name="stocktake_line_asset")]
        indexes = [models.Index(fields=["campaign", "result"])]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    @property
    def location_mismatch(self) -> bool:
        return (self.result in (self.Result.FOUND, self.Result.ELSEWHERE) and bool(self.actual_location)
                and self.actual_location != self.location)

    @property
    def custodian_mismatch(self) -> bool:
        return (self.result in (self.Result.FOUND, self.Result.ELSEWHERE) and self.actual_custodian_id is not None
                and self.actual_custodian_id != self.custodian_id)


class SurplusItem(models.Model):
    """Something found in the unit that is on no card (盘盈). Its value is an estimate
    (评估价值); the approved adjustment registers it as a new card at that value."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="surpluses")
    name = models.CharField(_("name"), max_length=100)
    class_code = models.CharField(_("class code"), max_length=20, blank=True)
    spec = models.CharField(_("model / specification"), max_length=200, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    department = models.CharField(_("department"), max_length=100, blank=True)
    custodian = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                  verbose_name=_("custodian"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    estimated_value = models.DecimalField(_("estimated value (yuan)"), max_digits=16, decimal_places=2,
                                          validators=[MinValueValidator(Decimal("0"))])
    condition = models.CharField(_("condition"), max_length=20, choices=StocktakeLine.Condition.choices, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    asset_id = models.IntegerField(null=True, blank=True)  # the card the adjustment registered

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class Objection(models.Model):
    """A member's objection to the published results (公示期异议), answered by the officer."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="objections")
    line = models.ForeignKey(StocktakeLine, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(_("objection"))
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                  on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(auto_now_add=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                    null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["raised_at", "pk"]

    def __str__(self) -> str:
        return f"objection {self.pk} to stocktake {self.campaign_id}"


class DeadlineWarning(models.Model):
    """One row per campaign and threshold already warned about: the periodic check may run
    as often as it likes and warns once ("approaching", "passed")."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    threshold = models.CharField(max_length=20)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "threshold"], name="stocktake_warning_once")]

    def __str__(self) -> str:
        return f"stocktake {self.campaign_id}: {self.threshold}"
