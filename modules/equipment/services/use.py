"""Using devices and rooms: the usage rules, the training a type requires, check-out and check-in,
and the logbook (使用登记)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengtong.audit.services import audit_record
from zhengtong.core.errors import Invalid, Refused, audited_refusal

from ..models import (
    Certification,
    Device,
    DeviceType,
    LogbookEntry,
    Place,
    RulesAcknowledgement,
    TrainingCourse,
)
from .guards import (
    D,
    RulesNotAcknowledged,
    _require_visible_device,
    _today,
    check,
    is_technician,
)
from .repairs import fault_report


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


def device_state_refusal(device: Device) -> str | None:
    """Why nobody may use ``device`` now (its state), or None."""
    if device.status == D.IN_REPAIR:
        return _("%(d)s is under repair and cannot be used.") % {"d": device.name}
    if device.status == D.SCRAPPED:
        return _("%(d)s is scrapped.") % {"d": device.name}
    return None


def person_use_refusal(*, user, device: Device, with_students: bool = False, on: date | None = None) -> str | None:
    """Why ``user`` may not use ``device`` (its type's rules: who may, which training), or None."""
    dtype = device.device_type
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


def use_refusal(*, user, device: Device, with_students: bool = False, on: date | None = None) -> str | None:
    """Why ``user`` may not use ``device`` now (a message naming what is missing), or None."""
    return (device_state_refusal(device)
            or person_use_refusal(user=user, device=device, with_students=with_students, on=on))


def checkout_refusal(device: Device) -> Invalid | None:
    """Why ``device`` cannot be checked out now (its state; who may is ``person_use_refusal``), or None."""
    state = device_state_refusal(device)
    if state:
        return Invalid(state, code="device_state")
    if device.status != D.AVAILABLE:
        holder = (LogbookEntry.objects.filter(device=device, kind=LogbookEntry.Kind.CHECKOUT,
                                              ended_at__isnull=True).select_related("user").first())
        if holder is not None:
            return Invalid(_("%(d)s is already checked out by %(who)s.") % {"d": device.name, "who": holder.user},
                           code="checked_out")
        return Invalid(_("%(d)s is not available for check-out (%(s)s). Log a use session instead.")
                       % {"d": device.name, "s": device.get_status_display()}, code="not_available")
    return None


def checkin_refusal(entry: LogbookEntry, user) -> Refused | Invalid | None:
    """Why ``user`` may not check in the check-out ``entry``, or None: an open check-out, by its
    borrower or the equipment manager."""
    if entry.kind != LogbookEntry.Kind.CHECKOUT or entry.ended_at is not None:
        return Invalid(_("This check-out is already closed."), code="closed")
    if entry.user_id != user.pk and not user.has_perm("equipment.change_device"):
        return Refused(_("Only the borrower or the equipment manager may check this device in."))
    return None


def _check_use(*, actor, device: Device, with_students: bool, acknowledge_rules: bool) -> None:
    _require_visible_device(actor, device)
    state = device_state_refusal(device)
    if state:
        raise Invalid(state, code="device_state")
    refusal = person_use_refusal(user=actor, device=device, with_students=with_students)
    if refusal:
        raise Refused(refusal)
    if not has_acknowledged(user=actor, device_type=device.device_type):
        if not acknowledge_rules:
            raise RulesNotAcknowledged(device.device_type)
        rules_acknowledge(actor=actor, device_type=device.device_type)


@audited_refusal("equipment.device.checkout", obj_arg="device")
@transaction.atomic
def device_checkout(*, actor, device: Device, purpose: str = "", with_students: bool = False,
                    acknowledge_rules: bool = False) -> LogbookEntry:
    """Check a device out (借用). Refused without the training its type requires."""
    device = (Device.objects.select_for_update(of=("self",)).select_related("device_type__required_course")
              .get(pk=device.pk))
    _check_use(actor=actor, device=device, with_students=with_students, acknowledge_rules=acknowledge_rules)
    check(checkout_refusal(device))
    entry = LogbookEntry.objects.create(kind=LogbookEntry.Kind.CHECKOUT, device=device, user=actor,
                                        purpose=purpose, with_students=with_students, started_at=timezone.now())
    device.status = D.CHECKED_OUT
    device.save(update_fields=["status", "updated_at"])
    audit_record(action="equipment.device.checkout", actor=actor, obj=device,
                 after={"entry": entry.pk, "purpose": purpose})
    return entry


@audited_refusal("equipment.device.checkin", obj_arg="entry")
@transaction.atomic
def device_checkin(*, actor, entry: LogbookEntry, condition: str, note: str = "") -> LogbookEntry:
    """Return a checked-out device with its condition; damage opens a repair ticket."""
    entry = LogbookEntry.objects.select_for_update(of=("self",)).select_related("device").get(pk=entry.pk)
    check(checkin_refusal(entry, actor))
    if condition not in LogbookEntry.Condition.values:
        raise Invalid(_("Say in which condition the device comes back."), code="condition")
    if condition != LogbookEntry.Condition.GOOD and not note.strip():
        raise Invalid(_("Describe the problem or damage."), code="condition_note")
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


@audited_refusal("equipment.session.log", obj_arg="device", object_type="equipment.Place")
@transaction.atomic
def session_log(*, actor, device: Device | None = None, place: Place | None = None, started_at: datetime,
                ended_at: datetime, purpose: str = "", with_students: bool = False, condition: str = "",
                note: str = "", acknowledge_rules: bool = False) -> LogbookEntry:
    """Log a use session (使用登记) of a device or a room."""
    if device is None and place is None:
        raise Invalid(_("Name the device or the place you used."), code="what")
    if device is None:
        from .. import selectors

        if not selectors.place_list(user=actor).filter(pk=place.pk).exists():
            raise Refused(_("You may not log the use of this place."))
    if ended_at < started_at:
        raise Invalid(_("The end of the session is before its start."), code="times")
    if ended_at > timezone.now() + timedelta(minutes=5):
        raise Invalid(_("A session is logged after it happened: its end cannot be in the future."), code="times")
    if device is not None:
        device = Device.objects.select_related("device_type__required_course").get(pk=device.pk)
        _check_use(actor=actor, device=device, with_students=with_students, acknowledge_rules=acknowledge_rules)
        if device.device_type.logbook_required and not condition:
            raise Invalid(_("Say in which condition you left the device."), code="condition")
        place = place or device.place
    if condition and condition != LogbookEntry.Condition.GOOD and not note.strip():
        raise Invalid(_("Describe the problem or damage."), code="condition_note")
    entry = LogbookEntry.objects.create(
        kind=LogbookEntry.Kind.SESSION, device=device, place=place, user=actor, purpose=purpose,
        with_students=with_students, started_at=started_at, ended_at=ended_at,
        condition=condition or "", condition_note=note)
    audit_record(action="equipment.session.log", actor=actor, obj=device or place,
                 after={"entry": entry.pk, "from": started_at, "to": ended_at, "purpose": purpose})
    if device is not None and condition and condition != LogbookEntry.Condition.GOOD:
        fault_report(actor=actor, device=device, symptom=note)
    return entry
