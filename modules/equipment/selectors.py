"""Every read of the equipment module, filtered by what the user may see."""
from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import Device, Place

# --- for other modules (e2custody's hand-over tasks) -------------------------------------------
# These answer "what does this person hold" for the hand-over checklist; they are not
# permission-filtered because the caller (a hand-over service) acts for the unit.

def devices_held_by(*, user_id: int) -> QuerySet[Device]:
    """Devices whose custodian is ``user_id`` (not scrapped)."""
    return (Device.objects.filter(custodian_id=user_id).exclude(status=Device.Status.SCRAPPED)
            .select_related("device_type", "place").order_by("name", "id"))


def places_responsible_for(*, user_id: int) -> QuerySet[Place]:
    """Places where ``user_id`` is the responsible person or a deputy."""
    return (Place.objects.filter(Q(responsible_id=user_id) | Q(deputies__id=user_id)).distinct()
            .select_related("responsible").order_by("name"))


# --- permission-filtered reads for the pages ----------------------------------------------------
# A role's model-level permission means "every object of this kind in this unit" (zhengtong.core
# .permissions). Without it a person still sees what they are responsible for: the devices they
# hold, the places they manage (and those places' devices), the tickets they reported.

def _mine(user) -> Q:
    return Q(custodian_id=user.pk) | Q(place__responsible_id=user.pk) | Q(place__deputies__id=user.pk)


def device_list(*, user, search: str = "", status: str = "", place_id: int | None = None,
                type_id: int | None = None) -> QuerySet[Device]:
    qs = Device.objects.select_related("device_type", "place", "custodian")
    if not user.is_authenticated:
        return qs.none()
    if not user.has_perm("equipment.view_device"):
        qs = qs.filter(pk__in=Device.objects.filter(_mine(user)).values("pk"))
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(serial__icontains=search) | Q(asset_number__icontains=search))
    if status:
        qs = qs.filter(status=status)
    if place_id:
        qs = qs.filter(place_id=place_id)
    if type_id:
        qs = qs.filter(device_type_id=type_id)
    return qs.order_by("name", "id")


def device_get(*, user, pk: int) -> Device:
    from django.http import Http404

    try:
        return device_list(user=user).select_related("device_type__required_course").get(pk=pk)
    except Device.DoesNotExist:
        raise Http404 from None


def device_by_token(*, user, token: str) -> Device:
    """The device behind a QR label, if the person scanning it may see the device (staff with the
    equipment user role see every device; others the ones they hold or are responsible for).
    A wrong token and an invisible device are the same 404: labels do not reveal devices."""
    from django.http import Http404

    try:
        return (device_list(user=user).select_related("device_type__required_course").get(qr_token=token))
    except Device.DoesNotExist:
        raise Http404 from None


def place_list(*, user) -> QuerySet[Place]:
    qs = Place.objects.select_related("responsible").prefetch_related("deputies")
    if not user.is_authenticated:
        return qs.none()
    if not user.has_perm("equipment.view_place"):
        qs = qs.filter(pk__in=places_responsible_for(user_id=user.pk).values("pk"))
    return qs.order_by("name")


def place_get(*, user, pk: int) -> Place:
    from django.http import Http404

    try:
        return place_list(user=user).get(pk=pk)
    except Place.DoesNotExist:
        raise Http404 from None


def device_type_list(*, user) -> QuerySet:
    from .models import DeviceType

    if not user.is_authenticated:
        return DeviceType.objects.none()
    return DeviceType.objects.select_related("required_course").order_by("name")


def logbook_for_device(*, user, device: Device) -> QuerySet:
    """The device's log: everyone with the logbook permission, the device's custodian and its
    place's responsible people see all of it; others see their own entries."""
    from .models import LogbookEntry

    qs = LogbookEntry.objects.filter(device=device).select_related("user")
    if user.has_perm("equipment.view_logbookentry") or Device.objects.filter(_mine(user), pk=device.pk).exists():
        return qs
    return qs.filter(user_id=user.pk)


def logbook_for_place(*, user, place: Place) -> QuerySet:
    from .models import LogbookEntry

    qs = LogbookEntry.objects.filter(place=place).select_related("user", "device")
    if (user.has_perm("equipment.view_logbookentry")
            or places_responsible_for(user_id=user.pk).filter(pk=place.pk).exists()):
        return qs
    return qs.filter(user_id=user.pk)


def my_open_checkouts(*, user) -> QuerySet:
    from .models import LogbookEntry

    return (LogbookEntry.objects.filter(user_id=user.pk, kind=LogbookEntry.Kind.CHECKOUT, ended_at__isnull=True)
            .select_related("device"))


def my_log(*, user) -> QuerySet:
    from .models import LogbookEntry

    return LogbookEntry.objects.filter(user_id=user.pk).select_related("device", "place")


def open_checkout(*, device: Device):
    from .models import LogbookEntry

    return (LogbookEntry.objects.filter(device=device, kind=LogbookEntry.Kind.CHECKOUT, ended_at__isnull=True)
            .select_related("user").first())


def ticket_list(*, user, status: str = "", open_only: bool = False) -> QuerySet:
    from zhengtong.core.permissions import visible

    from .models import RepairTicket

    base = RepairTicket.objects.select_related("device", "reported_by", "technician")
    qs = visible(user, "equipment.view_repairticket", base)
    if not user.has_perm("equipment.view_repairticket"):
        # Also the tickets of the devices a person holds or is responsible for.
        qs = base.filter(Q(pk__in=qs.values("pk")) | Q(device__in=Device.objects.filter(_mine(user)).values("pk")))
    if status:
        qs = qs.filter(status=status)
    if open_only:
        qs = qs.exclude(status__in=RepairTicket.CLOSED)
    return qs.order_by("-reported_at", "-id")


def ticket_get(*, user, pk: int):
    from django.http import Http404

    from .models import RepairTicket

    try:
        return ticket_list(user=user).get(pk=pk)
    except RepairTicket.DoesNotExist:
        raise Http404 from None


def tickets_for_device(*, user, device: Device) -> QuerySet:
    return ticket_list(user=user).filter(device=device)


def maintenance_list(*, user, overdue_only: bool = False, today=None) -> QuerySet:
    from django.utils import timezone

    from .models import MaintenanceTask

    if not user.has_perm("equipment.view_maintenancetask"):
        return MaintenanceTask.objects.none()
    qs = (MaintenanceTask.objects.filter(status=MaintenanceTask.Status.OPEN)
          .select_related("device__device_type", "device__place"))
    if overdue_only:
        qs = qs.filter(due_on__lt=today or timezone.localdate())
    return qs.order_by("due_on", "id")


def antivirus_status(*, user) -> QuerySet[Device]:
    """Computers with the dates of their last scan, definitions and patches (oldest scan first)."""
    from django.db.models import F

    if not user.has_perm("equipment.view_maintenancetask"):
        return Device.objects.none()
    return (Device.objects.filter(device_type__tracks_antivirus=True).exclude(status=Device.Status.SCRAPPED)
            .select_related("place").order_by(F("antivirus_scanned_on").asc(nulls_first=True), "name"))


def inspections_for_device(*, user, device: Device) -> QuerySet:
    from .models import InspectionRecord

    if not (user.has_perm("equipment.view_inspectionrecord")
            or Device.objects.filter(_mine(user), pk=device.pk).exists()):
        return InspectionRecord.objects.none()
    return InspectionRecord.objects.filter(device=device).select_related("inspector")


def course_list(*, user) -> QuerySet:
    from .models import TrainingCourse

    if not user.is_authenticated:
        return TrainingCourse.objects.none()
    qs = TrainingCourse.objects.all()
    if not user.has_perm("equipment.change_trainingcourse"):
        qs = qs.filter(active=True)
    return qs.order_by("title")


def course_get(*, user, pk: int):
    from django.http import Http404

    from .models import TrainingCourse

    try:
        return course_list(user=user).get(pk=pk)
    except TrainingCourse.DoesNotExist:
        raise Http404 from None


def my_certifications(*, user) -> QuerySet:
    from .models import Certification

    return Certification.objects.filter(user_id=user.pk, revoked=False).select_related("course")


def certifications_of_course(*, user, course) -> QuerySet:
    from .models import Certification

    if not user.has_perm("equipment.view_certification"):
        return Certification.objects.none()
    return Certification.objects.filter(course=course, revoked=False).select_related("user")


def flagged_exam_takers(*, user, course, failures: int) -> list:
    """People whose last ``failures`` or more attempts of ``course`` all failed (for managers)."""
    from .models import ExamAttempt

    if not user.has_perm("equipment.view_certification"):
        return []
    out = []
    attempts = ExamAttempt.objects.filter(course=course).select_related("user").order_by("user_id", "-at", "-id")
    current, streak, done = None, 0, False
    for a in attempts:
        if a.user_id != (current.pk if current else None):
            if current is not None and streak >= failures:
                out.append((current, streak))
            current, streak, done = a.user, 0, False
        if done:
            continue
        if a.passed:
            done = True
        else:
            streak += 1
    if current is not None and streak >= failures:
        out.append((current, streak))
    return out


# --- what a person may do next ------------------------------------------------------------------
def actions_for(user, obj) -> set[str]:
    """The workflow steps ``user`` may take on ``obj`` now, from the services' guards (the pages
    offer exactly these; the services check the same guards when a step is taken).

    A device: ``edit``, ``inspect``, ``check_out``, ``check_in`` (its open check-out), ``log_use``,
    ``report_fault``. Whether this person's training and the type's rules let them use it is not
    a step: the device page says why not (services.use_refusal), and check-out or logging refuses.
    A repair ticket: the statuses it may be moved to.
    """
    from . import services
    from .models import RepairTicket

    if isinstance(obj, RepairTicket):
        return {status for status in services.TRANSITIONS.get(obj.status, ())
                if services.ticket_move_refusal(obj, user, status) is None}
    if not isinstance(obj, Device):
        raise TypeError(f"no workflow for {type(obj).__name__}")
    steps = set()
    if user.has_perm("equipment.change_device"):
        steps.add("edit")
    if user.has_perm("equipment.add_inspectionrecord"):
        steps.add("inspect")
    if services.checkout_refusal(obj) is None:
        steps.add("check_out")
    entry = open_checkout(device=obj)
    if entry is not None and services.checkin_refusal(entry, user) is None:
        steps.add("check_in")
    if services.device_state_refusal(obj) is None:
        steps.add("log_use")
    if services.fault_report_refusal(obj) is None:
        steps.add("report_fault")
    return steps
