"""Setting the module up: places and their responsible people, device types with their rules set,
and the devices themselves."""
from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from zhengtong.audit.services import audit_record
from zhengtong.core.errors import Invalid, Refused, audited_refusal
from zhengtong.core.updates import model_update, snapshot
from zhengtong.registry import lookup

from ..models import (
    Device,
    DeviceType,
    Place,
    TrainingCourse,
)
from .guards import (
    D,
    is_type_admin,
    may_require_training,
)

# ----------------------------------------------------------------------------- places
PLACE_FIELDS = ("name", "kind", "location", "responsible_id", "notes", "active")


@audited_refusal("equipment.place.create", object_type="equipment.Place")
@transaction.atomic
def place_create(*, actor, name: str, kind: str, responsible, location: str = "", deputies=(),
                 notes: str = "") -> Place:
    if not actor.has_perm("equipment.add_place"):
        raise Refused(_("You may not register places."))
    place = Place(name=name, kind=kind, location=location, responsible=responsible, notes=notes)
    place.full_clean()
    place.save()
    place.deputies.set(deputies)
    audit_record(action="equipment.place.create", actor=actor, obj=place,
                 after=snapshot(place, (*PLACE_FIELDS, "deputies")))
    return place


@audited_refusal("equipment.place.update", obj_arg="place")
@transaction.atomic
def place_update(*, actor, place: Place, deputies=None, **changes) -> Place:
    place = Place.objects.select_for_update().get(pk=place.pk)
    if not actor.has_perm("equipment.change_place"):
        raise Refused(_("You may not change places."))
    data = changes if deputies is None else {**changes, "deputies": deputies}
    place, _changed = model_update(instance=place, data=data, fields=(*PLACE_FIELDS, "deputies"), actor=actor,
                                   action="equipment.place.update")
    return place


# ----------------------------------------------------------------------------- device types (rules set)
TYPE_FIELDS = ("name", "category", "use_policy", "required_course_id", "maintenance_interval_days",
               "inspection_interval_days", "checklist", "logbook_required", "usage_rules", "rules_version",
               "tracks_antivirus")


def _clean_checklist(items) -> list[str]:
    if isinstance(items, str):
        items = items.splitlines()
    return [i.strip() for i in items if i and i.strip()]


@audited_refusal("equipment.type.save", obj_arg="device_type", object_type="equipment.DeviceType")
@transaction.atomic
def device_type_save(*, actor, device_type: DeviceType | None = None, **fields) -> DeviceType:
    """Create or change a device type and its rules set (module admins only).

    Changing the usage rules text makes a new version: everyone accepts it again at their
    next use (the essays' rules are read before first use, and again when they change)."""
    if not is_type_admin(actor):
        raise Refused(_("Only the module administrator configures device types and their rules."))
    if "checklist" in fields:
        fields["checklist"] = _clean_checklist(fields["checklist"])
    if device_type is None:
        dtype = DeviceType(**fields)
        dtype.full_clean()
        dtype.save()
        audit_record(action="equipment.type.create", actor=actor, obj=dtype, after=snapshot(dtype, TYPE_FIELDS))
        return dtype
    dtype = DeviceType.objects.select_for_update().get(pk=device_type.pk)
    if "usage_rules" in fields and (fields["usage_rules"] or "").strip() != dtype.usage_rules.strip():
        fields["rules_version"] = dtype.rules_version + 1  # a new text is a new version, accepted again
    dtype, _changed = model_update(instance=dtype, data=fields, fields=TYPE_FIELDS, actor=actor,
                                   action="equipment.type.update")
    return dtype


@audited_refusal("equipment.type.require_training", obj_arg="device_type")
@transaction.atomic
def device_type_require_training(*, actor, device_type: DeviceType, course: TrainingCourse | None) -> DeviceType:
    """Set (or clear) the training a type requires: module admins and the asset officer."""
    if not may_require_training(actor):
        raise Refused(_("Only the module administrator or the asset officer may require a training."))
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


# The assets module's selector for one card, declared in its manifest; reached through the registry
# so equipment never imports assets (tests/test_boundaries.py). None where assets is switched off.
ASSET_CARD = "assets.card_by_number"


def asset_card_for(*, user, number: str):
    """The asset card numbered ``number`` that the user may see; None when the assets module is
    off here or no such card is visible."""
    card_by_number = lookup(ASSET_CARD) if number else None
    return card_by_number(user=user, number=number) if card_by_number else None


def _check_asset_number(actor, number: str) -> None:
    # Only where the assets module is on: without it the number is free text.
    card_by_number = lookup(ASSET_CARD) if number else None
    if card_by_number and card_by_number(user=actor, number=number) is None:
        raise Invalid(_("No asset card %(n)s that you may see. Check the number on the asset register.")
                      % {"n": number}, code="asset_card")


@audited_refusal("equipment.device.create", object_type="equipment.Device")
@transaction.atomic
def device_register(*, actor, device_type: DeviceType, name: str, serial: str = "", place: Place | None = None,
                    custodian=None, status: str = D.AVAILABLE, purchase_date: date | None = None,
                    asset_number: str = "", notes: str = "") -> Device:
    if not actor.has_perm("equipment.add_device"):
        raise Refused(_("You may not register devices."))
    _check_asset_number(actor, asset_number)
    device = Device(device_type=device_type, name=name, serial=serial, place=place, custodian=custodian,
                    status=status, purchase_date=purchase_date, asset_number=asset_number, notes=notes)
    device.full_clean()
    device.save()
    audit_record(action="equipment.device.create", actor=actor, obj=device, after=snapshot(device, DEVICE_FIELDS))
    return device


@audited_refusal("equipment.device.update", obj_arg="device")
@transaction.atomic
def device_update(*, actor, device: Device, **changes) -> Device:
    if not actor.has_perm("equipment.change_device"):
        raise Refused(_("You may not change devices."))
    device = Device.objects.select_for_update().get(pk=device.pk)
    if changes.get("asset_number") and changes["asset_number"] != device.asset_number:
        _check_asset_number(actor, changes["asset_number"])
    device, _changed = model_update(instance=device, data=changes, fields=DEVICE_FIELDS, actor=actor,
                                    action="equipment.device.update")
    return device


