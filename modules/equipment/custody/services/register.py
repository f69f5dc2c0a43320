"""The custody register: keys, cards and accounts, and who holds each (never the secret itself)."""
from __future__ import annotations

import re
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from modules.equipment.models import Place
from zhengtong.audit.services import audit_record
from zhengtong.core.errors import Invalid, audited_refusal

from ..models import (
    CustodyItem,
    CustodyMovement,
)
from .guards import _holder_check, _name, _require, check, custody_move_refusal

# ============================================================================ custody register
# Text that looks like a secret being typed in ("密码：abc123", "password=…", "PIN 1234").
# The register must never hold one, so such text is refused rather than stored.
_SECRET_LIKE = re.compile(r"(密码|口令|pin|password|passwd|pwd)\s*(是|为|[:：=])\s*\S", re.IGNORECASE)


def _no_secrets(**texts: str) -> None:
    for field, text in texts.items():
        if text and _SECRET_LIKE.search(text):
            raise Invalid({field: _(
                "Do not type the password or PIN here: the register records who keeps a credential, never the "
                "secret itself (请勿在此填写密码或口令：本登记簿只记录由谁保管，不保存密码本身).")})


def _movement(item: CustodyItem, *, action: str, actor, from_holder, to_holder, on: date, note: str = "") -> None:
    CustodyMovement.objects.create(item=item, action=action, from_holder=from_holder, to_holder=to_holder, on=on,
                                   note=note, by=actor)
    audit_record(action=f"equipment.custody.{action}", actor=actor, obj=item,
                 before={"holder": _name(from_holder) if from_holder else None},
                 after={"holder": _name(to_holder) if to_holder else None, "status": item.status}, detail=note)


@audited_refusal("equipment.custody.register", object_type="equipment_custody.CustodyItem")
@transaction.atomic
def custody_item_register(*, actor, kind: str, name: str, place: Place | None = None, system: str = "",
                          count: int = 1, holder=None, held_since: date | None = None, notes: str = "") -> CustodyItem:
    _require(actor, "equipment_custody.add_custodyitem",
             _("You may not register keys or credentials (您无权登记钥匙或账号)."))
    _no_secrets(name=name, system=system, notes=notes)
    if holder is not None:
        _holder_check(holder)
    item = CustodyItem(kind=kind, name=name, place=place, system=system, count=count, holder=holder, notes=notes,
                       status=CustodyItem.Status.HELD if holder else CustodyItem.Status.IN_STORE,
                       held_since=(held_since or timezone.localdate()) if holder else None)
    item.full_clean()
    item.save()
    _movement(item, action=CustodyMovement.Action.REGISTER, actor=actor, from_holder=None, to_holder=holder,
              on=item.held_since or timezone.localdate(), note=notes)
    return item


def _locked_item(item: CustodyItem | int) -> CustodyItem:
    return CustodyItem.objects.select_for_update().get(pk=getattr(item, "pk", item))


@audited_refusal("equipment.custody.issue", object_type="equipment_custody.CustodyItem")
@transaction.atomic
def custody_issue(*, actor, item: CustodyItem | int, to_holder, on: date | None = None, note: str = "") -> CustodyItem:
    """From the key store to a person."""
    item = _locked_item(item)
    check(custody_move_refusal(item, actor, "issue"))
    _no_secrets(note=note)
    _holder_check(to_holder)
    item.holder, item.held_since, item.status = to_holder, on or timezone.localdate(), CustodyItem.Status.HELD
    item.save(update_fields=["holder", "held_since", "status", "updated_at"])
    _movement(item, action=CustodyMovement.Action.ISSUE, actor=actor, from_holder=None, to_holder=to_holder,
              on=item.held_since, note=note)
    return item


@audited_refusal("equipment.custody.return", object_type="equipment_custody.CustodyItem")
@transaction.atomic
def custody_return(*, actor, item: CustodyItem | int, on: date | None = None, note: str = "") -> CustodyItem:
    """From a person back to the key store."""
    return _take_back(actor=actor, item=item, move=CustodyMovement.Action.RETURN, status=CustodyItem.Status.IN_STORE,
                      on=on, note=note)


def _take_back(*, actor, item: CustodyItem | int, move: str, status: str, on: date | None, note: str) -> CustodyItem:
    """The item leaves its holder: back to the store (``return``) or out of use (``retire``)."""
    item = _locked_item(item)
    check(custody_move_refusal(item, actor, move))
    _no_secrets(note=note)
    previous = item.holder
    item.holder, item.held_since, item.status = None, None, status
    item.save(update_fields=["holder", "held_since", "status", "updated_at"])
    _movement(item, action=move, actor=actor, from_holder=previous, to_holder=None, on=on or timezone.localdate(),
              note=note)
    return item


@audited_refusal("equipment.custody.transfer", object_type="equipment_custody.CustodyItem")
@transaction.atomic
def custody_transfer(*, actor, item: CustodyItem | int, to_holder, on: date | None = None, note: str = "",
                     action: str = CustodyMovement.Action.TRANSFER, check_permission: bool = True) -> CustodyItem:
    """From one person to another."""
    item = _locked_item(item)
    check(custody_move_refusal(item, actor, "transfer", check_permission=check_permission))
    _no_secrets(note=note)
    _holder_check(to_holder)
    if item.holder_id == to_holder.pk:
        raise Invalid(_("%(name)s already holds this item (该物品已由其保管).") % {"name": _name(to_holder)})
    previous = item.holder
    item.holder, item.held_since = to_holder, on or timezone.localdate()
    item.save(update_fields=["holder", "held_since", "updated_at"])
    _movement(item, action=action, actor=actor, from_holder=previous, to_holder=to_holder, on=item.held_since,
              note=note)
    return item


@audited_refusal("equipment.custody.retire", object_type="equipment_custody.CustodyItem")
@transaction.atomic
def custody_retire(*, actor, item: CustodyItem | int, on: date | None = None, note: str = "") -> CustodyItem:
    """Lost, destroyed, or the password was changed and the old credential withdrawn."""
    return _take_back(actor=actor, item=item, move=CustodyMovement.Action.RETIRE, status=CustodyItem.Status.RETIRED,
                      on=on, note=note)


