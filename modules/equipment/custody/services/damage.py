"""Damage incidents and the apportionment of their cost among the people responsible (赔偿分摊)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from modules.equipment.models import Device, Place
from zhengtong.audit.services import audit_record
from zhengtong.core.errors import Invalid, audited_refusal
from zhengtong.core.updates import model_update

from ..apportion import ShareError, apportion, check_shares
from ..models import (
    DamageIncident,
    DamageShare,
)
from .guards import (
    _holder_check,
    _name,
    _require,
    check,
    damage_change_refusal,
    damage_payment_refusal,
)


# ============================================================================ damage incidents
@audited_refusal("equipment.damage.create", object_type="equipment_custody.DamageIncident")
@transaction.atomic
def damage_incident_create(*, actor, title: str, occurred_on: date, kind: str, cost: Decimal, description: str = "",
                           device: Device | None = None, place: Place | None = None) -> DamageIncident:
    _require(actor, "equipment_custody.add_damageincident",
             _("You may not record damage incidents (您无权登记损坏事件)."))
    incident = DamageIncident(title=title, description=description, occurred_on=occurred_on, kind=kind, cost=cost,
                              device=device, place=place or (device.place if device is not None else None),
                              created_by=actor)
    incident.full_clean()
    incident.save()
    audit_record(action="equipment.damage.create", actor=actor, obj=incident,
                 after={"title": title, "kind": kind, "cost": cost})
    return incident


INCIDENT_FIELDS = ("title", "description", "occurred_on", "kind", "cost", "device", "place")


@audited_refusal("equipment.damage.update", object_type="equipment_custody.DamageIncident")
@transaction.atomic
def damage_incident_update(*, actor, incident: DamageIncident | int, **changes) -> DamageIncident:
    incident = DamageIncident.objects.select_for_update().get(pk=getattr(incident, "pk", incident))
    check(damage_change_refusal(incident, actor))
    if set(changes) - set(INCIDENT_FIELDS):
        raise TypeError(f"unknown fields: {sorted(set(changes) - set(INCIDENT_FIELDS))}")
    incident, _changed = model_update(instance=incident, data=changes, fields=INCIDENT_FIELDS, actor=actor,
                                      action="equipment.damage.update")
    if incident.kind == DamageIncident.Kind.WEAR:
        incident.shares.all().delete()  # normal wear charges nobody
    elif "cost" in changes:
        _amounts_recompute(incident)
    return incident


def _amounts_recompute(incident: DamageIncident) -> None:
    shares = list(incident.shares.order_by("position", "id"))
    if not shares:
        return
    try:
        amounts = apportion(incident.cost, [s.share for s in shares])
    except ShareError as exc:
        raise Invalid(str(exc)) from exc
    for share, amount in zip(shares, amounts, strict=True):  # one amount per share
        if share.amount != amount:
            share.amount = amount
            share.save(update_fields=["amount"])


@audited_refusal("equipment.damage.shares", object_type="equipment_custody.DamageIncident")
@transaction.atomic
def damage_shares_set(*, actor, incident: DamageIncident | int,
                      shares: Sequence[tuple[object, Decimal]]) -> list[DamageShare]:
    """Set who is responsible and their share (percent, 2 decimals, adding up to exactly
    100 %); each person's amount is the cost split to the fen by the largest-remainder method
    (apportion.py), so the amounts add up to exactly the cost."""
    incident = DamageIncident.objects.select_for_update().get(pk=getattr(incident, "pk", incident))
    check(damage_change_refusal(incident, actor))
    if incident.kind == DamageIncident.Kind.WEAR:
        if shares:
            raise Invalid(_("Normal wear charges nobody: no responsibility shares can be set "
                                    "(正常损耗不需赔偿，不能设定责任比例)."))
        return []
    people = [p for p, _s in shares]
    if len({p.pk for p in people}) != len(people):
        raise Invalid(_("Each person may appear only once (每位责任人只能出现一次)."))
    for person in people:
        _holder_check(person)
    values = [s for _p, s in shares]
    try:
        amounts = apportion(incident.cost, values)
    except ShareError as exc:
        raise Invalid(str(exc), code="shares") from exc
    before = [(_name(s.person), str(s.share), str(s.amount)) for s in incident.shares.select_related("person")]
    incident.shares.all().delete()
    rows = [DamageShare.objects.create(incident=incident, person=p, position=n, share=s, amount=a)
            for n, (p, s, a) in enumerate(zip(people, values, amounts, strict=True))]
    audit_record(action="equipment.damage.shares", actor=actor, obj=incident, before={"shares": before},
                 after={"shares": [(_name(r.person), str(r.share), str(r.amount)) for r in rows]})
    return rows


def damage_check_submittable(incident: DamageIncident) -> None:
    if incident.kind == DamageIncident.Kind.WEAR:
        return
    shares = list(incident.shares.order_by("position", "id"))
    try:
        check_shares([s.share for s in shares])
    except ShareError as exc:
        raise Invalid(str(exc), code="shares") from exc
    if sum((s.amount for s in shares), Decimal("0")) != incident.cost:
        raise Invalid(_("The amounts do not add up to the cost; set the shares again "
                                "(各人金额合计与损失金额不符，请重新设定责任比例)."))


@transaction.atomic
def damage_status_set(*, incident_id: int, status: str, actor, approval_ref: str) -> DamageIncident:
    """Called by the approval engine (approvals.py) inside its transaction: the approval is the
    authority, so no module permission is checked (the approver is the unit's leadership)."""
    incident = DamageIncident.objects.select_for_update().get(pk=incident_id)
    before = incident.status
    if status == DamageIncident.Status.APPROVED and not incident.shares.filter(amount__gt=0).exists():
        status = DamageIncident.Status.SETTLED  # wear, or nothing to pay: nothing is due
    if before == status:
        return incident
    incident.status = status
    incident.save(update_fields=["status", "updated_at"])
    audit_record(action="equipment.damage.status", actor=actor, obj=incident, before={"status": before},
                 after={"status": status}, detail=approval_ref)
    return incident


@audited_refusal("equipment.damage.payment", object_type="equipment_custody.DamageIncident")
@transaction.atomic
def damage_payment_record(*, actor, share: DamageShare | int, paid_on: date, note: str = "") -> DamageShare:
    share = (DamageShare.objects.select_for_update().select_related("incident", "person")
             .get(pk=getattr(share, "pk", share)))
    incident = DamageIncident.objects.select_for_update().get(pk=share.incident_id)
    check(damage_payment_refusal(incident, actor, share))
    share.paid_on, share.payment_note, share.payment_recorded_by = paid_on, note[:200], actor
    share.save(update_fields=["paid_on", "payment_note", "payment_recorded_by"])
    audit_record(action="equipment.damage.payment", actor=actor, obj=incident,
                 after={"person": _name(share.person), "amount": share.amount, "paid_on": paid_on, "note": note})
    if not incident.shares.filter(paid_on__isnull=True, amount__gt=0).exists():
        incident.status = DamageIncident.Status.SETTLED
        incident.save(update_fields=["status", "updated_at"])
        audit_record(action="equipment.damage.status", actor=actor, obj=incident,
                     before={"status": DamageIncident.Status.APPROVED}, after={"status": incident.status})
    return share


