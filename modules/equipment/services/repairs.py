"""Faults and repairs: anyone who may see a device reports a fault; technicians move the ticket."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengtong.approvals.people import holder_ids
from zhengtong.audit.services import audit_record
from zhengtong.core.errors import Invalid, audited_refusal
from zhengtong.core.updates import snapshot
from zhengtong.notifications.services import notify

from ..manifest import MANAGER, TECHNICIAN
from ..models import (
    Device,
    LogbookEntry,
    Place,
    RepairTicket,
)
from .guards import (
    D,
    T,
    _require_visible_device,
    check,
    fault_report_refusal,
    rules,
    ticket_move_refusal,
)

# ----------------------------------------------------------------------------- faults and repairs
TICKET_FIELDS = ("status", "technician_id", "cost", "resolution", "closed_at")

def _place_people(place_id: int | None) -> set[int]:
    if place_id is None:
        return set()
    place = Place.objects.get(pk=place_id)
    return {place.responsible_id, *place.deputies.values_list("pk", flat=True)}


@audited_refusal("equipment.fault.report", obj_arg="device")
@transaction.atomic
def fault_report(*, actor, device: Device, symptom: str, photo=None) -> RepairTicket:
    """Anyone who may see a device reports a fault (报修). Repeat faults are flagged by rule."""
    from zhengtong.core.permissions import grant

    symptom = (symptom or "").strip()
    if not symptom:
        raise Invalid(_("Describe the fault."), code="symptom")
    _require_visible_device(actor, device)
    device = Device.objects.select_for_update().get(pk=device.pk)  # serialises the repeat count per device
    check(fault_report_refusal(device))
    ticket = RepairTicket.objects.create(device=device, reported_by=actor, symptom=symptom)
    # The reporter follows their ticket and may add photos (change = attach files); moving its
    # status is reserved to technicians by role (ticket_transition), not by this permission.
    grant("equipment.view_repairticket", actor, ticket)
    grant("equipment.change_repairticket", actor, ticket)
    r = rules()
    since = timezone.now() - timedelta(days=r["repeat_fault_days"])
    recent = RepairTicket.objects.filter(device=device, reported_at__gte=since).count()
    if recent >= r["repeat_fault_count"]:
        ticket.repeat_fault = True
        ticket.save(update_fields=["repeat_fault"])
        notify(recipients=holder_ids(MANAGER) | holder_ids(TECHNICIAN), kind="module_warning",
               title=f"重复故障：{device.name} 在 {r['repeat_fault_days']} 天内报修 {recent} 次",
               title_en=f"Repeat fault: {device.name} reported {recent} times in {r['repeat_fault_days']} days",
               url=f"/m/equipment/repairs/{ticket.pk}/",
               dedupe_key=f"equipment.repeat.{connection.schema_name}.{ticket.pk}")
    audit_record(action="equipment.fault.report", actor=actor, obj=ticket,
                 after={"device": device.pk, "symptom": symptom[:500], "repeat_fault": ticket.repeat_fault})
    if photo is not None:
        from zhengtong.files.services import attachment_add

        from ..attachments import FAULT_PHOTO

        attachment_add(actor=actor, owner=ticket, use=FAULT_PHOTO, upload=photo)
    # The essays: a fault is reported to the device's responsible person (负责人) and repaired by
    # the technicians — both hear of it.
    told = holder_ids(TECHNICIAN) | {device.custodian_id} | _place_people(device.place_id)
    told -= {actor.pk, None}
    if told:
        notify(recipients=told, kind="module_warning", title=f"新报修：{device.name}",
               title_en=f"New fault report: {device.name}", body=symptom[:500], body_en=symptom[:500],
               url=f"/m/equipment/repairs/{ticket.pk}/", email=False)
    return ticket


def _close_checkout_for_repair(*, device: Device, ticket: RepairTicket) -> None:
    entry = (LogbookEntry.objects.select_for_update()
             .filter(device=device, kind=LogbookEntry.Kind.CHECKOUT, ended_at__isnull=True).first())
    if entry is not None:
        entry.ended_at = timezone.now()
        entry.condition = LogbookEntry.Condition.PROBLEM
        entry.condition_note = f"交修（报修单 {ticket.pk}）/ Handed in for repair (ticket {ticket.pk})"
        entry.save(update_fields=["ended_at", "condition", "condition_note"])


@audited_refusal("equipment.ticket.transition", obj_arg="ticket")
def ticket_transition(*, actor, ticket: RepairTicket, status: str, technician=None, cost: Decimal | None = None,
                      resolution: str | None = None) -> RepairTicket:
    """Move a repair ticket along. Only holders of the technician role may ("由专人维修")."""
    with transaction.atomic():
        ticket = RepairTicket.objects.select_for_update(of=("self",)).select_related("device").get(pk=ticket.pk)
        check(ticket_move_refusal(ticket, actor, status))
        if cost is not None and cost < 0:
            raise Invalid(_("The cost cannot be negative."), code="cost")
        before = snapshot(ticket, TICKET_FIELDS)
        ticket.status = status
        if status == T.ASSIGNED:
            ticket.technician = technician or ticket.technician or actor
        elif ticket.technician_id is None:
            ticket.technician = actor
        if cost is not None:
            ticket.cost = Decimal(cost).quantize(Decimal("0.01"))
        if resolution is not None:
            ticket.resolution = resolution
        device = Device.objects.select_for_update().get(pk=ticket.device_id)
        if status in (T.IN_REPAIR, T.WAITING_PARTS) and device.status not in (D.IN_REPAIR, D.SCRAPPED):
            if device.status == D.CHECKED_OUT:
                # The borrower hands the device in for repair: that ends the check-out, so after
                # the repair it is available again (not silently back with the old borrower).
                _close_checkout_for_repair(device=device, ticket=ticket)
                ticket.device_status_before = D.AVAILABLE
            else:
                ticket.device_status_before = device.status
            device.status = D.IN_REPAIR
        elif status == T.FIXED:
            ticket.closed_at = timezone.now()
            if device.status == D.IN_REPAIR:
                device.status = ticket.device_status_before or D.AVAILABLE
        elif status == T.SCRAPPED:
            ticket.closed_at = timezone.now()
            device.status = D.SCRAPPED
        device.save(update_fields=["status", "updated_at"])
        ticket.full_clean()
        ticket.save()
        after = snapshot(ticket, TICKET_FIELDS)
        audit_record(action="equipment.ticket.transition", actor=actor, obj=ticket,
                     before={k: before[k] for k in after if after[k] != before[k]},
                     after={k: after[k] for k in after if after[k] != before[k]})
        if status == T.ASSIGNED and ticket.technician_id not in (None, actor.pk):
            notify(recipients=[ticket.technician_id], kind="module_warning",
                   title=f"报修单已分配给您：{ticket.device.name}",
                   title_en=f"Repair ticket assigned to you: {ticket.device.name}", body=ticket.symptom[:500],
                   body_en=ticket.symptom[:500], url=f"/m/equipment/repairs/{ticket.pk}/")
        if status in (T.FIXED, T.SCRAPPED) and ticket.reported_by_id != actor.pk:
            notify(recipients=[ticket.reported_by_id], kind="request_decided",
                   title=f"报修已处理：{ticket.device.name}（{T(status).label}）",
                   title_en=f"Repair closed: {ticket.device.name} ({status})",
                   url=f"/m/equipment/repairs/{ticket.pk}/", email=False)
        return ticket


