"""The hand-over checklist (工作交接) of a move: drawn up from every enabled module's provider
when the move is approved, ticked off item by item, or overridden by a unit leader."""
from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengtong.audit.services import audit_record
from zhengtong.core.errors import Invalid, audited_refusal
from zhengtong.registry import handover as registry_handover

from ..models import HandoverItem, Transfer
from .common import HandoverOpen
from .workflow import can_change_checklist, can_override_handover, can_tick_item, handover_open_items, refuse_unless

if TYPE_CHECKING:
    from zhengtong.accounts.models import User


def handover_generate(*, transfer: Transfer) -> list[HandoverItem]:
    """The checklist from every enabled module's provider (idempotent: refreshes it).

    An item a provider no longer reports was handed over in its module (the asset got
    another custodian): it is ticked off here, by the module ("handed over in the module").
    """
    person = transfer.person
    reported = registry_handover.handover_items_for(user_id=person.user_id) if person.user_id else []
    seen = set()
    created = []
    for item in reported:
        key = (item.module, item.kind, item.ref)
        seen.add(key)
        row, is_new = HandoverItem.objects.get_or_create(
            transfer=transfer, module=item.module, kind=item.kind, ref=item.ref,
            defaults={"label": item.label[:300], "mandatory": item.mandatory})
        if not is_new and row.done and row.done_by_id is None:
            # Reported again after the module had let it go: open again.
            row.done, row.done_at, row.note = False, None, ""
            row.save(update_fields=["done", "done_at", "note"])
        if is_new:
            created.append(row)
    for row in HandoverItem.objects.filter(transfer=transfer, done=False).exclude(module=""):
        if (row.module, row.kind, row.ref) not in seen:
            row.done, row.done_at = True, timezone.now()
            row.note = _("Handed over in the module")[:300]
            row.save(update_fields=["done", "done_at", "note"])
    return created


@audited_refusal("personnel.handover_item_add", obj_arg="transfer")
@transaction.atomic
def handover_item_add(*, actor: User, transfer: Transfer, label: str, mandatory: bool = True) -> HandoverItem:
    refuse_unless(can_change_checklist(transfer, actor))
    if not label.strip():
        raise Invalid(_("Describe the item (请填写交接事项)."))
    item = HandoverItem.objects.create(transfer=transfer, label=label.strip()[:300], mandatory=mandatory)
    return item


@audited_refusal("personnel.handover_item_done", obj_arg="item")
@transaction.atomic
def handover_item_done(*, actor: User, item: HandoverItem, note: str = "") -> HandoverItem:
    """Tick off a manual item (workflow.can_tick_item)."""
    item = HandoverItem.objects.select_for_update(of=("self",)).select_related("transfer").get(pk=item.pk)
    refuse_unless(can_tick_item(item, actor))
    if not item.done:
        item.done, item.done_by, item.done_at, item.note = True, actor, timezone.now(), note.strip()[:300]
        item.save(update_fields=["done", "done_by", "done_at", "note"])
    return item


@audited_refusal("personnel.handover_override", obj_arg="transfer")
@transaction.atomic
def transfer_handover_override(*, actor: User, transfer: Transfer, reason: str) -> Transfer:
    """Let the move complete although mandatory items are open (unit leader, written reason)."""
    transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
    refuse_unless(can_override_handover(transfer, actor))
    if not reason.strip():
        raise Invalid(_("Give the reason in writing (请写明理由)."))
    transfer.handover_override_reason = reason.strip()
    transfer.handover_override_by = actor
    transfer.save(update_fields=["handover_override_reason", "handover_override_by", "updated_at"])
    audit_record(action="personnel.handover_override", actor=actor, obj=transfer, detail=reason.strip(),
                 after={"open_items": [i.label for i in handover_open_items(transfer)]})
    return transfer


def _check_handover(transfer: Transfer) -> None:
    handover_generate(transfer=transfer)
    open_items = handover_open_items(transfer)
    if open_items and not transfer.handover_override_reason:
        raise HandoverOpen(open_items)
