"""Lending and renting contracts (出租出借).

A contract starts as a request that goes through the approval chain ``assets.lending``
(routed by the asset's original value against the unit's rule ``lending_bureau_threshold``).
Approved, it is active: the card shows "lent/rented to X until Y" and its status is lent or
rented out. Returning the asset ends it. Income received is recorded entry by entry; the
district roll-up reads it per period (selectors.lending_income).
"""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhengtong.core.dates import HAPPENED, PLANNED, DateRangesMixin
from zhengtong.core.models import Timestamped


class LeaseContract(DateRangesMixin, Timestamped):
    # Typed dates outside a plausible range are refused (zhengtong.core.dates).
    date_ranges = {"term_start": PLANNED, "term_end": PLANNED, "returned_on": HAPPENED}

    class Kind(models.TextChoices):
        RENT = "rent", _("Rent out")
        LEND = "lend", _("Lend")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_APPROVAL = "in_approval", _("In approval")
        ACTIVE = "active", _("Active")
        RETURNED = "returned", _("Returned")
        REJECTED = "rejected", _("Rejected or withdrawn")

    asset = models.ForeignKey("assets.Asset", verbose_name=_("asset"), on_delete=models.PROTECT,
                              related_name="lease_contracts")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.RENT)
    counterparty = models.CharField(_("counterparty"), max_length=200)
    counterparty_contact = models.CharField(_("counterparty contact"), max_length=200, blank=True)
    purpose = models.TextField(_("purpose"), blank=True)
    term_start = models.DateField(_("term start"))
    term_end = models.DateField(_("term end"))
    # The rent agreed for the whole term; 0 for lending.
    rent = models.DecimalField(_("rent for the term (yuan)"), max_digits=16, decimal_places=2, default=Decimal("0"),
                               validators=[MinValueValidator(Decimal("0"))])
    contract_number = models.CharField(_("contract number"), max_length=60, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    # The asset's status before it went out, restored on return.
    status_before = models.CharField(max_length=20, blank=True)
    filed_at = models.DateTimeField(_("filed with the bureau"), null=True, blank=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                 null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    returned_on = models.DateField(_("returned on"), null=True, blank=True)
    # Days-before-end thresholds already warned about (rule contract_expiry_warning_days).
    expiry_warned = models.JSONField(default=list, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                     on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("lending/renting contract")
        verbose_name_plural = _("lending/renting contracts")
        constraints = [
            models.CheckConstraint(condition=models.Q(term_end__gte=models.F("term_start")),
                                   name="assets_leasing_term_order"),
        ]

    def __str__(self) -> str:
        return f"{self.asset.number} → {self.counterparty}"

    @property
    def income_received(self) -> Decimal:
        return self.income_entries.aggregate(s=models.Sum("amount"))["s"] or Decimal("0.00")


class IncomeEntry(DateRangesMixin, models.Model):
    """Rent received on a contract (one entry per payment)."""

    # Typed dates outside a plausible range are refused (zhengtong.core.dates).
    date_ranges = {"received_on": HAPPENED}

    contract = models.ForeignKey(LeaseContract, on_delete=models.PROTECT, related_name="income_entries")
    received_on = models.DateField(_("received on"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=16, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0.01"))])
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["received_on", "pk"]
        verbose_name = _("income received")
        verbose_name_plural = _("income received")

    def __str__(self) -> str:
        return f"{self.received_on} ¥{self.amount}"
