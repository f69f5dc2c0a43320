"""The equipment module's side of the hand-over contract (zhengtong.registry.handover).

``handover_items`` lists, for personnel's transfer checklist, everything a person holds in
the equipment module: keys, cards and credentials, devices in their custody, places they are
responsible for (or a deputy of). The equipment manifest names it as ``handover_provider``;
``on_person_leaving_post`` (services/handovers.py) is its ``events_handled`` entry for
PERSON_LEAVING_POST and opens the hand-over task that moves each item to a new holder.
"""
from __future__ import annotations

from zhengtong.registry.handover import HandoverItem

from .services import held_by

MODULE_KEY = "equipment"


def handover_items(*, user_id: int) -> list[HandoverItem]:
    return [HandoverItem(module=MODULE_KEY, kind=kind, ref=f"{kind}:{ref}", label=label)
            for kind, ref, label in held_by(user_id=user_id)]
