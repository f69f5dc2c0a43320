"""Who may do what in the equipment module, and the unit's rules (the module's rule settings).

Services say no with ``zhengtong.core.errors``: ``Refused`` when this person may not (a role,
a device they may not see, a training they lack: audited as DENIED by ``audited_refusal``),
``Invalid`` when the input or the object's state does not allow it; both messages name what is
missing.

Each workflow step has one guard answering that refusal, or None (``ticket_move_refusal`` here,
the device-use guards in use.py): the services ``check`` it, and ``selectors.actions_for``
offers the pages the steps whose guard says None, so no page restates a rule.
"""
from __future__ import annotations

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from zhengtong.core.errors import Invalid, Refused
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


class RulesNotAcknowledged(Invalid):
    """The user has not yet accepted the current version of the type's usage rules."""

    def __init__(self, device_type: DeviceType):
        super().__init__(_("Read and accept the usage rules of %(type)s (version %(v)d) before using it.")
                         % {"type": device_type.name, "v": device_type.rules_version}, code="rules")
        self.device_type = device_type


def rules() -> dict:
    return rules_for(get_module("equipment"))


def _today() -> date:
    return timezone.localdate()


def is_type_admin(user) -> bool:
    return user.is_authenticated and user.has_role(MODULE_ADMIN, UNIT_ADMIN)


def may_require_training(user) -> bool:
    """Module admins configure the rules; the unit's asset officer may also require a training (issue 8)."""
    return is_type_admin(user) or (user.is_authenticated and user.has_role(ASSET_OFFICER))


def is_technician(user) -> bool:
    return user.is_authenticated and user.has_role(TECHNICIAN)


def check(refusal: Refused | Invalid | None) -> None:
    """Raise what a guard answered, if it answered anything."""
    if refusal is not None:
        raise refusal


# ----------------------------------------------------------------------------- repair tickets
# Allowed moves; a closed ticket (fixed/scrapped) stays closed: a new fault is a new report.
TRANSITIONS = {
    T.REPORTED: {T.ASSIGNED, T.IN_REPAIR, T.FIXED, T.SCRAPPED},
    T.ASSIGNED: {T.ASSIGNED, T.IN_REPAIR, T.WAITING_PARTS, T.FIXED, T.SCRAPPED},
    T.IN_REPAIR: {T.WAITING_PARTS, T.FIXED, T.SCRAPPED, T.ASSIGNED},
    T.WAITING_PARTS: {T.IN_REPAIR, T.FIXED, T.SCRAPPED, T.ASSIGNED},
    T.FIXED: set(),
    T.SCRAPPED: set(),
}


def ticket_move_refusal(ticket: RepairTicket, user, status: str) -> Refused | Invalid | None:
    """Why ``user`` may not move ``ticket`` to ``status``, or None: only technicians ("由专人维修"),
    only along TRANSITIONS."""
    if not is_technician(user):
        return Refused(_("Only technicians may change the status of a repair ticket."),
                       detail=f"not a technician; wanted {status}")
    if status not in TRANSITIONS.get(ticket.status, set()):
        to = T(status).label if status in T.values else status
        return Invalid(_("A ticket that is %(from)s cannot become %(to)s.")
                       % {"from": ticket.get_status_display(), "to": to}, code="transition")
    return None


# ----------------------------------------------------------------------------- devices
# Using a device (check-out, check-in, use sessions) has its guards in use.py, beside the rules
# and certifications they read; selectors.actions_for offers what all of them allow.
def fault_report_refusal(device: Device) -> Invalid | None:
    """A scrapped device takes no fault reports (a new fault on a repaired one is a new report)."""
    if device.status == D.SCRAPPED:
        return Invalid(_("%(d)s is scrapped.") % {"d": device.name}, code="device_state")
    return None


def _require_visible_device(actor, device: Device) -> None:
    # The pages look devices up through the selectors; the services refuse on their own too, so
    # no other caller (an API, a task) can act on a device the person may not see.
    from .. import selectors

    if not selectors.device_list(user=actor).filter(pk=device.pk).exists():
        raise Refused(_("You may not use this device."))


