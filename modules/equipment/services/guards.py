"""Who may do what in the equipment module, and the unit's rules (the module's rule settings).

Refusals a user can act on raise ``Refused`` (a ValidationError) with a message naming what is
missing; lack of a role or object permission raises PermissionDenied and leaves a DENIED event
in the audit trail.
"""
from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengtong.registry.registry import UNIT_ADMIN, get_module
from zhengtong.registry.rules import rules_for

from ..manifest import ASSET_OFFICER, MODULE_ADMIN, TECHNICIAN
from ..models import (
    Device,
    DeviceType,
    RepairTicket,
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


def _require_visible_device(actor, device: Device) -> None:
    # The pages look devices up through the selectors; the services refuse on their own too, so
    # no other caller (an API, a task) can act on a device the person may not see.
    from .. import selectors

    if not selectors.device_list(user=actor).filter(pk=device.pk).exists():
        raise PermissionDenied(_("You may not use this device."))


