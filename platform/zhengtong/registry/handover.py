"""How modules talk to each other without importing each other's models.

Two mechanisms, both keyed by the module manifests:

* **Hand-over items** — ``ModuleManifest.handover_provider`` is the dotted path of a callable
  ``provider(*, user_id: int) -> list[HandoverItem]`` listing what that person holds in the
  module (assets in custody, devices, keys, rooms they are responsible for). Personnel builds a
  transfer's hand-over checklist from every module enabled in the unit.
* **Events** — ``ModuleManifest.events_handled`` maps an event name to a callable (or its dotted
  path) called as ``handler(**payload)``. ``emit()`` calls the handlers of the modules enabled in
  the *current* unit, inside the caller's transaction, so a failing handler rolls the whole
  change back (a hand-over task is never lost while the transfer commits).

Both run in the current unit's schema: the caller is responsible for being in the right one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.module_loading import import_string

from .registry import all_modules

# Event names shared between modules. Payloads are plain values (ids, dates, strings).
# personnel → others: a person leaves a post (transfer out, internal move, retirement …).
# payload: user_id (int | None), person_id (int), person_name (str), reason (str), effective_date (date)
PERSON_LEAVING_POST = "personnel.person_leaving_post"
# tenants → modules: a module was switched on for a unit (at onboarding or later), emitted in
# the unit's schema inside the switching transaction. payload: unit_id (int), module_key (str)
MODULE_SWITCHED_ON = "platform.module_switched_on"


@dataclass(frozen=True)
class HandoverItem:
    """One thing a person must hand over before leaving a post."""

    module: str  # module key, e.g. "assets"
    kind: str  # e.g. "asset", "device", "key", "place"
    ref: str  # the module's own identifier (asset number, key id …), stable across calls
    label: str  # what a person reads in the checklist
    mandatory: bool = True


def _enabled_here() -> frozenset[str]:
    """The modules switched on in the unit the connection is in; none in the public schema."""
    from zhengtong.core.tenancy import current_unit, enabled_modules

    return enabled_modules(current_unit())


def _resolve(target: Any):
    return import_string(target) if isinstance(target, str) else target


def handover_items_for(*, user_id: int) -> list[HandoverItem]:
    """Everything ``user_id`` holds in the modules enabled in the current unit."""
    enabled = _enabled_here()
    items: list[HandoverItem] = []
    for manifest in all_modules():
        provider = getattr(manifest, "handover_provider", None)
        if provider and manifest.key in enabled:
            items.extend(_resolve(provider)(user_id=user_id))
    return items


def emit(event: str, **payload: Any) -> int:
    """Call every enabled module's handler for ``event``; returns how many handled it."""
    enabled = _enabled_here()
    handled = 0
    for manifest in all_modules():
        handler = manifest.events_handled.get(event)
        if handler and manifest.key in enabled:
            _resolve(handler)(**payload)
            handled += 1
    return handled
