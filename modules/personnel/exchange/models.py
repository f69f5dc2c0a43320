"""Public-schema records of cross-unit transfer handshakes (the district's view).

A unit's staff records live in the unit's own schema; neither unit can read the other's.
The handshake needs a place both units and the district HR bureau can see, so it is here,
in the public schema: one row per cross-unit transfer, holding only what the three parties
need to decide (name, the two units, from/to department and post, dates, who acted) — never
the ID number, the history or anything else of the full record. The full record travels
from schema to schema in one transaction when the transfer completes
(modules/personnel/exchange/services.py).
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhengtong.core.dates import PLANNED, DateRangesMixin


class ExchangeSettings(models.Model):
    """The district HR bureau's setting: must it approve every cross-unit transfer?
    (A sending unit may also ask for it on its own transfers: the personnel rule
    ``district_approval_for_transfer_out``.) One row per district."""

    district = models.OneToOneField("tenants.District", on_delete=models.CASCADE, related_name="+")
    district_approval_required = models.BooleanField(
        _("district HR bureau approves every cross-unit transfer"), default=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    def __str__(self) -> str:
        required = "required" if self.district_approval_required else "not required"
        return f"district {self.district_id}: district HR approval {required}"


class OrderSequence(models.Model):
    """The last transfer order (调令) number of a year in a district. Taken inside the
    completing transaction, so a failed completion never uses a number: no gaps."""

    district = models.ForeignKey("tenants.District", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["district", "year"], name="personnel_exchange_order_seq")]

    def __str__(self) -> str:
        return f"district {self.district_id}: 调字〔{self.year}〕 up to 第{self.last}号"


class CrossUnitTransfer(DateRangesMixin, models.Model):
    """One transfer of a person from one unit (sender) to another (receiver)."""

    # Typed dates outside a plausible range are refused (zhengtong.core.dates).
    date_ranges = {"effective_date": PLANNED, "end_date": PLANNED}

    class Status(models.TextChoices):
        ISSUED = "issued", _("Waiting for the receiving unit")
        DISTRICT = "district", _("Waiting for the district HR bureau")
        APPROVED = "approved", _("Approved, waiting for the effective date")
        COMPLETED = "completed", _("Completed")
        DECLINED = "declined", _("Declined by the receiving unit")
        DISTRICT_REJECTED = "district_rejected", _("Rejected by the district HR bureau")
        WITHDRAWN = "withdrawn", _("Withdrawn by the sending unit")

    class Kind(models.TextChoices):
        TRANSFER = "transfer", _("Transfer (调动)")
        SECONDMENT = "secondment", _("Secondment (借调)")

    OPEN = (Status.ISSUED, Status.DISTRICT, Status.APPROVED)

    district = models.ForeignKey("tenants.District", null=True, on_delete=models.PROTECT, related_name="+")
    sender = models.ForeignKey("tenants.Unit", verbose_name=_("sending unit"), on_delete=models.PROTECT,
                               related_name="+")
    receiver = models.ForeignKey("tenants.Unit", verbose_name=_("receiving unit"), on_delete=models.PROTECT,
                                 related_name="+")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ISSUED,
                              db_index=True)
    # A transfer moves the record; a secondment (借调) keeps it with the sender (seconded out,
    # keeping their place there) and gives the receiver a read-only "seconded in" copy until
    # ``end_date``, when both sides' daily jobs end it.
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.TRANSFER)
    end_date = models.DateField(_("secondment ends"), null=True, blank=True)
    # The person in the sender's schema (ids repeat across units: always with ``sender``), and
    # their stable uid, kept by the copy the receiver gets.
    sender_person_id = models.BigIntegerField()
    person_uid = models.UUIDField(db_index=True)
    person_name = models.CharField(_("name"), max_length=50)
    employment_type = models.CharField(_("employment type"), max_length=20, blank=True)
    rank = models.CharField(_("rank / grade"), max_length=50, blank=True)
    from_department = models.CharField(_("from department"), max_length=100, blank=True)
    from_post = models.CharField(_("from post"), max_length=100, blank=True)
    reason = models.TextField(_("reason"))
    effective_date = models.DateField(_("effective date"))
    needs_district_approval = models.BooleanField(default=False)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(auto_now_add=True)
    # Filled in by the receiver on acceptance (ids in the receiver's schema).
    to_department_id = models.BigIntegerField(null=True, blank=True)
    to_post_id = models.BigIntegerField(null=True, blank=True)
    to_department = models.CharField(_("to department"), max_length=100, blank=True)
    to_post = models.CharField(_("to post"), max_length=100, blank=True)
    establishment_override_reason = models.TextField(blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    accepted_at = models.DateTimeField(null=True, blank=True)
    district_decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                            on_delete=models.PROTECT, related_name="+")
    district_decided_at = models.DateTimeField(null=True, blank=True)
    # Completion with mandatory hand-over items still open in the sender (assets in custody …):
    # only with a sending-unit leader's written reason (personnel.override_handover).
    handover_override_reason = models.TextField(blank=True)
    handover_override_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                             on_delete=models.PROTECT, related_name="+")
    decision_comment = models.TextField(blank=True)  # why declined / rejected / withdrawn
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    completed_at = models.DateTimeField(null=True, blank=True)
    receiver_person_id = models.BigIntegerField(null=True, blank=True)
    # 调令 number: per district and year, gap-free (OrderSequence), given on completion.
    order_year = models.PositiveSmallIntegerField(null=True, blank=True)
    order_sequence = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("cross-unit transfer")
        verbose_name_plural = _("cross-unit transfers")
        constraints = [
            # A person has at most one open cross-unit transfer.
            models.UniqueConstraint(fields=["person_uid"], condition=Q(status__in=["issued", "district", "approved"]),
                                    name="personnel_exchange_one_open"),
            models.UniqueConstraint(fields=["district", "order_year", "order_sequence"],
                                    condition=Q(order_sequence__isnull=False), name="personnel_exchange_order_no"),
            models.CheckConstraint(condition=~Q(sender=models.F("receiver")), name="personnel_exchange_two_units"),
        ]

    def __str__(self) -> str:
        return f"{self.person_name}: {self.sender} → {self.receiver}"

    @property
    def order_number(self) -> str:
        """调字〔2026〕第3号 — the printed serial of the transfer order."""
        if not self.order_sequence:
            return ""
        return f"调字〔{self.order_year}〕第{self.order_sequence}号"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class ExchangeEvent(models.Model):
    """The handshake's own timeline (issued, accepted, approved, completed …), in the public
    schema where both units and the district read it. Each unit's audit trail also gets its
    own events for what happened in its schema."""

    transfer = models.ForeignKey(CrossUnitTransfer, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=30)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    unit = models.ForeignKey("tenants.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    LABELS = {
        "issued": _("Transfer out issued"),
        "accepted": _("Accepted by the receiving unit"),
        "declined": _("Declined by the receiving unit"),
        "withdrawn": _("Withdrawn by the sending unit"),
        "district_approved": _("Approved by the district HR bureau"),
        "district_rejected": _("Rejected by the district HR bureau"),
        "completed": _("Completed"),
        "handover_override": _("Hand-over override by the sending unit's leader"),
        "completion_waiting": _("Completion waiting"),
    }

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.label} ({self.at:%Y-%m-%d %H:%M})" if self.at else self.label

    @property
    def label(self) -> str:
        return str(self.LABELS.get(self.action, self.action))
