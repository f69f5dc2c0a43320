"""Keys and credentials custody, hand-over tasks, damage incidents, semester evaluations.

Sources: essay 篇四 — 各室主要责任人负责保管信息化基础设施的钥匙和密码，离职换岗者需在办理手续时
移交钥匙和密码; 人为损坏赔偿责任由使用人承担，丢失赔偿责任视具体情况由相关人员承担，赔偿比例根据
责任大小分配; 每学期组织一次信息化基础设施的管理和使用情况的考评。

The custody register records WHO holds a key, card or credential and since when — never
the secret itself: there is deliberately no field that could hold a password or PIN.
Places and devices are e1equip's ``equipment`` models; this app refers to them by foreign key
(same module) but changes them only through ``services/`` here (hand-over confirmation).
Users live in the public schema; FKs cross schemas through the search_path, as assets do.
No business logic in save(): the services do every write.
"""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhengtong.core.dates import HAPPENED, PLANNED, DateRangesMixin
from zhengtong.core.models import Timestamped

USER = settings.AUTH_USER_MODEL


class CustodyItem(DateRangesMixin, Timestamped):
    """A key, access card or credential (an account whose password someone keeps) and its holder."""

    # Typed dates outside a plausible range are refused (zhengtong.core.dates).
    date_ranges = {"held_since": HAPPENED}

    class Kind(models.TextChoices):
        KEY = "key", _("Key")
        CARD = "card", _("Access card")
        CREDENTIAL = "credential", _("Account / password (kept offline)")

    class Status(models.TextChoices):
        HELD = "held", _("Held by a person")
        IN_STORE = "in_store", _("In the key store")
        RETIRED = "retired", _("Retired (lost, destroyed or password changed)")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.KEY)
    name = models.CharField(_("what"), max_length=120)
    place = models.ForeignKey("equipment.Place", verbose_name=_("for place"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    system = models.CharField(_("for system"), max_length=120, blank=True,
                              help_text=_("The system or device the credential opens, e.g. the core switch's "
                                          "admin account. Never the password itself."))
    count = models.PositiveSmallIntegerField(_("count"), default=1, validators=[MinValueValidator(1)])
    holder = models.ForeignKey(USER, db_constraint=False,
                               verbose_name=_("holder"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    held_since = models.DateField(_("held since"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.IN_STORE)
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "name", "id"]
        verbose_name = _("custody item")
        verbose_name_plural = _("custody items")
        constraints = [
            # A held item has a holder and a date; an item in store or retired has no holder.
            models.CheckConstraint(
                condition=(Q(status="held", holder__isnull=False, held_since__isnull=False)
                           | (~Q(status="held") & Q(holder__isnull=True))),
                name="custody_item_holder_matches_status"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def target(self) -> str:
        return " · ".join(x for x in (str(self.place) if self.place_id else "", self.system) if x)


class CustodyMovement(models.Model):
    """One step of an item's custody history: never updated or deleted."""

    class Action(models.TextChoices):
        REGISTER = "register", _("Registered")
        ISSUE = "issue", _("Issued")
        RETURN = "return", _("Returned to the store")
        TRANSFER = "transfer", _("Transferred")
        HANDOVER = "handover", _("Handed over (confirmed by the receiver)")
        RETIRE = "retire", _("Retired")

    item = models.ForeignKey(CustodyItem, on_delete=models.PROTECT, related_name="movements")
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    from_holder = models.ForeignKey(USER, db_constraint=False,
                                    null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_holder = models.ForeignKey(USER, db_constraint=False,
                                  null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    by = models.ForeignKey(USER, db_constraint=False, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.on}"


class HandoverTask(DateRangesMixin, Timestamped):
    """Everything a person leaving a post holds in this module, each item to a new holder who
    confirms receipt. Closed only when every item is confirmed."""

    # Typed dates outside a plausible range are refused (zhengtong.core.dates).
    date_ranges = {"effective_date": PLANNED}

    class Source(models.TextChoices):
        EVENT = "event", _("Personnel: leaving the post")
        MANUAL = "manual", _("Started by a manager")

    class Status(models.TextChoices):
        OPEN = "open", _("Open: items being handed over")
        CLOSED = "closed", _("Closed: every item received")

    person = models.ForeignKey(USER, db_constraint=False,
                               verbose_name=_("person leaving"), on_delete=models.PROTECT, related_name="+")
    person_name = models.CharField(_("name"), max_length=100)
    personnel_person_id = models.PositiveIntegerField(null=True, blank=True)  # the personnel module's id
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    effective_date = models.DateField(_("effective date"), null=True, blank=True)
    source = models.CharField(_("started by"), max_length=10, choices=Source.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    started_by = models.ForeignKey(USER, db_constraint=False,
                                   null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(USER, db_constraint=False,
                                  null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("hand-over task")
        verbose_name_plural = _("hand-over tasks")
        constraints = [
            # One open task per person: a second leaving event adds to the open one.
            models.UniqueConstraint(fields=["person"], condition=Q(status="open"), name="custody_one_open_handover"),
        ]

    def __str__(self) -> str:
        return f"{self.person_name} ({self.effective_date or self.created_at.date()})"


class HandoverItem(models.Model):
    class Kind(models.TextChoices):
        KEY = "key", _("Key, card or credential")
        DEVICE = "device", _("Device in custody")
        PLACE = "place", _("Place (responsible person)")
        PLACE_DEPUTY = "place_deputy", _("Place (deputy)")

    task = models.ForeignKey(HandoverTask, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    ref = models.PositiveIntegerField()  # id of the key, device or place in this unit
    label = models.CharField(_("item"), max_length=300)
    new_holder = models.ForeignKey(USER, db_constraint=False, verbose_name=_("new holder"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    assigned_by = models.ForeignKey(USER, db_constraint=False,
                                    null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(_("receipt confirmed"), null=True, blank=True)
    # Set when the item turned out no longer to be the person's (moved by someone else).
    dropped_note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["task", "kind", "label", "id"]
        constraints = [models.UniqueConstraint(fields=["task", "kind", "ref"], name="custody_handover_item_once")]

    def __str__(self) -> str:
        return self.label

    @property
    def is_open(self) -> bool:
        return self.confirmed_at is None and not self.dropped_note


class DamageIncident(DateRangesMixin, Timestamped):
    """A device lost or damaged, its cost, and who pays what (赔偿)."""

    # Typed dates outside a plausible range are refused (zhengtong.core.dates).
    date_ranges = {"occurred_on": HAPPENED}

    class Kind(models.TextChoices):
        LOSS = "loss", _("Loss")
        HUMAN_DAMAGE = "human_damage", _("Damage caused by a person")
        WEAR = "wear", _("Normal wear (charges nobody)")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Being established")
        IN_APPROVAL = "in_approval", _("In approval")
        APPROVED = "approved", _("Approved: payments due")
        SETTLED = "settled", _("Settled")

    title = models.CharField(_("what happened"), max_length=200)
    description = models.TextField(_("details"), blank=True)
    occurred_on = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices)
    device = models.ForeignKey("equipment.Device", verbose_name=_("device"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    place = models.ForeignKey("equipment.Place", verbose_name=_("place"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    cost = models.DecimalField(_("repair or replacement cost (yuan)"), max_digits=12, decimal_places=2,
                               validators=[MinValueValidator(Decimal("0"))])
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(USER, db_constraint=False, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = _("damage incident")
        verbose_name_plural = _("damage incidents")

    def __str__(self) -> str:
        return self.title

    @property
    def charges_people(self) -> bool:
        return self.kind != self.Kind.WEAR


class DamageShare(DateRangesMixin, models.Model):
    """One responsible person's share of an incident and the amount it comes to."""

    # Typed dates outside a plausible range are refused (zhengtong.core.dates).
    date_ranges = {"paid_on": HAPPENED}

    incident = models.ForeignKey(DamageIncident, on_delete=models.CASCADE, related_name="shares")
    person = models.ForeignKey(USER, db_constraint=False,
                               verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)  # order entered: ties in rounding go to the earlier
    share = models.DecimalField(_("responsibility share (%)"), max_digits=5, decimal_places=2,
                                validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))])
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    payment_note = models.CharField(_("receipt / note"), max_length=200, blank=True)
    payment_recorded_by = models.ForeignKey(USER, db_constraint=False,
                                            null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["incident", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["incident", "person"], name="custody_damage_share_once")]

    def __str__(self) -> str:
        return f"{self.share}% = {self.amount}"


class EvaluationItem(models.Model):
    """One item of the semester checklist (考评细则), with the points it is worth."""

    name = models.CharField(_("item"), max_length=200)
    guidance = models.CharField(_("how to score"), max_length=300, blank=True)
    max_points = models.DecimalField(_("points"), max_digits=5, decimal_places=2,
                                     validators=[MinValueValidator(Decimal("0.01"))])
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("evaluation item")
        verbose_name_plural = _("evaluation items")

    def __str__(self) -> str:
        return self.name


class Semester(DateRangesMixin, models.Model):
    # Typed dates outside a plausible range are refused (zhengtong.core.dates).
    date_ranges = {"starts_on": PLANNED, "ends_on": PLANNED}

    name = models.CharField(_("semester"), max_length=60, unique=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    class Meta:
        ordering = ["starts_on", "id"]
        verbose_name = _("semester")
        verbose_name_plural = _("semesters")
        constraints = [models.CheckConstraint(condition=Q(ends_on__gt=models.F("starts_on")),
                                              name="custody_semester_dates")]

    def __str__(self) -> str:
        return self.name


class Evaluation(Timestamped):
    """The evaluation of one place and its responsible person in one semester."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        FINAL = "final", _("Final")

    semester = models.ForeignKey(Semester, verbose_name=_("semester"), on_delete=models.PROTECT,
                                 related_name="evaluations")
    place = models.ForeignKey("equipment.Place", verbose_name=_("place"), on_delete=models.PROTECT, related_name="+")
    # Who was responsible when evaluated (the place's responsible person may change later).
    responsible = models.ForeignKey(USER, db_constraint=False,
                                    verbose_name=_("responsible person"), on_delete=models.PROTECT,
                                    related_name="+")
    evaluator = models.ForeignKey(USER, db_constraint=False,
                                  verbose_name=_("evaluator"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    points = models.DecimalField(_("points"), max_digits=7, decimal_places=2, default=Decimal("0"))
    available = models.DecimalField(_("points available"), max_digits=7, decimal_places=2, default=Decimal("0"))
    percent = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=2, default=Decimal("0"))
    remarks = models.TextField(_("remarks"), blank=True)
    finalised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["semester", "-percent", "id"]
        verbose_name = _("semester evaluation")
        verbose_name_plural = _("semester evaluations")
        constraints = [models.UniqueConstraint(fields=["semester", "place"], name="custody_evaluation_once")]


class EvaluationScore(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="scores")
    item = models.ForeignKey(EvaluationItem, on_delete=models.PROTECT, related_name="+")
    # The item as it was scored: later edits of the checklist do not rewrite old results.
    item_name = models.CharField(max_length=200)
    max_points = models.DecimalField(max_digits=5, decimal_places=2)
    points = models.DecimalField(_("points"), max_digits=5, decimal_places=2, default=Decimal("0"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["evaluation", "id"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "item"], name="custody_score_once"),
            models.CheckConstraint(condition=Q(points__gte=0) & Q(points__lte=models.F("max_points")),
                                   name="custody_score_within_points"),
        ]

    def __str__(self) -> str:
        return f"{self.item_name}: {self.points}/{self.max_points}"
