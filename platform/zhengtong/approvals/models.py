"""The approval engine's records.

The app is installed in every unit schema (requests, their steps and history live with the
unit's data) and in the public schema, which holds what the district needs across units:
delegations of district roles and the index of steps waiting for a district role. The
same tables exist on both sides; which rows are meaningful depends on the schema, and
the engine always switches schema explicitly before touching the public-only ones (with a
unit's search_path "u_x, public", an unqualified name finds the unit's own, empty, copy).
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhengtong.core.models import Timestamped
from zhengtong.registry.registry import localized


class ApprovalChain(models.Model):
    """A unit's own chain for a request type, replacing the module's default chain.

    ``steps`` is a list of step dicts (key, name_zh, name_en, role, quorum, conditions,
    deadline_hours, escalate_to, comment_required), validated by ``chains.validate_steps``.
    """

    type_key = models.CharField(max_length=64, unique=True)
    steps = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by_id = models.BigIntegerField(null=True)

    class Meta:
        verbose_name = _("approval chain")
        verbose_name_plural = _("approval chains")

    def __str__(self) -> str:
        return self.type_key


class ApprovalRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("In approval")
        RETURNED = "returned", _("Returned for revision")
        APPROVED = "approved", _("Request approved")
        REJECTED = "rejected", _("Request rejected")
        WITHDRAWN = "withdrawn", _("Request withdrawn")

    OPEN = (Status.PENDING, Status.RETURNED)

    type_key = models.CharField(_("request type"), max_length=64, db_index=True)
    # The subject is a row of the module's own model in this schema (ids repeat across
    # units, so the pair is only meaningful inside the unit).
    subject_type = models.CharField(max_length=100)
    subject_id = models.BigIntegerField()
    subject_repr = models.CharField(_("subject"), max_length=200)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=16, decimal_places=2, null=True, blank=True)
    facts = models.JSONField(default=dict)  # what step conditions were evaluated on
    reason = models.TextField(_("reason"), blank=True)
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                  verbose_name=_("requester"), on_delete=models.PROTECT,
                                  related_name="+")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    round = models.PositiveIntegerField(default=1)  # +1 on each resubmission after a return
    submitted_at = models.DateTimeField(_("submitted"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        constraints = [
            # One open request per subject and type: a second disposal request for the same
            # asset while one is in approval would be decided twice.
            models.UniqueConstraint(fields=["type_key", "subject_id"], condition=models.Q(status__in=["pending",
                                    "returned"]), name="approval_one_open_request_per_subject"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject_repr}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class ApprovalStep(models.Model):
    """One step of one round of a request, as routed at submission (the chain is copied,
    so later chain edits never change a request already in approval)."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Not reached yet")
        ACTIVE = "active", _("Waiting for decision")
        APPROVED = "approved", _("Step approved")
        REJECTED = "rejected", _("Step rejected")
        RETURNED = "returned", _("Step returned")
        CANCELLED = "cancelled", _("Step cancelled")

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="steps")
    round = models.PositiveIntegerField()
    position = models.PositiveIntegerField()
    key = models.CharField(max_length=40)
    name_zh = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100)
    role = models.CharField(max_length=64)
    quorum = models.PositiveIntegerField(default=1)
    deadline_hours = models.PositiveIntegerField(null=True, blank=True)
    escalate_to = models.CharField(max_length=64, blank=True)
    comment_required = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.WAITING)
    activated_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True)  # when the overdue notice went out
    escalated_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                   null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["round", "position"]
        constraints = [
            models.UniqueConstraint(fields=["request", "round", "position"], name="approval_step_position_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localized(self.name_zh, self.name_en)

    @property
    def is_district(self) -> bool:
        return self.role.startswith("district.")


class ApprovalAction(Timestamped):
    """The request's history: every action, by whom (and for whom), when, with which
    comment. Append-only; the request page shows it as a timeline."""

    class Kind(models.TextChoices):
        # Verb phrases: the timeline reads "<who> <kind>" (李局长 同意).
        SUBMIT = "submit", _("submitted the request")
        RESUBMIT = "resubmit", _("resubmitted the request")
        APPROVE = "approve", _("approved")
        REJECT = "reject", _("rejected")
        RETURN = "return", _("returned it for revision")
        WITHDRAW = "withdraw", _("withdrew the request")
        COMMENT = "comment", _("commented")
        REMIND = "remind", _("deadline reminder sent")
        OVERDUE = "overdue", _("deadline passed")
        ESCALATE = "escalate", _("escalated")
        COMPLETE = "complete", _("approval completed")

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="actions")
    step = models.ForeignKey(ApprovalStep, null=True, blank=True, on_delete=models.CASCADE, related_name="actions")
    round = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                              null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")  # null: the system (deadline checks)
    # Set when a delegate acted for the role holder: the decision counts as the holder's.
    on_behalf_of = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                     null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    comment = models.TextField(blank=True)
    # Acted from the district portal (a district role), for the timeline.
    via_district = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"#{self.request_id} {self.kind}"

    @property
    def principal_id(self) -> int | None:
        """Whose decision this is: the role holder, also when a delegate clicked."""
        return self.on_behalf_of_id or self.actor_id


class Delegation(Timestamped):
    """A role holder lets a colleague act for them from ``valid_from`` to ``valid_until``.

    Kept in the schema where the role lives: unit roles in the unit, district roles in the
    public schema. Valid only while the delegator still holds the role.
    """

    delegator = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                  verbose_name=_("delegator"), on_delete=models.PROTECT,
                                  related_name="+")
    delegate = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                 verbose_name=_("delegate"), on_delete=models.PROTECT,
                                 related_name="+")
    role = models.CharField(_("role"), max_length=64)
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-valid_from", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(valid_until__gt=models.F("valid_from")),
                                   name="delegation_period_positive"),
            models.CheckConstraint(condition=~models.Q(delegator=models.F("delegate")),
                                   name="delegation_not_to_self"),
        ]

    def __str__(self) -> str:
        return f"{self.role} → {self.delegate_id}"


class DistrictPendingStep(models.Model):
    """Public schema only: one row per active step waiting for a district role, so the
    district portal can list them across units without visiting every schema. Step and
    request ids repeat across units, hence the unit in every row and in the key."""

    unit = models.ForeignKey("tenants.Unit", db_constraint=False, on_delete=models.CASCADE, related_name="+")
    request_id = models.BigIntegerField()
    step_id = models.BigIntegerField()
    type_key = models.CharField(max_length=64)
    role = models.CharField(max_length=64, db_index=True)
    step_name_zh = models.CharField(max_length=100)
    step_name_en = models.CharField(max_length=100)
    subject_repr = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=16, decimal_places=2, null=True)
    requester_label = models.CharField(max_length=200)
    activated_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True)
    escalate_to = models.CharField(max_length=64, blank=True)
    escalated = models.BooleanField(default=False)

    class Meta:
        ordering = ["activated_at", "id"]
        constraints = [models.UniqueConstraint(fields=["unit", "step_id"], name="district_pending_step_unique")]

    def __str__(self) -> str:
        return f"{self.step_name_zh}: {self.subject_repr}"

    @property
    def step_name(self) -> str:
        return localized(self.step_name_zh, self.step_name_en)
