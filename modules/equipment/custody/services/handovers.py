"""Hand-over when a person leaves a post: everything they hold goes to a named new holder, who confirms
receipt themselves."""
from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from modules.equipment.models import Device, Place
from modules.equipment.selectors import devices_held_by, places_responsible_for
from zhengtong.audit.services import audit_record
from zhengtong.core.errors import Invalid, audited_refusal

from ..models import (
    CustodyItem,
    CustodyMovement,
    HandoverItem,
    HandoverTask,
)
from .guards import _holder_check, _name, _require, check, handover_item_refusal, handover_task_refusal
from .register import custody_transfer


# ============================================================================ hand-over
def held_by(*, user_id: int) -> list[tuple[str, int, str]]:
    """(kind, id, label) of everything ``user_id`` holds in the equipment module: keys and
    credentials, devices in custody, places where they are responsible or a deputy."""
    held: list[tuple[str, int, str]] = []
    for item in CustodyItem.objects.filter(holder_id=user_id, status=CustodyItem.Status.HELD).select_related("place"):
        target = f"（{item.target}）" if item.target else ""
        held.append((HandoverItem.Kind.KEY, item.pk, f"{item.get_kind_display()}：{item.name}{target} ×{item.count}"))
    for device in devices_held_by(user_id=user_id):
        where = f"，{device.place}" if device.place_id else ""
        serial = f" {device.serial}" if device.serial else ""
        held.append((HandoverItem.Kind.DEVICE, device.pk, f"{_('Device')}：{device.name}{serial}{where}"))
    for place in places_responsible_for(user_id=user_id):
        if place.responsible_id == user_id:
            held.append((HandoverItem.Kind.PLACE, place.pk, f"{_('Responsible for')}：{place.name}"))
        else:
            held.append((HandoverItem.Kind.PLACE_DEPUTY, place.pk, f"{_('Deputy for')}：{place.name}"))
    return held


def _still_held(item: HandoverItem, user_id: int) -> bool:
    if item.kind == HandoverItem.Kind.KEY:
        return CustodyItem.objects.filter(pk=item.ref, holder_id=user_id, status=CustodyItem.Status.HELD).exists()
    if item.kind == HandoverItem.Kind.DEVICE:
        return Device.objects.filter(pk=item.ref, custodian_id=user_id).exists()
    if item.kind == HandoverItem.Kind.PLACE:
        return Place.objects.filter(pk=item.ref, responsible_id=user_id).exists()
    return Place.objects.filter(pk=item.ref, deputies__id=user_id).exists()


def _sync_items(task: HandoverTask) -> int:
    """Add what the person holds now and is not listed yet; set aside listed items that are no
    longer theirs (moved by someone else meanwhile) so they do not block closing. Returns how
    many items were added."""
    held = held_by(user_id=task.person_id)
    listed = {(i.kind, i.ref): i for i in task.items.all()}
    added = 0
    for kind, ref, label in held:
        existing = listed.get((kind, ref))
        if existing is None:
            HandoverItem.objects.create(task=task, kind=kind, ref=ref, label=label[:300])
            added += 1
        elif existing.dropped_note:  # came back to the person: it needs handing over again
            existing.dropped_note = ""
            existing.save(update_fields=["dropped_note"])
    now_held = {(k, r) for k, r, _l in held}
    for key, item in listed.items():
        if item.confirmed_at is None and not item.dropped_note and key not in now_held:
            item.dropped_note = "no longer held"
            item.save(update_fields=["dropped_note"])
    return added


@audited_refusal("equipment.handover.start", object_type="equipment_custody.HandoverTask")
@transaction.atomic
def handover_start(*, actor, person, reason: str = "", effective_date: date | None = None,
                   source: str = HandoverTask.Source.MANUAL, personnel_person_id: int | None = None,
                   person_name: str = "") -> HandoverTask:
    """Open the hand-over task of a person leaving a post (or add to their open one).

    ``actor`` is None when personnel's PERSON_LEAVING_POST event starts it: that event runs
    inside personnel's own (authorised, audited) transaction, so no permission is checked here.
    """
    if source == HandoverTask.Source.MANUAL:
        _require(actor, "equipment_custody.add_handovertask",
                 _("You may not start hand-over tasks (您无权发起移交任务)."))
    # One open task per person (partial unique index); lock it so two events do not race.
    task = HandoverTask.objects.select_for_update().filter(person=person, status=HandoverTask.Status.OPEN).first()
    created = task is None
    if created:
        task = HandoverTask.objects.create(
            person=person, person_name=(person_name or _name(person))[:100], personnel_person_id=personnel_person_id,
            reason=reason[:200], effective_date=effective_date, source=source, started_by=actor)
    added = _sync_items(task)
    audit_record(action="equipment.handover.start" if created else "equipment.handover.refresh", actor=actor,
                 obj=task, after={"person": task.person_name, "reason": reason, "source": source,
                                  "items_added": added})
    if created and source == HandoverTask.Source.EVENT:
        _tell_keepers(task)
    return task


def _tell_keepers(task: HandoverTask) -> None:
    """A task opened by personnel's event: the information centre and the custody officers
    name the new holders, so they are told (inbox now, e-mail after personnel's commit)."""
    from django.urls import reverse

    from zhengtong.approvals.people import holder_ids
    from zhengtong.notifications.services import notify

    from ..declarations import CUSTODY_OFFICER, MANAGER

    keepers = holder_ids(MANAGER) | holder_ids(CUSTODY_OFFICER)
    count = task.items.count()
    notify(recipients=keepers, kind="module_warning",
           title=f"离岗移交待办理：{task.person_name}（{count} 项）"[:200],
           title_en=f"Hand-over to arrange: {task.person_name} ({count} items)"[:200],
           body="请为每一项指定接收人，由接收人本人确认接收后完成移交。",
           body_en="Name a new holder for each item; the task closes once each of them confirms receipt.",
           url=reverse("equipment:handover_detail", args=[task.pk], urlconf="zhengtong.urls_tenant"),
           dedupe_key=f"equipment.handover.task.{task.pk}")


def on_person_leaving_post(*, user_id: int | None = None, person_id: int | None = None, person_name: str = "",
                           reason: str = "", effective_date: date | None = None, **_payload) -> HandoverTask | None:
    """Handler of zhengtong.registry.handover.PERSON_LEAVING_POST (registered in the manifest).

    Runs in personnel's transaction in the unit's schema. A person without a login holds
    nothing here (holders are users), and a person who holds nothing needs no task.
    """
    if user_id is None:
        return None
    from zhengtong.accounts.models import User

    person = User.objects.filter(pk=user_id).first()
    if person is None or not held_by(user_id=user_id):
        return None
    return handover_start(actor=None, person=person, reason=reason, effective_date=effective_date,
                          source=HandoverTask.Source.EVENT, personnel_person_id=person_id, person_name=person_name)


@audited_refusal("equipment.handover.refresh", object_type="equipment_custody.HandoverTask")
@transaction.atomic
def handover_refresh(*, actor, task: HandoverTask | int) -> HandoverTask:
    task = HandoverTask.objects.select_for_update().get(pk=getattr(task, "pk", task))
    check(handover_task_refusal(task, actor, "refresh"))
    added = _sync_items(task)
    audit_record(action="equipment.handover.refresh", actor=actor, obj=task, after={"items_added": added})
    return task


@audited_refusal("equipment.handover.assign", object_type="equipment_custody.HandoverTask")
@transaction.atomic
def handover_assign(*, actor, item: HandoverItem | int, new_holder) -> HandoverItem:
    """Name who takes over an item. They must then confirm receipt themselves."""
    item = HandoverItem.objects.select_for_update().select_related("task").get(pk=getattr(item, "pk", item))
    check(handover_item_refusal(item, actor, "assign"))
    if new_holder is None or new_holder.pk == item.task.person_id:
        raise Invalid(_("The new holder must be someone other than the person leaving "
                                "(接收人不能是移交人本人)."))
    _holder_check(new_holder)
    before = _name(item.new_holder) if item.new_holder_id else None
    item.new_holder, item.assigned_by, item.assigned_at = new_holder, actor, timezone.now()
    item.save(update_fields=["new_holder", "assigned_by", "assigned_at"])
    audit_record(action="equipment.handover.assign", actor=actor, obj=item.task, before={"new_holder": before},
                 after={"item": item.label, "new_holder": _name(new_holder)})
    from django.urls import reverse

    from zhengtong.notifications.services import notify

    notify(recipients=[new_holder], kind="module_warning",
           title=f"请确认接收移交：{item.label}"[:200], title_en=f"Please confirm receipt: {item.label}"[:200],
           body=f"{item.task.person_name} 离岗移交，请登录后确认已接收。",
           body_en=f"{item.task.person_name} is leaving the post; sign in and confirm you received it.",
           url=reverse("equipment:handover_detail", args=[item.task_id], urlconf="zhengtong.urls_tenant"),
           dedupe_key=f"equipment.handover.{item.pk}.{new_holder.pk}")
    return item


def _device_custodian_set(*, device_id: int, from_user_id: int, to_user) -> None:
    device = Device.objects.select_for_update().get(pk=device_id)
    if device.custodian_id != from_user_id:
        raise Invalid(_("This device is no longer in the leaving person's custody; ask the manager to "
                                "refresh the task (该设备已不由移交人保管，请管理员刷新移交任务)."))
    device.custodian = to_user
    device.save(update_fields=["custodian", "updated_at"])


def _place_responsible_set(*, place_id: int, from_user_id: int, to_user) -> None:
    place = Place.objects.select_for_update().get(pk=place_id)
    if place.responsible_id != from_user_id:
        raise Invalid(_("The leaving person is no longer responsible for this place; ask the manager to "
                                "refresh the task (移交人已不是该场所责任人，请管理员刷新移交任务)."))
    place.responsible = to_user
    place.save(update_fields=["responsible", "updated_at"])
    place.deputies.remove(to_user)  # the new responsible person is no longer also a deputy


def _place_deputy_replace(*, place_id: int, from_user_id: int, to_user) -> None:
    place = Place.objects.select_for_update().get(pk=place_id)
    if not place.deputies.filter(pk=from_user_id).exists():
        raise Invalid(_("The leaving person is no longer a deputy of this place; ask the manager to "
                                "refresh the task (移交人已不是该场所副责任人，请管理员刷新移交任务)."))
    place.deputies.remove(from_user_id)
    if place.responsible_id != to_user.pk:
        place.deputies.add(to_user)


# No audited_refusal here: the trail's equipment.handover.confirm events are the receipts themselves,
# one per item received, and are read (and counted) as such.
@transaction.atomic
def handover_confirm(*, actor, item: HandoverItem | int) -> HandoverItem:
    """The new holder confirms they received the item; custody or responsibility moves to them."""
    item = HandoverItem.objects.select_for_update().select_related("task").get(pk=getattr(item, "pk", item))
    task = item.task
    check(handover_item_refusal(item, actor, "confirm"))
    if item.kind == HandoverItem.Kind.KEY:
        key = CustodyItem.objects.select_for_update().get(pk=item.ref)
        if key.holder_id != task.person_id or key.status != CustodyItem.Status.HELD:
            raise Invalid(_("This key is no longer held by the person leaving; ask the manager to refresh "
                                    "the task (该钥匙已不由移交人保管，请管理员刷新移交任务)."))
        custody_transfer(actor=actor, item=key, to_holder=actor, action=CustodyMovement.Action.HANDOVER,
                         note=f"{task.person_name} → {_name(actor)}", check_permission=False)
    elif item.kind == HandoverItem.Kind.DEVICE:
        _device_custodian_set(device_id=item.ref, from_user_id=task.person_id, to_user=actor)
    elif item.kind == HandoverItem.Kind.PLACE:
        _place_responsible_set(place_id=item.ref, from_user_id=task.person_id, to_user=actor)
    else:
        _place_deputy_replace(place_id=item.ref, from_user_id=task.person_id, to_user=actor)
    item.confirmed_at = timezone.now()
    item.save(update_fields=["confirmed_at"])
    audit_record(action="equipment.handover.confirm", actor=actor, obj=task,
                 after={"item": item.label, "kind": item.kind, "ref": item.ref, "from": task.person_name,
                        "to": _name(actor)})
    return item


def handover_reminders(*, today: date | None = None) -> int:
    """Daily: remind each named new holder of the items still waiting for their confirmation,
    and the keepers of hand-overs whose effective date has passed with items open. Once per
    person, task and day (dedupe keys), so a re-run of the job tells nobody twice."""
    from django.urls import reverse

    from zhengtong.approvals.people import holder_ids
    from zhengtong.notifications.services import notify

    from ..declarations import CUSTODY_OFFICER, MANAGER

    today = today or timezone.localdate()
    sent = 0
    for task in HandoverTask.objects.filter(status=HandoverTask.Status.OPEN).order_by("pk"):
        url = reverse("equipment:handover_detail", args=[task.pk], urlconf="zhengtong.urls_tenant")
        waiting = open_items(task)
        by_holder: dict[int, list[str]] = {}
        for item in waiting:
            if item.new_holder_id:
                by_holder.setdefault(item.new_holder_id, []).append(item.label)
        for holder_id, labels in by_holder.items():
            sent += len(notify(
                recipients=[holder_id], kind="deadline_approaching",
                title=f"请确认接收 {task.person_name} 移交的 {len(labels)} 项"[:200],
                title_en=f"Please confirm receipt of {len(labels)} item(s) from {task.person_name}"[:200],
                body="；".join(labels), body_en="; ".join(labels), url=url,
                dedupe_key=f"equipment.handover.remind.{task.pk}.{holder_id}.{today:%Y%m%d}"))
        if waiting and task.effective_date and task.effective_date < today:
            sent += len(notify(
                recipients=holder_ids(MANAGER) | holder_ids(CUSTODY_OFFICER), kind="deadline_overdue",
                title=f"离岗移交逾期未完成：{task.person_name}（{len(waiting)} 项未确认）"[:200],
                title_en=f"Hand-over overdue: {task.person_name} ({len(waiting)} items not confirmed)"[:200],
                body=f"生效日期 {task.effective_date:%Y-%m-%d}", body_en=f"Effective {task.effective_date:%Y-%m-%d}",
                url=url, dedupe_key=f"equipment.handover.overdue.{task.pk}.{today:%Y%m%d}"))
    return sent


def open_items(task: HandoverTask) -> list[HandoverItem]:
    return [i for i in task.items.select_related("new_holder") if i.is_open]


@audited_refusal("equipment.handover.close", object_type="equipment_custody.HandoverTask")
@transaction.atomic
def handover_close(*, actor, task: HandoverTask | int) -> HandoverTask:
    """Close the task. Refused while any item has not been confirmed by its new holder."""
    task = HandoverTask.objects.select_for_update().get(pk=getattr(task, "pk", task))
    check(handover_task_refusal(task, actor, "close"))
    waiting = open_items(task)
    if waiting:
        listing = "；".join(
            f"{i.label}（{_name(i.new_holder) + ' 未确认' if i.new_holder_id else '未指定接收人'}）" for i in waiting)
        listing_en = "; ".join(
            f"{i.label} ({'not confirmed by ' + _name(i.new_holder) if i.new_holder_id else 'no new holder named'})"
            for i in waiting)
        # Both languages in one message (the items' labels are in the unit's language anyway).
        raise Invalid(
            f"以下 {len(waiting)} 项尚未由接收人确认，不能关闭移交任务：{listing} / The hand-over cannot be closed: "
            f"{len(waiting)} item(s) have not been confirmed by their new holder: {listing_en}", code="open_items")
    task.status, task.closed_at, task.closed_by = HandoverTask.Status.CLOSED, timezone.now(), actor
    task.save(update_fields=["status", "closed_at", "closed_by"])
    audit_record(action="equipment.handover.close", actor=actor, obj=task,
                 after={"items": task.items.filter(confirmed_at__isnull=False).count()})
    return task


