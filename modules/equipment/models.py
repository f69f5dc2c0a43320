"""IT equipment (信息化设施管理): places and their responsible people, device types carrying the
usage rules a module admin configures (who may use, training, maintenance interval, checklist,
logbook), devices, the logbook (使用登记), training courses with exams and certifications,
fault reports and repair tickets, preventive maintenance and inspections.

Source: essays 篇三/篇四/篇五 (school computer rules, infrastructure rules, the information
centre's duties). The rules are data here, not code: the services enforce them. No business
logic in save(). Money is Decimal yuan with 2 places.
"""
from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhengtong.core.dates import HAPPENED, PLANNED, DateRangesMixin
from zhengtong.core.models import Timestamped


class Place(Timestamped):
    """A room with a responsible person (班主任 for a classroom, the room manager otherwise)."""

    class Kind(models.TextChoices):
        CLASSROOM = "classroom", _("Classroom")
        COMPUTER_LAB = "computer_lab", _("Computer lab")
        LAB = "lab", _("Laboratory")
        NETWORK_ROOM = "network_room", _("Network room")
        E_READING_ROOM = "e_reading_room", _("E-reading room")
        LESSON_PREP_ROOM = "lesson_prep_room", _("Lesson-preparation room")
        OFFICE = "office", _("Office")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CLASSROOM)
    location = models.CharField(_("location"), max_length=200, blank=True)
    # Users live in the public schema; FKs cross schemas through the search_path (as assets do).
    responsible = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False, verbose_name=_("responsible person"),
                                    on_delete=models.PROTECT, related_name="+")
    deputies = models.ManyToManyField(settings.AUTH_USER_MODEL, db_constraint=False,
                                      verbose_name=_("deputies"), blank=True,
                                      related_name="+")
    notes = models.TextField(_("notes"), blank=True)
    active = models.BooleanField(_("in use"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("place")
        verbose_name_plural = _("places")

    def __str__(self) -> str:
        return self.name


class TrainingCourse(Timestamped):
    """A training (e.g. 多媒体设备操作培训) ending in an exam; passing grants a certification
    valid for ``validity_days``."""

    title = models.CharField(_("title"), max_length=200, unique=True)
    material = models.TextField(_("course material"), blank=True)
    pass_mark = models.PositiveSmallIntegerField(_("pass mark (%)"), default=80,
                                                 validators=[MinValueValidator(1), MaxValueValidator(100)])
    validity_days = models.PositiveIntegerField(_("certification valid for (days)"), default=365,
                                                validators=[MinValueValidator(1)])
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("training course")
        verbose_name_plural = _("training courses")

    def __str__(self) -> str:
        return self.title


class ExamQuestion(models.Model):
    """A multiple-choice question of a course's exam."""

    course = models.ForeignKey(TrainingCourse, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.TextField(_("question"))
    options = models.JSONField(_("options"), default=list)  # list of strings
    correct_option = models.PositiveSmallIntegerField(_("correct option"))  # index into options

    class Meta:
        ordering = ["course", "position", "id"]

    def __str__(self) -> str:
        return self.text[:80]


class DeviceType(Timestamped):
    """A kind of device and its rules set (使用规则), configured by module admins."""

    class Category(models.TextChoices):
        COMPUTER = "computer", _("Computer")
        PERIPHERAL = "peripheral", _("Computer peripheral")
        PROJECTOR = "projector", _("Projector")
        PRINTER = "printer", _("Printer / scanner")
        VISUALISER = "visualiser", _("Visualiser")
        CONTROL_PANEL = "control_panel", _("Control panel")
        AUDIO_TV = "audio_tv", _("Audio / TV")
        NETWORK = "network", _("Network equipment")
        UPS = "ups", _("UPS / power")
        OTHER = "other", _("Other")

    class UsePolicy(models.TextChoices):
        STAFF = "staff", _("Staff only")
        SUPERVISED_STUDENTS = "supervised_students", _("Staff; students only under a teacher's supervision")
        TECHNICIANS = "technicians", _("Technicians only")

    name = models.CharField(_("name"), max_length=100, unique=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, default=Category.OTHER)
    use_policy = models.CharField(_("who may use"), max_length=24, choices=UsePolicy.choices,
                                  default=UsePolicy.STAFF)
    required_course = models.ForeignKey(TrainingCourse, verbose_name=_("training required"), null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="device_types")
    maintenance_interval_days = models.PositiveIntegerField(_("maintenance interval (days)"), null=True, blank=True)
    inspection_interval_days = models.PositiveIntegerField(_("inspection interval (days)"), null=True, blank=True)
    checklist = models.JSONField(_("inspection checklist"), default=list, blank=True)  # list of strings
    logbook_required = models.BooleanField(_("logbook entry required"), default=False)
    usage_rules = models.TextField(_("usage rules"), blank=True)
    # Bumped whenever usage_rules change: users acknowledge each version at first use.
    rules_version = models.PositiveIntegerField(default=1, editable=False)
    # Computers carry antivirus/patch status (the information centre checks it).
    tracks_antivirus = models.BooleanField(_("tracks antivirus and patches"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("device type")
        verbose_name_plural = _("device types")

    def __str__(self) -> str:
        return self.name


def _qr_token() -> str:
    return uuid.uuid4().hex


class Device(DateRangesMixin, Timestamped):
    # Typed dates outside a plausible range are refused (zhengtong.core.dates).
    date_ranges = {"purchase_date": HAPPENED, "antivirus_scanned_on": HAPPENED, "antivirus_definitions_on": HAPPENED,
                   "patched_on": HAPPENED}

    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        IN_USE = "in_use", _("In use (installed)")
        CHECKED_OUT = "checked_out", _("Checked out")
        IN_REPAIR = "in_repair", _("Under repair")
        SCRAPPED = "scrapped", _("Scrapped")

    device_type = models.ForeignKey(DeviceType, verbose_name=_("type"), on_delete=models.PROTECT,
                                    related_name="devices")
    name = models.CharField(_("name"), max_length=100)
    serial = models.CharField(_("serial number"), max_length=100, blank=True)
    place = models.ForeignKey(Place, verbose_name=_("place"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="devices")
    custodian = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                  verbose_name=_("keeper (custodian)"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.AVAILABLE)
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True)
    # The asset card (资产卡片) when the assets module is on; looked up through its selectors only.
    asset_number = models.CharField(_("asset card number"), max_length=40, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # The QR label on the device opens /equipment/q/<token>/: a random token, so labels do not
    # enumerate ids and a reprinted label can be revoked by changing it.
    qr_token = models.CharField(max_length=32, unique=True, default=_qr_token, editable=False)
    # Antivirus / patch status (computers): dates of the last scan, definitions and patches.
    antivirus_scanned_on = models.DateField(_("last antivirus scan"), null=True, blank=True)
    antivirus_definitions_on = models.DateField(_("antivirus definitions dated"), null=True, blank=True)
    patched_on = models.DateField(_("last system patches"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("device")
        verbose_name_plural = _("devices")

    def __str__(self) -> str:
        return f"{self.name} ({self.serial})" if self.serial else self.name


class RulesAcknowledgement(models.Model):
    """A user read and accepted one version of a device type's usage rules."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, related_name="+")
    device_type = models.ForeignKey(DeviceType, on_delete=models.CASCADE, related_name="acknowledgements")
    rules_version = models.PositiveIntegerField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "device_type", "rules_version"],
                                               name="equipment_ack_once_per_version")]

    def __str__(self) -> str:
        return f"rules v{self.rules_version} of type {self.device_type_id}"


class LogbookEntry(Timestamped):
    """使用登记: a check-out (open until checked in) or a use session with its times."""

    class Kind(models.TextChoices):
        CHECKOUT = "checkout", _("Check-out")
        SESSION = "session", _("Use session")

    class Condition(models.TextChoices):
        GOOD = "good", _("Good")
        PROBLEM = "problem", _("Problem noticed")
        DAMAGED = "damaged", _("Damaged")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    device = models.ForeignKey(Device, verbose_name=_("device"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="logbook")
    place = models.ForeignKey(Place, verbose_name=_("place"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="logbook")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                             verbose_name=_("user"), on_delete=models.PROTECT,
                             related_name="+")
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    with_students = models.BooleanField(_("students used it under my supervision"), default=False)
    started_at = models.DateTimeField(_("from"))
    ended_at = models.DateTimeField(_("to"), null=True, blank=True)
    condition = models.CharField(_("condition on return"), max_length=10, choices=Condition.choices, blank=True)
    condition_note = models.TextField(_("note on condition"), blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("logbook entry")
        verbose_name_plural = _("logbook entries")
        constraints = [
            models.CheckConstraint(condition=Q(device__isnull=False) | Q(place__isnull=False),
                                   name="equipment_log_device_or_place"),
            # One open check-out per device: two people cannot hold the same projector.
            models.UniqueConstraint(fields=["device"], condition=Q(kind="checkout", ended_at__isnull=True),
                                    name="equipment_one_open_checkout"),
        ]


class ExamAttempt(models.Model):
    course = models.ForeignKey(TrainingCourse, on_delete=models.PROTECT, related_name="attempts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, related_name="+")
    answers = models.JSONField(default=dict)  # question id -> chosen option index
    score = models.PositiveSmallIntegerField()  # percent
    passed = models.BooleanField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.score}%" + (" ✓" if self.passed else " ✗")


class Certification(models.Model):
    """Granted by passing a course's exam; valid until ``valid_until`` (inclusive)."""

    course = models.ForeignKey(TrainingCourse, on_delete=models.PROTECT, related_name="certifications")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, related_name="+")
    attempt = models.ForeignKey(ExamAttempt, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    granted_on = models.DateField()
    valid_until = models.DateField()
    revoked = models.BooleanField(default=False)

    class Meta:
        ordering = ["-valid_until", "-id"]

    def __str__(self) -> str:
        return f"course {self.course_id} until {self.valid_until}"


class RepairTicket(models.Model):
    """A fault report (故障报修) and its repair. Only technicians move it along."""

    class Status(models.TextChoices):
        REPORTED = "reported", _("Reported")
        ASSIGNED = "assigned", _("Assigned to a technician")
        IN_REPAIR = "in_repair", _("In repair")
        WAITING_PARTS = "waiting_parts", _("Waiting for parts")
        FIXED = "fixed", _("Fixed")
        SCRAPPED = "scrapped", _("Scrapped")

    CLOSED = (Status.FIXED, Status.SCRAPPED)

    device = models.ForeignKey(Device, verbose_name=_("device"), on_delete=models.PROTECT, related_name="tickets")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False, verbose_name=_("reported by"),
                                    on_delete=models.PROTECT, related_name="+")
    symptom = models.TextField(_("symptom"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.REPORTED)
    technician = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                   verbose_name=_("technician"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    resolution = models.TextField(_("what was done"), blank=True)
    cost = models.DecimalField(_("cost (yuan)"), max_digits=12, decimal_places=2, default=Decimal("0.00"),
                               validators=[MinValueValidator(Decimal("0"))])
    repeat_fault = models.BooleanField(_("repeat fault"), default=False)
    # What the device was before the repair took it out of use, so "fixed" puts it back there.
    device_status_before = models.CharField(max_length=20, blank=True, editable=False)
    reported_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(_("time closed"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name = _("repair ticket")
        verbose_name_plural = _("repair tickets")

    def __str__(self) -> str:
        return f"#{self.pk} {self.symptom[:60]}"

    @property
    def downtime(self):
        """From the report to the close (or until now while open)."""
        from django.utils import timezone

        return (self.closed_at or timezone.now()) - self.reported_at


class MaintenanceTask(DateRangesMixin, Timestamped):
    """Preventive maintenance or an inspection due on a date, generated from the type's interval."""

    # Typed dates outside a plausible range are refused (zhengtong.core.dates).
    date_ranges = {"due_on": PLANNED, "done_on": HAPPENED}

    class Kind(models.TextChoices):
        MAINTENANCE = "maintenance", _("Preventive maintenance")
        INSPECTION = "inspection", _("Routine inspection")

    class Status(models.TextChoices):
        OPEN = "open", _("To do")
        DONE = "done", _("Done")

    device = models.ForeignKey(Device, verbose_name=_("device"), on_delete=models.CASCADE,
                               related_name="maintenance_tasks")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    overdue_warned_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("maintenance task")
        verbose_name_plural = _("maintenance tasks")
        constraints = [
            # The generator runs repeatedly (and possibly twice at once): one open task per device and kind.
            models.UniqueConstraint(fields=["device", "kind"], condition=Q(status="open"),
                                    name="equipment_one_open_task_per_kind"),
        ]


class InspectionRecord(DateRangesMixin, Timestamped):
    """An inspection or maintenance visit with its checklist results."""

    # Typed dates outside a plausible range are refused (zhengtong.core.dates).
    date_ranges = {"inspected_on": HAPPENED}

    device = models.ForeignKey(Device, verbose_name=_("device"), on_delete=models.PROTECT,
                               related_name="inspections")
    task = models.ForeignKey(MaintenanceTask, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="records")
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                  on_delete=models.PROTECT, related_name="+")
    inspected_on = models.DateField(_("date"))
    # [{"item": "除尘", "ok": true, "note": ""}, ...] — the type's checklist at the time.
    results = models.JSONField(default=list)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-inspected_on", "-id"]

    @property
    def all_ok(self) -> bool:
        return all(r.get("ok") for r in self.results)
