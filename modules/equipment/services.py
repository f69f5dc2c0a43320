"""Every write of the equipment module: keyword-only, atomic, audited.

The essays' rules become checks here: a device type's rules set says who may use it, which
training a user must hold (a VALID certification: passed and not expired), whether use must
be logged; repairs are done by technicians only ("由专人维修，其他人员不得私自动手维修");
maintenance and inspections follow each type's interval.

Refusals a user can act on raise ``Refused`` (a ValidationError) with a message naming what is
missing; lack of a role or object permission raises PermissionDenied and leaves a DENIED event
in the audit trail.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengtong.approvals.people import holder_ids
from zhengtong.audit.services import audit_denied, audit_record
from zhengtong.notifications.services import notify
from zhengtong.registry.registry import UNIT_ADMIN, get_module
from zhengtong.registry.rules import rules_for

from .manifest import ASSET_OFFICER, MANAGER, MODULE_ADMIN, TECHNICIAN
from .models import (
    Certification,
    Device,
    DeviceType,
    ExamAttempt,
    ExamQuestion,
    InspectionRecord,
    LogbookEntry,
    MaintenanceTask,
    Place,
    RepairTicket,
    RulesAcknowledgement,
    TrainingCourse,
)

T = RepairTicket.Status
D = Device.Status


class Refused(ValidationError):
    """A rule of the unit refuses the action; the message says what is missing."""

    def __init__(self, message: str, code: str = "refused"):
        super().__init__(message, code=code)
        self.message = message


class RulesNotAcknowledged(Refused):
    """The user has not yet accepted the current version of the type's usage rules."""

    def __init__(self, device_type: DeviceType):
        super().__init__(_("Read and accept the usage rules of %(type)s (version %(v)d) before using it.")
                         % {"type": device_type.name, "v": device_type.rules_version}, code="rules")
        self.device_type = device_type


def rules() -> dict:
    return rules_for(get_module("equipment"))


def _snapshot(obj, fields) -> dict:
    return {f: getattr(obj, f) for f in fields}


def _today() -> date:
    return timezone.localdate()


def is_type_admin(user) -> bool:
    return user.is_authenticated and user.has_role(MODULE_ADMIN, UNIT_ADMIN)


def may_require_training(user) -> bool:
    """Module admins configure the rules; the unit's asset officer may also require a training (issue 8)."""
    return is_type_admin(user) or (user.is_authenticated and user.has_role(ASSET_OFFICER))


def is_technician(user) -> bool:
    return user.is_authenticated and user.has_role(TECHNICIAN)


# ----------------------------------------------------------------------------- places
PLACE_FIELDS = ("name", "kind", "location", "responsible_id", "notes", "active")


@transaction.atomic
def place_create(*, actor, name: str, kind: str, responsible, location: str = "", deputies=(), notes: str = "") -> Place:
    if not actor.has_perm("equipment.add_place"):
        raise PermissionDenied(_("You may not register places."))
    place = Place(name=name, kind=kind, location=location, responsible=responsible, notes=notes)
    place.full_clean()
    place.save()
    place.deputies.set(deputies)
    audit_record(action="equipment.place.create", actor=actor, obj=place,
                 after={**_snapshot(place, PLACE_FIELDS), "deputies": sorted(u.pk for u in deputies)})
    return place


@transaction.atomic
def place_update(*, actor, place: Place, deputies=None, **changes) -> Place:
    place = Place.objects.select_for_update().get(pk=place.pk)
    if not actor.has_perm("equipment.change_place"):
        raise PermissionDenied(_("You may not change places."))
    before = {**_snapshot(place, PLACE_FIELDS), "deputies": sorted(place.deputies.values_list("pk", flat=True))}
    for field, value in changes.items():
        setattr(place, field, value)
    place.full_clean()
    place.save()
    if deputies is not None:
        place.deputies.set(deputies)
    after = {**_snapshot(place, PLACE_FIELDS), "deputies": sorted(place.deputies.values_list("pk", flat=True))}
    changed = {k for k in after if after[k] != before[k]}
    if changed:
        audit_record(action="equipment.place.update", actor=actor, obj=place,
                     before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    return place


# ----------------------------------------------------------------------------- device types (rules set)
TYPE_FIELDS = ("name", "category", "use_policy", "required_course_id", "maintenance_interval_days",
               "inspection_interval_days", "checklist", "logbook_required", "usage_rules", "rules_version",
               "tracks_antivirus")


def _clean_checklist(items) -> list[str]:
    if isinstance(items, str):
        items = items.splitlines()
    return [i.strip() for i in items if i and i.strip()]


@transaction.atomic
def device_type_save(*, actor, device_type: DeviceType | None = None, **fields) -> DeviceType:
    """Create or change a device type and its rules set (module admins only).

    Changing the usage rules text makes a new version: everyone accepts it again at their
    next use (the essays' rules are read before first use, and again when they change)."""
    if not is_type_admin(actor):
        raise PermissionDenied(_("Only the module administrator configures device types and their rules."))
    if "checklist" in fields:
        fields["checklist"] = _clean_checklist(fields["checklist"])
    if device_type is None:
        dtype = DeviceType(**fields)
        dtype.full_clean()
        dtype.save()
        audit_record(action="equipment.type.create", actor=actor, obj=dtype, after=_snapshot(dtype, TYPE_FIELDS))
        return dtype
    dtype = DeviceType.objects.select_for_update().get(pk=device_type.pk)
    before = _snapshot(dtype, TYPE_FIELDS)
    for field, value in fields.items():
        setattr(dtype, field, value)
    if dtype.usage_rules.strip() != (before["usage_rules"] or "").strip():
        dtype.rules_version += 1
    dtype.full_clean()
    dtype.save()
    after = _snapshot(dtype, TYPE_FIELDS)
    changed = {k for k in after if after[k] != before[k]}
    if changed:
        audit_record(action="equipment.type.update", actor=actor, obj=dtype,
                     before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    return dtype


@transaction.atomic
def device_type_require_training(*, actor, device_type: DeviceType, course: TrainingCourse | None) -> DeviceType:
    """Set (or clear) the training a type requires: module admins and the asset officer."""
    if not may_require_training(actor):
        raise PermissionDenied(_("Only the module administrator or the asset officer may require a training."))
    dtype = DeviceType.objects.select_for_update().get(pk=device_type.pk)
    before = dtype.required_course_id
    dtype.required_course = course
    dtype.save(update_fields=["required_course", "updated_at"])
    if before != dtype.required_course_id:
        audit_record(action="equipment.type.require_training", actor=actor, obj=dtype,
                     before={"required_course_id": before}, after={"required_course_id": dtype.required_course_id})
    return dtype


# ----------------------------------------------------------------------------- devices
DEVICE_FIELDS = ("device_type_id", "name", "serial", "place_id", "custodian_id", "status", "purchase_date",
                 "asset_number", "notes")


def _assets_enabled() -> bool:
    from tenants.models import Unit
    from zhengtong.registry.middleware import enabled_modules

    unit = getattr(connection, "tenant", None)
    if not isinstance(unit, Unit):  # schema_context() sets a FakeTenant
        unit = Unit.objects.filter(schema_name=connection.schema_name).first()
    return unit is not None and "assets" in enabled_modules(unit)


def asset_card_for(*, user, number: str):
    """The asset card with ``number`` the user may see, through the assets module's selectors
    (never its models); None when the assets module is off or no such card is visible."""
    if not number or not _assets_enabled():
        return None
    from modules.assets import selectors as asset_selectors

    return asset_selectors.asset_list(user=user, search=number).filter(number=number).first()


def _check_asset_number(actor, number: str) -> None:
    if number and _assets_enabled() and asset_card_for(user=actor, number=number) is None:
        raise Refused(_("No asset card %(n)s that you may see. Check the number on the asset register.")
                      % {"n": number}, code="asset_card")


@transaction.atomic
def device_register(*, actor, device_type: DeviceType, name: str, serial: str = "", place: Place | None = None,
                    custodian=None, status: str = D.AVAILABLE, purchase_date: date | None = None,
                    asset_number: str = "", notes: str = "") -> Device:
    if not actor.has_perm("equipment.add_device"):
        raise PermissionDenied(_("You may not register devices."))
    _check_asset_number(actor, asset_number)
    device = Device(device_type=device_type, name=name, serial=serial, place=place, custodian=custodian,
                    status=status, purchase_date=purchase_date, asset_number=asset_number, notes=notes)
    device.full_clean()
    device.save()
    audit_record(action="equipment.device.create", actor=actor, obj=device, after=_snapshot(device, DEVICE_FIELDS))
    return device


@transaction.atomic
def device_update(*, actor, device: Device, **changes) -> Device:
    if not actor.has_perm("equipment.change_device"):
        raise PermissionDenied(_("You may not change devices."))
    device = Device.objects.select_for_update().get(pk=device.pk)
    if changes.get("asset_number") and changes["asset_number"] != device.asset_number:
        _check_asset_number(actor, changes["asset_number"])
    before = _snapshot(device, DEVICE_FIELDS)
    for field, value in changes.items():
        setattr(device, field, value)
    device.full_clean()
    device.save()
    after = _snapshot(device, DEVICE_FIELDS)
    changed = {k for k in after if after[k] != before[k]}
    if changed:
        audit_record(action="equipment.device.update", actor=actor, obj=device,
                     before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    return device


# ----------------------------------------------------------------------------- use: rules, training, logbook
def valid_certification(*, user, course: TrainingCourse, on: date | None = None) -> Certification | None:
    on = on or _today()
    return (Certification.objects.filter(user=user, course=course, revoked=False, granted_on__lte=on,
                                         valid_until__gte=on).order_by("-valid_until").first())


def has_acknowledged(*, user, device_type: DeviceType) -> bool:
    if not device_type.usage_rules.strip():
        return True
    return RulesAcknowledgement.objects.filter(user=user, device_type=device_type,
                                               rules_version=device_type.rules_version).exists()


@transaction.atomic
def rules_acknowledge(*, actor, device_type: DeviceType) -> RulesAcknowledgement:
    ack, created = RulesAcknowledgement.objects.get_or_create(user=actor, device_type=device_type,
                                                             rules_version=device_type.rules_version)
    if created:
        audit_record(action="equipment.rules.acknowledge", actor=actor, obj=device_type,
                     after={"rules_version": device_type.rules_version})
    return ack


def use_refusal(*, user, device: Device, with_students: bool = False, on: date | None = None) -> str | None:
    """Why ``user`` may not use ``device`` now (a message naming what is missing), or None."""
    dtype = device.device_type
    if device.status == D.IN_REPAIR:
        return _("%(d)s is under repair and cannot be used.") % {"d": device.name}
    if device.status == D.SCRAPPED:
        return _("%(d)s is scrapped.") % {"d": device.name}
    if dtype.use_policy == DeviceType.UsePolicy.TECHNICIANS and not is_technician(user):
        return _("Only technicians may use %(type)s devices.") % {"type": dtype.name}
    if with_students and dtype.use_policy != DeviceType.UsePolicy.SUPERVISED_STUDENTS:
        return _("Students may not use %(type)s devices, even under supervision.") % {"type": dtype.name}
    course = dtype.required_course
    if course is not None and valid_certification(user=user, course=course, on=on) is None:
        last = (Certification.objects.filter(user=user, course=course, revoked=False)
                .order_by("-valid_until").first())
        if last is not None and last.valid_until < (on or _today()):
            return _("Your certification for the training “%(course)s” expired on %(date)s. Pass its exam "
                     "again before using %(type)s devices.") % {"course": course.title, "date": last.valid_until,
                                                                "type": dtype.name}
        return _("You need a valid certification for the training “%(course)s” before using %(type)s "
                 "devices. Take the training and pass its exam first.") % {"course": course.title, "type": dtype.name}
    return None


def _require_visible_device(actor, device: Device) -> None:
    # The pages look devices up through the selectors; the services refuse on their own too, so
    # no other caller (an API, a task) can act on a device the person may not see.
    from . import selectors

    if not selectors.device_list(user=actor).filter(pk=device.pk).exists():
        raise PermissionDenied(_("You may not use this device."))


def _check_use(*, actor, device: Device, with_students: bool, acknowledge_rules: bool) -> None:
    _require_visible_device(actor, device)
    refusal = use_refusal(user=actor, device=device, with_students=with_students)
    if refusal:
        raise Refused(refusal, code="not_allowed")
    if not has_acknowledged(user=actor, device_type=device.device_type):
        if not acknowledge_rules:
            raise RulesNotAcknowledged(device.device_type)
        rules_acknowledge(actor=actor, device_type=device.device_type)


def device_checkout(*, actor, device: Device, purpose: str = "", with_students: bool = False,
                    acknowledge_rules: bool = False) -> LogbookEntry:
    """Check a device out (借用). Refused without the training its type requires.

    Not one atomic block: a refusal's audit event must survive the refusal."""
    try:
        with transaction.atomic():
            device = (Device.objects.select_for_update(of=("self",)).select_related("device_type__required_course")
                      .get(pk=device.pk))
            _check_use(actor=actor, device=device, with_students=with_students, acknowledge_rules=acknowledge_rules)
            if device.status != D.AVAILABLE:
                holder = (LogbookEntry.objects.filter(device=device, kind=LogbookEntry.Kind.CHECKOUT,
                                                      ended_at__isnull=True).select_related("user").first())
                if holder is not None:
                    raise Refused(_("%(d)s is already checked out by %(who)s.") % {"d": device.name, "who": holder.user},
                                  code="checked_out")
                raise Refused(_("%(d)s is not available for check-out (%(s)s). Log a use session instead.")
                              % {"d": device.name, "s": device.get_status_display()}, code="not_available")
            entry = LogbookEntry.objects.create(kind=LogbookEntry.Kind.CHECKOUT, device=device, user=actor,
                                                purpose=purpose, with_students=with_students,
                                                started_at=timezone.now())
            device.status = D.CHECKED_OUT
            device.save(update_fields=["status", "updated_at"])
            audit_record(action="equipment.device.checkout", actor=actor, obj=device,
                         after={"entry": entry.pk, "purpose": purpose})
            return entry
    except Refused as exc:
        if exc.code == "not_allowed":
            audit_record(action="equipment.device.checkout", actor=actor, obj=device, result="denied",
                         detail=exc.message)
        raise


@transaction.atomic
def device_checkin(*, actor, entry: LogbookEntry, condition: str, note: str = "") -> LogbookEntry:
    """Return a checked-out device with its condition; damage opens a repair ticket."""
    entry = LogbookEntry.objects.select_for_update(of=("self",)).select_related("device").get(pk=entry.pk)
    if entry.kind != LogbookEntry.Kind.CHECKOUT or entry.ended_at is not None:
        raise Refused(_("This check-out is already closed."), code="closed")
    if entry.user_id != actor.pk and not actor.has_perm("equipment.change_device"):
        raise PermissionDenied(_("Only the borrower or the equipment manager may check this device in."))
    if condition not in LogbookEntry.Condition.values:
        raise Refused(_("Say in which condition the device comes back."), code="condition")
    if condition != LogbookEntry.Condition.GOOD and not note.strip():
        raise Refused(_("Describe the problem or damage."), code="condition_note")
    entry.ended_at = timezone.now()
    entry.condition = condition
    entry.condition_note = note
    entry.save(update_fields=["ended_at", "condition", "condition_note"])
    device = Device.objects.select_for_update().get(pk=entry.device_id)
    device.status = D.AVAILABLE
    device.save(update_fields=["status", "updated_at"])
    audit_record(action="equipment.device.checkin", actor=actor, obj=device,
                 after={"entry": entry.pk, "condition": condition})
    if condition != LogbookEntry.Condition.GOOD:
        fault_report(actor=actor, device=device, symptom=note)
    return entry


def session_log(*, actor, device: Device | None = None, place: Place | None = None, started_at: datetime,
                ended_at: datetime, purpose: str = "", with_students: bool = False, condition: str = "",
                note: str = "", acknowledge_rules: bool = False) -> LogbookEntry:
    """Log a use session (使用登记) of a device or a room."""
    if device is None and place is None:
        raise Refused(_("Name the device or the place you used."), code="what")
    if device is None:
        from . import selectors

        if not selectors.place_list(user=actor).filter(pk=place.pk).exists():
            raise PermissionDenied(_("You may not log the use of this place."))
    if ended_at < started_at:
        raise Refused(_("The end of the session is before its start."), code="times")
    if ended_at > timezone.now() + timedelta(minutes=5):
        raise Refused(_("A session is logged after it happened: its end cannot be in the future."), code="times")
    try:
        with transaction.atomic():
            if device is not None:
                device = Device.objects.select_related("device_type__required_course").get(pk=device.pk)
                _check_use(actor=actor, device=device, with_students=with_students,
                           acknowledge_rules=acknowledge_rules)
                if device.device_type.logbook_required and not condition:
                    raise Refused(_("Say in which condition you left the device."), code="condition")
                place = place or device.place
            if condition and condition != LogbookEntry.Condition.GOOD and not note.strip():
                raise Refused(_("Describe the problem or damage."), code="condition_note")
            entry = LogbookEntry.objects.create(
                kind=LogbookEntry.Kind.SESSION, device=device, place=place, user=actor, purpose=purpose,
                with_students=with_students, started_at=started_at, ended_at=ended_at,
                condition=condition or "", condition_note=note)
            audit_record(action="equipment.session.log", actor=actor, obj=device or place,
                         after={"entry": entry.pk, "from": started_at, "to": ended_at, "purpose": purpose})
            if device is not None and condition and condition != LogbookEntry.Condition.GOOD:
                fault_report(actor=actor, device=device, symptom=note)
            return entry
    except Refused as exc:
        if exc.code == "not_allowed":
            audit_record(action="equipment.session.log", actor=actor, obj=device, result="denied", detail=exc.message)
        raise


# ----------------------------------------------------------------------------- training
COURSE_FIELDS = ("title", "material", "pass_mark", "validity_days", "active")


@transaction.atomic
def course_save(*, actor, course: TrainingCourse | None = None, **fields) -> TrainingCourse:
    perm = "equipment.add_trainingcourse" if course is None else "equipment.change_trainingcourse"
    if not actor.has_perm(perm):
        raise PermissionDenied(_("You may not manage training courses."))
    if course is None:
        course = TrainingCourse(**fields)
        course.full_clean()
        course.save()
        audit_record(action="equipment.course.create", actor=actor, obj=course, after=_snapshot(course, COURSE_FIELDS))
        return course
    course = TrainingCourse.objects.select_for_update().get(pk=course.pk)
    before = _snapshot(course, COURSE_FIELDS)
    for f, v in fields.items():
        setattr(course, f, v)
    course.full_clean()
    course.save()
    after = _snapshot(course, COURSE_FIELDS)
    changed = {k for k in after if after[k] != before[k]}
    if changed:
        audit_record(action="equipment.course.update", actor=actor, obj=course,
                     before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    return course


@transaction.atomic
def question_add(*, actor, course: TrainingCourse, text: str, options: list[str], correct_option: int) -> ExamQuestion:
    if not actor.has_perm("equipment.change_trainingcourse"):
        raise PermissionDenied(_("You may not manage training courses."))
    options = [o.strip() for o in options if o and o.strip()]
    if len(options) < 2:
        raise Refused(_("A question needs at least two options."), code="options")
    if not 0 <= correct_option < len(options):
        raise Refused(_("The correct option must be one of the options."), code="correct")
    position = (course.questions.aggregate(m=Max("position"))["m"] or 0) + 1
    q = ExamQuestion.objects.create(course=course, position=position, text=text.strip(), options=options,
                                    correct_option=correct_option)
    audit_record(action="equipment.course.question_add", actor=actor, obj=course,
                 after={"question": q.pk, "text": q.text[:200]})
    return q


@transaction.atomic
def question_remove(*, actor, question: ExamQuestion) -> None:
    if not actor.has_perm("equipment.change_trainingcourse"):
        raise PermissionDenied(_("You may not manage training courses."))
    audit_record(action="equipment.course.question_remove", actor=actor, obj=question.course,
                 before={"question": question.pk, "text": question.text[:200]})
    question.delete()


@dataclass
class ExamResult:
    attempt: ExamAttempt
    certification: Certification | None
    failures_in_a_row: int


@transaction.atomic
def exam_submit(*, actor, course: TrainingCourse, answers: dict[int, int]) -> ExamResult:
    """Mark an exam. Passing grants a certification valid for the course's validity period;
    failing ``exam_failures_flag`` times in a row tells the equipment managers (the essays
    want staff who cannot operate a device trained, not left to try)."""
    course = TrainingCourse.objects.select_for_update().get(pk=course.pk)
    if not course.active:
        raise Refused(_("This training is closed."), code="inactive")
    questions = list(course.questions.all())
    if not questions:
        raise Refused(_("This training has no exam questions yet."), code="no_questions")
    correct = sum(1 for q in questions if answers.get(q.pk) == q.correct_option)
    # Whole percent, rounded down: a pass mark of 80 means at least 80 %.
    score = correct * 100 // len(questions)
    passed = score >= course.pass_mark
    attempt = ExamAttempt.objects.create(course=course, user=actor, score=score, passed=passed,
                                         answers={str(k): v for k, v in answers.items()})
    certification = None
    if passed:
        today = _today()
        certification = Certification.objects.create(course=course, user=actor, attempt=attempt, granted_on=today,
                                                     valid_until=today + timedelta(days=course.validity_days))
        audit_record(action="equipment.exam.pass", actor=actor, obj=course,
                     after={"score": score, "valid_until": certification.valid_until})
        return ExamResult(attempt, certification, 0)
    last_pass = (ExamAttempt.objects.filter(course=course, user=actor, passed=True).order_by("-at", "-id")
                 .values_list("id", flat=True).first())
    failures = ExamAttempt.objects.filter(course=course, user=actor, passed=False)
    if last_pass:
        failures = failures.filter(id__gt=last_pass)
    failures = failures.count()
    audit_record(action="equipment.exam.fail", actor=actor, obj=course,
                 after={"score": score, "failures_in_a_row": failures})
    limit = rules()["exam_failures_flag"]
    if failures == limit:
        managers = holder_ids(MANAGER) | holder_ids(MODULE_ADMIN)
        name = actor.name or actor.email
        notify(recipients=managers - {actor.pk}, kind="module_warning",
               title=f"{name} 未通过培训考试“{course.title}”{failures}次",
               title_en=f"{name} failed the exam of “{course.title}” {failures} times",
               body=f"最近一次得分 {score}%，及格线 {course.pass_mark}%。请安排辅导。",
               body_en=f"Last score {score}%, pass mark {course.pass_mark}%. Please arrange coaching.",
               url=f"/m/equipment/training/{course.pk}/",
               dedupe_key=f"equipment.exam_fail.{connection.schema_name}.{course.pk}.{actor.pk}.{attempt.pk}")
    return ExamResult(attempt, None, failures)


# ----------------------------------------------------------------------------- faults and repairs
TICKET_FIELDS = ("status", "technician_id", "cost", "resolution", "closed_at")

# Allowed moves; a closed ticket (fixed/scrapped) stays closed: a new fault is a new report.
TRANSITIONS = {
    T.REPORTED: {T.ASSIGNED, T.IN_REPAIR, T.FIXED, T.SCRAPPED},
    T.ASSIGNED: {T.ASSIGNED, T.IN_REPAIR, T.WAITING_PARTS, T.FIXED, T.SCRAPPED},
    T.IN_REPAIR: {T.WAITING_PARTS, T.FIXED, T.SCRAPPED, T.ASSIGNED},
    T.WAITING_PARTS: {T.IN_REPAIR, T.FIXED, T.SCRAPPED, T.ASSIGNED},
    T.FIXED: set(),
    T.SCRAPPED: set(),
}


def _place_people(place_id: int | None) -> set[int]:
    if place_id is None:
        return set()
    place = Place.objects.get(pk=place_id)
    return {place.responsible_id, *place.deputies.values_list("pk", flat=True)}


@transaction.atomic
def fault_report(*, actor, device: Device, symptom: str, photo=None) -> RepairTicket:
    """Anyone who may see a device reports a fault (报修). Repeat faults are flagged by rule."""
    from zhengtong.core.permissions import grant

    symptom = (symptom or "").strip()
    if not symptom:
        raise Refused(_("Describe the fault."), code="symptom")
    _require_visible_device(actor, device)
    device = Device.objects.select_for_update().get(pk=device.pk)  # serialises the repeat count per device
    ticket = RepairTicket.objects.create(device=device, reported_by=actor, symptom=symptom)
    # The reporter follows their ticket and may add photos (change = attach files); moving its
    # status is reserved to technicians by role (ticket_transition), not by this permission.
    grant("equipment.view_repairticket", actor, ticket)
    grant("equipment.change_repairticket", actor, ticket)
    r = rules()
    since = timezone.now() - timedelta(days=r["repeat_fault_days"])
    recent = RepairTicket.objects.filter(device=device, reported_at__gte=since).count()
    if recent >= r["repeat_fault_count"]:
        ticket.repeat_fault = True
        ticket.save(update_fields=["repeat_fault"])
        notify(recipients=holder_ids(MANAGER) | holder_ids(TECHNICIAN), kind="module_warning",
               title=f"重复故障：{device.name} 在 {r['repeat_fault_days']} 天内报修 {recent} 次",
               title_en=f"Repeat fault: {device.name} reported {recent} times in {r['repeat_fault_days']} days",
               url=f"/m/equipment/repairs/{ticket.pk}/",
               dedupe_key=f"equipment.repeat.{connection.schema_name}.{ticket.pk}")
    audit_record(action="equipment.fault.report", actor=actor, obj=ticket,
                 after={"device": device.pk, "symptom": symptom[:500], "repeat_fault": ticket.repeat_fault})
    if photo is not None:
        from zhengtong.files.services import attachment_add

        from .attachments import FAULT_PHOTO

        attachment_add(actor=actor, owner=ticket, use=FAULT_PHOTO, upload=photo)
    # The essays: a fault is reported to the device's responsible person (负责人) and repaired by
    # the technicians — both hear of it.
    told = holder_ids(TECHNICIAN) | {device.custodian_id} | _place_people(device.place_id)
    told -= {actor.pk, None}
    if told:
        notify(recipients=told, kind="module_warning", title=f"新报修：{device.name}",
               title_en=f"New fault report: {device.name}", body=symptom[:500], body_en=symptom[:500],
               url=f"/m/equipment/repairs/{ticket.pk}/", email=False)
    return ticket


def _close_checkout_for_repair(*, device: Device, ticket: RepairTicket) -> None:
    entry = (LogbookEntry.objects.select_for_update()
             .filter(device=device, kind=LogbookEntry.Kind.CHECKOUT, ended_at__isnull=True).first())
    if entry is not None:
        entry.ended_at = timezone.now()
        entry.condition = LogbookEntry.Condition.PROBLEM
        entry.condition_note = f"交修（报修单 {ticket.pk}）/ Handed in for repair (ticket {ticket.pk})"
        entry.save(update_fields=["ended_at", "condition", "condition_note"])


def ticket_transition(*, actor, ticket: RepairTicket, status: str, technician=None, cost: Decimal | None = None,
                      resolution: str | None = None) -> RepairTicket:
    """Move a repair ticket along. Only holders of the technician role may ("由专人维修")."""
    if not is_technician(actor):
        audit_denied(action="equipment.ticket.transition", actor=actor, obj=ticket,
                     detail=f"not a technician; wanted {status}")
        raise PermissionDenied(_("Only technicians may change the status of a repair ticket."))
    with transaction.atomic():
        ticket = RepairTicket.objects.select_for_update(of=("self",)).select_related("device").get(pk=ticket.pk)
        if status not in TRANSITIONS.get(ticket.status, set()):
            raise Refused(_("A ticket that is %(from)s cannot become %(to)s.")
                          % {"from": ticket.get_status_display(), "to": T(status).label if status in T.values else status},
                          code="transition")
        if cost is not None and cost < 0:
            raise Refused(_("The cost cannot be negative."), code="cost")
        before = _snapshot(ticket, TICKET_FIELDS)
        ticket.status = status
        if status == T.ASSIGNED:
            ticket.technician = technician or ticket.technician or actor
        elif ticket.technician_id is None:
            ticket.technician = actor
        if cost is not None:
            ticket.cost = Decimal(cost).quantize(Decimal("0.01"))
        if resolution is not None:
            ticket.resolution = resolution
        device = Device.objects.select_for_update().get(pk=ticket.device_id)
        if status in (T.IN_REPAIR, T.WAITING_PARTS) and device.status not in (D.IN_REPAIR, D.SCRAPPED):
            if device.status == D.CHECKED_OUT:
                # The borrower hands the device in for repair: that ends the check-out, so after
                # the repair it is available again (not silently back with the old borrower).
                _close_checkout_for_repair(device=device, ticket=ticket)
                ticket.device_status_before = D.AVAILABLE
            else:
                ticket.device_status_before = device.status
            device.status = D.IN_REPAIR
        elif status == T.FIXED:
            ticket.closed_at = timezone.now()
            if device.status == D.IN_REPAIR:
                device.status = ticket.device_status_before or D.AVAILABLE
        elif status == T.SCRAPPED:
            ticket.closed_at = timezone.now()
            device.status = D.SCRAPPED
        device.save(update_fields=["status", "updated_at"])
        ticket.full_clean()
        ticket.save()
        after = _snapshot(ticket, TICKET_FIELDS)
        audit_record(action="equipment.ticket.transition", actor=actor, obj=ticket,
                     before={k: before[k] for k in after if after[k] != before[k]},
                     after={k: after[k] for k in after if after[k] != before[k]})
        if status == T.ASSIGNED and ticket.technician_id not in (None, actor.pk):
            notify(recipients=[ticket.technician_id], kind="module_warning",
                   title=f"报修单已分配给您：{ticket.device.name}",
                   title_en=f"Repair ticket assigned to you: {ticket.device.name}", body=ticket.symptom[:500],
                   body_en=ticket.symptom[:500], url=f"/m/equipment/repairs/{ticket.pk}/")
        if status in (T.FIXED, T.SCRAPPED) and ticket.reported_by_id != actor.pk:
            notify(recipients=[ticket.reported_by_id], kind="request_decided",
                   title=f"报修已处理：{ticket.device.name}（{T(status).label}）",
                   title_en=f"Repair closed: {ticket.device.name} ({status})",
                   url=f"/m/equipment/repairs/{ticket.pk}/", email=False)
        return ticket


# ----------------------------------------------------------------------------- maintenance and inspections
def _intervals(dtype: DeviceType) -> list[tuple[str, int]]:
    out = []
    if dtype.maintenance_interval_days:
        out.append((MaintenanceTask.Kind.MAINTENANCE, dtype.maintenance_interval_days))
    if dtype.inspection_interval_days:
        out.append((MaintenanceTask.Kind.INSPECTION, dtype.inspection_interval_days))
    return out


def maintenance_schedule(*, today: date | None = None, devices=None) -> int:
    """Create the next maintenance/inspection task of every device from its type's intervals.

    Idempotent: a device has at most one open task per kind (a partial unique index), so a
    rerun — or two runs at once — adds nothing. The next task falls due one interval after
    the last one was done; a device never maintained gets its first task
    ``maintenance_first_due_days`` after it is first seen. Returns how many tasks were created."""
    today = today or _today()
    first_due = rules()["maintenance_first_due_days"]
    qs = (devices if devices is not None else Device.objects.all()).exclude(status=D.SCRAPPED)
    qs = qs.filter(Q(device_type__maintenance_interval_days__gt=0) | Q(device_type__inspection_interval_days__gt=0))
    qs = qs.select_related("device_type")
    open_now = set(MaintenanceTask.objects.filter(status=MaintenanceTask.Status.OPEN)
                   .values_list("device_id", "kind"))
    last_done = {(d, k): on for d, k, on in MaintenanceTask.objects.filter(status=MaintenanceTask.Status.DONE)
                 .values("device_id", "kind").annotate(on=Max("done_on")).values_list("device_id", "kind", "on")}
    new = []
    for device in qs.iterator(chunk_size=500):
        for kind, interval in _intervals(device.device_type):
            if (device.pk, kind) in open_now:
                continue
            done = last_done.get((device.pk, kind))
            due = done + timedelta(days=interval) if done else today + timedelta(days=first_due)
            new.append(MaintenanceTask(device=device, kind=kind, due_on=due))
    if not new:
        return 0
    before = MaintenanceTask.objects.filter(status=MaintenanceTask.Status.OPEN).count()
    # ON CONFLICT DO NOTHING: a concurrent run that created the same open task wins quietly.
    MaintenanceTask.objects.bulk_create(new, ignore_conflicts=True)
    created = MaintenanceTask.objects.filter(status=MaintenanceTask.Status.OPEN).count() - before
    if created:
        audit_record(action="equipment.maintenance.schedule", actor=None, object_type="equipment.MaintenanceTask",
                     after={"created": created, "on": today})
    return created


CERTIFICATION_NOTICE_DAYS = 14


def overdue_warn(*, today: date | None = None) -> int:
    """Warn technicians and managers about overdue tasks and stale antivirus scans (once per
    task; once per day for scans), and people whose certification lapses within two weeks (once
    per certification). Returns the number of warnings sent."""
    today = today or _today()
    sent = 0
    recipients = holder_ids(TECHNICIAN) | holder_ids(MANAGER)
    overdue = list(MaintenanceTask.objects.filter(status=MaintenanceTask.Status.OPEN, due_on__lt=today,
                                                  overdue_warned_on__isnull=True).select_related("device"))
    if overdue and recipients:
        lines = [f"{t.device.name}: {t.get_kind_display()} {t.due_on}" for t in overdue[:50]]
        notify(recipients=recipients, kind="deadline_overdue",
               title=f"{len(overdue)} 项设备保养/巡检已逾期", title_en=f"{len(overdue)} maintenance tasks overdue",
               body="\n".join(lines), body_en="\n".join(lines), url="/m/equipment/maintenance/?overdue=1",
               dedupe_key=f"equipment.overdue.{connection.schema_name}.{today}.{min(t.pk for t in overdue)}")
        sent += 1
    if overdue:
        MaintenanceTask.objects.filter(pk__in=[t.pk for t in overdue]).update(overdue_warned_on=today)
    # Certifications about to lapse: the holder hears of it in time to retake the exam, once.
    soon = today + timedelta(days=CERTIFICATION_NOTICE_DAYS)
    lapsing = (Certification.objects.filter(revoked=False, valid_until__gte=today, valid_until__lte=soon)
               .select_related("course"))
    for cert in lapsing:
        newer = Certification.objects.filter(user_id=cert.user_id, course_id=cert.course_id, revoked=False,
                                             valid_until__gt=cert.valid_until).exists()
        if newer:
            continue
        created = notify(recipients=[cert.user_id], kind="deadline_approaching",
                         title=f"培训合格证“{cert.course.title}”将于 {cert.valid_until} 到期",
                         title_en=f"Your certification “{cert.course.title}” expires on {cert.valid_until}",
                         body="请在到期前重新参加考试，否则将不能借用或登记使用相关设备。",
                         body_en="Retake the exam before it expires, or you will not be able to use those devices.",
                         url=f"/m/equipment/training/{cert.course_id}/",
                         dedupe_key=f"equipment.cert_expiry.{connection.schema_name}.{cert.pk}")
        sent += len(created)
    limit = today - timedelta(days=rules()["antivirus_max_age_days"])
    stale = list(Device.objects.filter(device_type__tracks_antivirus=True).exclude(status=D.SCRAPPED)
                 .filter(Q(antivirus_scanned_on__isnull=True) | Q(antivirus_scanned_on__lt=limit))
                 .values_list("name", flat=True)[:50])
    if stale and recipients:
        notify(recipients=recipients, kind="module_warning",
               title=f"{len(stale)} 台计算机杀毒扫描已过期", title_en=f"{len(stale)} computers need an antivirus scan",
               body="、".join(stale), body_en=", ".join(stale), url="/m/equipment/maintenance/",
               dedupe_key=f"equipment.antivirus.{connection.schema_name}.{today}")
        sent += 1
    return sent


@transaction.atomic
def inspection_record(*, actor, device: Device, kind: str, results: list[dict], notes: str = "",
                      inspected_on: date | None = None, antivirus_scanned_on: date | None = None,
                      antivirus_definitions_on: date | None = None, patched_on: date | None = None
                      ) -> InspectionRecord:
    """Record a maintenance or inspection visit with the type's checklist; closes the open task
    of that kind and schedules the next one from the interval."""
    if not actor.has_perm("equipment.add_inspectionrecord"):
        raise PermissionDenied(_("Only technicians record maintenance and inspections."))
    device = Device.objects.select_for_update(of=("self",)).select_related("device_type").get(pk=device.pk)
    inspected_on = inspected_on or _today()
    if inspected_on > _today():
        raise Refused(_("An inspection cannot be dated in the future."), code="date")
    expected = device.device_type.checklist
    by_item = {r.get("item"): r for r in results}
    missing = [i for i in expected if i not in by_item]
    if missing:
        raise Refused(_("Check every item of the checklist: %(items)s.") % {"items": "、".join(missing)}, code="checklist")
    clean = [{"item": i, "ok": bool(by_item[i].get("ok")), "note": (by_item[i].get("note") or "").strip()}
             for i in expected]
    for r in clean:
        if not r["ok"] and not r["note"]:
            raise Refused(_("Say what is wrong with “%(item)s”.") % {"item": r["item"]}, code="note")
    task = (MaintenanceTask.objects.select_for_update()
            .filter(device=device, kind=kind, status=MaintenanceTask.Status.OPEN).first())
    record = InspectionRecord.objects.create(device=device, task=task, inspector=actor, inspected_on=inspected_on,
                                             results=clean, notes=notes)
    if task is not None:
        task.status = MaintenanceTask.Status.DONE
        task.done_on = inspected_on
        task.done_by = actor
        task.save(update_fields=["status", "done_on", "done_by"])
    else:
        # Unplanned visit: still counts as the last one done, so the schedule follows it.
        MaintenanceTask.objects.create(device=device, kind=kind, due_on=inspected_on,
                                       status=MaintenanceTask.Status.DONE, done_on=inspected_on, done_by=actor)
    av = {"antivirus_scanned_on": antivirus_scanned_on, "antivirus_definitions_on": antivirus_definitions_on,
          "patched_on": patched_on}
    av = {k: v for k, v in av.items() if v is not None}
    if av:
        for k, v in av.items():
            setattr(device, k, v)
        device.save(update_fields=[*av, "updated_at"])
    audit_record(action="equipment.inspection.record", actor=actor, obj=device,
                 after={"record": record.pk, "kind": kind, "all_ok": record.all_ok, **av})
    maintenance_schedule(devices=Device.objects.filter(pk=device.pk))
    failed = [r["item"] for r in clean if not r["ok"]]
    if failed:
        fault_report(actor=actor, device=device, symptom="巡检发现问题 / Inspection found: " + "; ".join(
            f"{r['item']}: {r['note']}" for r in clean if not r["ok"]))
    return record
