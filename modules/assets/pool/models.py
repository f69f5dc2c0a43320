"""Public-schema idle asset pool and cross-unit redistribution records (闲置资产调剂).

A unit's asset cards live in its own schema, which no other unit can read. The pool needs a
place every unit's asset officer and the district finance bureau (国资办) can see, so it is
here, in the public schema: a listing carries only the summary another unit needs to decide
(unit, number, name, class, values, acquisition date) — never the custodian, location or
attachments. The card itself moves from schema to schema in one transaction when the
transfer executes (services.pool_transfer_execute).
"""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class IdleFlag(models.Model):
    """An asset the periodic idle check found unused for longer than the unit's rule
    ``idle_after_days`` (see services.idle_flags_refresh for what counts as unused). One row per
    asset and unused period (``since``): the asset officer is warned once per period, however
    often the check runs."""

    class Reason(models.TextChoices):
        IDLE = "idle", _("Idle on the card for longer than the rule allows")
        NO_CUSTODIAN = "no_custodian", _("In use on the card but held by nobody")

    unit = models.ForeignKey("tenants.Unit", on_delete=models.CASCADE, related_name="+")
    asset_id = models.BigIntegerField()
    asset_number = models.CharField(_("asset number"), max_length=40)
    asset_name = models.CharField(_("name"), max_length=100)
    original_value = models.DecimalField(_("original value (yuan)"), max_digits=16, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    since = models.DateField(_("unused since"))
    flagged_on = models.DateField(_("flagged on"))
    # Set when a later check finds the asset in use again (or gone from the books).
    cleared_on = models.DateField(_("cleared on"), null=True, blank=True)

    class Meta:
        ordering = ["unit", "asset_number"]
        constraints = [models.UniqueConstraint(fields=["unit", "asset_id", "since"], name="assets_pool_flag_once")]

    def __str__(self) -> str:
        return f"{self.asset_number} {self.asset_name}"


class PoolListing(models.Model):
    """An idle asset a unit offers to the other units of the district."""

    class Status(models.TextChoices):
        LISTED = "listed", _("Offered")
        REQUESTED = "requested", _("Requested by a unit")
        TRANSFERRED = "transferred", _("Transferred")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    OPEN = (Status.LISTED, Status.REQUESTED)

    unit = models.ForeignKey("tenants.Unit", verbose_name=_("offering unit"), on_delete=models.PROTECT,
                             related_name="+")
    asset_id = models.BigIntegerField()  # in the offering unit's schema
    asset_number = models.CharField(_("asset number"), max_length=40)
    asset_name = models.CharField(_("name"), max_length=100)
    class_code = models.CharField(_("class code"), max_length=20, blank=True)
    class_name = models.CharField(_("class"), max_length=100, blank=True)
    spec = models.CharField(_("model / specification"), max_length=200, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2, default=Decimal("1"))
    unit_of_measure = models.CharField(_("unit of measure"), max_length=20, blank=True)
    acquired_on = models.DateField(_("acquisition date"))
    # Values when offered; the transfer carries the card's values as they are when it executes.
    original_value = models.DecimalField(_("original value (yuan)"), max_digits=16, decimal_places=2)
    net_value = models.DecimalField(_("net value (yuan)"), max_digits=16, decimal_places=2)
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.LISTED)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-published_at"]
        constraints = [
            # An asset is offered at most once at a time.
            models.UniqueConstraint(fields=["unit", "asset_id"], condition=Q(status__in=["listed", "requested"]),
                                    name="assets_pool_listing_open_once"),
        ]

    def __str__(self) -> str:
        return f"{self.asset_number} {self.asset_name}"


class DecisionSequence(models.Model):
    """The last redistribution decision number (调剂决定) of a year in a district. Taken inside
    the executing transaction, so a failed transfer never uses a number."""

    district = models.ForeignKey("tenants.District", null=True, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["district", "year"], name="assets_pool_decision_seq")]

    def __str__(self) -> str:
        return f"调剂〔{self.year}〕{self.last}号"


class PoolTransfer(models.Model):
    """A unit's request for a listed asset, its three approvals and its execution.

    The offering unit (its head), the receiving unit (its head) and the district finance
    bureau each approve; who and when is kept for each. The bureau signs last. Only then
    does the card move, in one transaction across both schemas."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approvals")
        APPROVED = "approved", _("Approved, not yet executed")
        EXECUTED = "executed", _("Executed")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    OPEN = (Status.PENDING, Status.APPROVED)

    listing = models.ForeignKey(PoolListing, on_delete=models.PROTECT, related_name="transfers")
    receiving_unit = models.ForeignKey("tenants.Unit", verbose_name=_("receiving unit"), on_delete=models.PROTECT,
                                       related_name="+")
    reason = models.TextField(_("reason for the request"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    giver_approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+")
    giver_approved_at = models.DateTimeField(null=True, blank=True)
    receiver_approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                             on_delete=models.PROTECT, related_name="+")
    receiver_approved_at = models.DateTimeField(null=True, blank=True)
    bureau_approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                           on_delete=models.PROTECT, related_name="+")
    bureau_approved_at = models.DateTimeField(null=True, blank=True)
    rejected_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejection_note = models.TextField(blank=True)
    # The last failed execution attempt, in words (cleared when it succeeds).
    execution_error = models.TextField(blank=True)
    decision_number = models.CharField(_("decision number"), max_length=40, blank=True)
    executed_at = models.DateTimeField(null=True, blank=True)
    new_asset_id = models.BigIntegerField(null=True, blank=True)  # in the receiving unit's schema
    new_asset_number = models.CharField(max_length=40, blank=True)
    # The values that moved and the card's history summary, copied from the offering unit.
    values = models.JSONField(default=dict, blank=True)
    history = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(fields=["listing"], condition=Q(status__in=["pending", "approved"]),
                                    name="assets_pool_transfer_open_once"),
        ]

    def __str__(self) -> str:
        return f"{self.listing} → {self.receiving_unit}"

    @property
    def giving_unit(self):
        return self.listing.unit

    @property
    def signatures(self) -> list[tuple[str, object, object]]:
        return [("giver", self.giver_approved_by, self.giver_approved_at),
                ("receiver", self.receiver_approved_by, self.receiver_approved_at),
                ("bureau", self.bureau_approved_by, self.bureau_approved_at)]
