"""What a person holds in the assets module, for personnel's hand-over checklist
(zhengtong.registry.handover): every card in their custody that is still on the books."""
from __future__ import annotations

from zhengtong.registry.handover import HandoverItem

from .models import Asset


def handover_items(*, user_id: int) -> list[HandoverItem]:
    # Disposed cards have left the unit's use; everything else (lent, under repair,
    # pending disposal …) is still the person's to hand over or account for.
    held = (Asset.objects.filter(custodian_id=user_id).exclude(status=Asset.Status.DISPOSED)
            .order_by("number").values_list("number", "name", "spec", "location", "status"))
    statuses = dict(Asset.Status.choices)
    items = []
    for number, name, spec, location, status in held:
        details = "，".join(x for x in (spec, location, str(statuses[status])) if x)
        items.append(HandoverItem(module="assets", kind="asset", ref=number,
                                  label=f"{number} {name}（{details}）"))
    return items
