"""Places, device types and devices made as the equipment module's set-up pages make them
(modules.equipment.services: permission checks, the type's rules set, audited)."""
from __future__ import annotations

import factory

from modules.equipment.models import Device, DeviceType, Place

from ._base import InUnitFactory

MANAGER = "equipment.manager"


class PlaceFactory(InUnitFactory):
    """A place with ``responsible`` (the actor unless given) answering for it."""

    class Meta:
        model = Place

    class Params:
        actor_roles = (MANAGER,)

    name = factory.Sequence(lambda n: f"测试教室{n}")
    kind = "classroom"
    responsible = factory.SelfAttribute("actor")

    _service = "modules.equipment.services:place_create"


class DeviceTypeFactory(InUnitFactory):
    """A device type and its rules set, configured by the module administrator."""

    class Meta:
        model = DeviceType

    class Params:
        actor_roles = ("equipment.module_admin",)

    name = factory.Sequence(lambda n: f"测试类型{n}")

    _service = "modules.equipment.services:device_type_save"


class DeviceFactory(InUnitFactory):
    """A device of ``device_type`` (a new type unless given), registered by the manager."""

    class Meta:
        model = Device

    class Params:
        actor_roles = (MANAGER,)

    device_type = factory.LazyAttribute(lambda o: DeviceTypeFactory(unit=o.unit))
    name = factory.Sequence(lambda n: f"测试设备{n}")

    _service = "modules.equipment.services:device_register"
