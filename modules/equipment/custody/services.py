"""Every write of the custody sub-app: keyword-only, atomic, audited.

Errors meant for people carry Chinese and English. Rows are also audited by database
triggers (apps.py ``track_changes``); the explicit ``audit_record`` calls say *what* was done
(issued, handed over, confirmed…) in the domain's words.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from modules.equipment.models import Device, Place
from modules.equipment.selectors import devices_held_by, places_responsible_for
from zhengtong.audit.services import audit_record

from .apportion import ShareError, apportion, check_shares
from .models import (
    CustodyItem,
    CustodyMovement,
    DamageIncident,
    DamageShare,
    Evaluation,
    EvaluationItem,
    EvaluationScore,
    HandoverItem,
    HandoverTask,
    Semester,
)
from .roles import is_module_admin
from .scoring import percent

DAMAGE_APPROVAL = "equipment.damage"


def _member_here(user) -> bool:
    """Does ``user`` belong to the unit whose schema is active? (per-unit permissions row)"""
    from tenant_users.permissions.models import UserTenantPermissions

    return bool(user and user.is_active and UserTenantPermissions.objects.filter(profile_id=user.pk).exists())


def _require(actor, perm: str, message: str) -> None:
    if actor is None or not actor.is_authenticated or not actor.has_perm(perm):
        raise PermissionDenied(message)


def _name(user) -> str:
    return (user.get_short_name() or user.email) if user is not None else "—"


# ============================================================================ custody register
# Text that looks like a secret being typed in ("密码：abc123", "password=…", "PIN 1234").
# The register must never hold one, so such text is refused rather than stored.
_SECRET_LIKE = re.compile(r"(密码|口令|pin|password|passwd|pwd)\s*(是|为|[:：=])\s*\S", re.IGNORECASE)


def _no_secrets(**texts: str) -> None:
    for field, text in texts.items():
        if text and _SECRET_LIKE.search(text):
            raise ValidationError({field: _(
                "Do not type the password or PIN here: the register records who keeps a credential, never the "
                "secret itself (请勿在此填写密码或口令：本登记簿只记录由谁保管，不保存密码本身).")})


def _movement(item: CustodyItem, *, action: str, actor, from_holder, to_holder, on: date, note: str = "") -> None:
    CustodyMovement.objects.create(item=item, action=action, from_holder=from_holder, to_holder=to_holder, on=on,
                                   note=note, by=actor)
    audit_record(action=f"equipment.custody.{action}", actor=actor, obj=item,
                 before={"holder": _name(from_holder) if from_holder else None},
                 after={"holder": _name(to_holder) if to_holder else None, "status": item.status}, detail=note)


def _holder_check(person) -> None:
    if person is None or not _member_here(person):
        raise ValidationError(_("The holder must be an active member of this unit (保管人必须是本单位的在职成员)."))


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


@transaction.atomic
def custody_issue(*, actor, item: CustodyItem | int, to_holder, on: date | None = None, note: str = "") -> CustodyItem:
    """From the key store to a person."""
    _require(actor, "equipment_custody.change_custodyitem", _("You may not issue keys (您无权发放钥匙)."))
    _no_secrets(note=note)
    item = _locked_item(item)
    if item.status != CustodyItem.Status.IN_STORE:
        raise ValidationError(_("Only an item in the key store can be issued; this one is %(s)s (只有在库的物品可以发放).")
                              % {"s": item.get_status_display()})
    _holder_check(to_holder)
    item.holder, item.held_since, item.status = to_holder, on or timezone.localdate(), CustodyItem.Status.HELD
    item.save(update_fields=["holder", "held_since", "status", "updated_at"])
    _movement(item, action=CustodyMovement.Action.ISSUE, actor=actor, from_holder=None, to_holder=to_holder,
              on=item.held_since, note=note)
    return item


@transaction.atomic
def custody_return(*, actor, item: CustodyItem | int, on: date | None = None, note: str = "") -> CustodyItem:
    """From a person back to the key store."""
    _require(actor, "equipment_custody.change_custodyitem", _("You may not take back keys (您无权收回钥匙)."))
    _no_secrets(note=note)
    item = _locked_item(item)
    if item.status != CustodyItem.Status.HELD:
        raise ValidationError(_("This item is not held by anyone (该物品当前无人保管)."))
    previous = item.holder
    item.holder, item.held_since, item.status = None, None, CustodyItem.Status.IN_STORE
    item.save(update_fields=["holder", "held_since", "status", "updated_at"])
    _movement(item, action=CustodyMovement.Action.RETURN, actor=actor, from_holder=previous, to_holder=None,
              on=on or timezone.localdate(), note=note)
    return item


@transaction.atomic
def custody_transfer(*, actor, item: CustodyItem | int, to_holder, on: date | None = None, note: str = "",
                     action: str = CustodyMovement.Action.TRANSFER, check_permission: bool = True) -> CustodyItem:
    """From one person to another."""
    if check_permission:
        _require(actor, "equipment_custody.change_custodyitem", _("You may not transfer keys (您无权转交钥匙)."))
    _no_secrets(note=note)
    item = _locked_item(item)
    if item.status != CustodyItem.Status.HELD:
        raise ValidationError(_("This item is not held by anyone (该物品当前无人保管)."))
    _holder_check(to_holder)
    if item.holder_id == to_holder.pk:
        raise ValidationError(_("%(name)s already holds this item (该物品已由其保管).") % {"name": _name(to_holder)})
    previous = item.holder
    item.holder, item.held_since = to_holder, on or timezone.localdate()
    item.save(update_fields=["holder", "held_since", "updated_at"])
    _movement(item, action=action, actor=actor, from_holder=previous, to_holder=to_holder, on=item.held_since,
              note=note)
    return item


@transaction.atomic
def custody_retire(*, actor, item: CustodyItem | int, on: date | None = None, note: str = "") -> CustodyItem:
    """Lost, destroyed, or the password was changed and the old credential withdrawn."""
    _require(actor, "equipment_custody.change_custodyitem", _("You may not retire keys (您无权注销钥匙)."))
    _no_secrets(note=note)
    item = _locked_item(item)
    if item.status == CustodyItem.Status.RETIRED:
        raise ValidationError(_("This item is already retired (该物品已注销)."))
    previous = item.holder
    item.holder, item.held_since, item.status = None, None, CustodyItem.Status.RETIRED
    item.save(update_fields=["holder", "held_since", "status", "updated_at"])
    _movement(item, action=CustodyMovement.Action.RETIRE, actor=actor, from_holder=previous, to_holder=None,
              on=on or timezone.localdate(), note=note)
    return item


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

    from .roles import CUSTODY_OFFICER, MANAGER

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


@transaction.atomic
def handover_refresh(*, actor, task: HandoverTask | int) -> HandoverTask:
    _require(actor, "equipment_custody.change_handovertask", _("You may not change hand-over tasks (您无权修改移交任务)."))
    task = HandoverTask.objects.select_for_update().get(pk=getattr(task, "pk", task))
    if task.status != HandoverTask.Status.OPEN:
        raise ValidationError(_("This hand-over task is closed (该移交任务已关闭)."))
    added = _sync_items(task)
    audit_record(action="equipment.handover.refresh", actor=actor, obj=task, after={"items_added": added})
    return task


@transaction.atomic
def handover_assign(*, actor, item: HandoverItem | int, new_holder) -> HandoverItem:
    """Name who takes over an item. They must then confirm receipt themselves."""
    _require(actor, "equipment_custody.change_handovertask", _("You may not change hand-over tasks (您无权修改移交任务)."))
    item = HandoverItem.objects.select_for_update().select_related("task").get(pk=getattr(item, "pk", item))
    if item.task.status != HandoverTask.Status.OPEN:
        raise ValidationError(_("This hand-over task is closed (该移交任务已关闭)."))
    if item.confirmed_at is not None:
        raise ValidationError(_("This item has already been received (该事项已确认接收)."))
    if new_holder is None or new_holder.pk == item.task.person_id:
        raise ValidationError(_("The new holder must be someone other than the person leaving "
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
        raise ValidationError(_("This device is no longer in the leaving person's custody; ask the manager to "
                                "refresh the task (该设备已不由移交人保管，请管理员刷新移交任务)."))
    device.custodian = to_user
    device.save(update_fields=["custodian", "updated_at"])


def _place_responsible_set(*, place_id: int, from_user_id: int, to_user) -> None:
    place = Place.objects.select_for_update().get(pk=place_id)
    if place.responsible_id != from_user_id:
        raise ValidationError(_("The leaving person is no longer responsible for this place; ask the manager to "
                                "refresh the task (移交人已不是该场所责任人，请管理员刷新移交任务)."))
    place.responsible = to_user
    place.save(update_fields=["responsible", "updated_at"])
    place.deputies.remove(to_user)  # the new responsible person is no longer also a deputy


def _place_deputy_replace(*, place_id: int, from_user_id: int, to_user) -> None:
    place = Place.objects.select_for_update().get(pk=place_id)
    if not place.deputies.filter(pk=from_user_id).exists():
        raise ValidationError(_("The leaving person is no longer a deputy of this place; ask the manager to "
                                "refresh the task (移交人已不是该场所副责任人，请管理员刷新移交任务)."))
    place.deputies.remove(from_user_id)
    if place.responsible_id != to_user.pk:
        place.deputies.add(to_user)


@transaction.atomic
def handover_confirm(*, actor, item: HandoverItem | int) -> HandoverItem:
    """The new holder confirms they received the item; custody or responsibility moves to them."""
    item = HandoverItem.objects.select_for_update().select_related("task").get(pk=getattr(item, "pk", item))
    task = item.task
    if actor is None or not actor.is_authenticated or item.new_holder_id != actor.pk:
        raise PermissionDenied(_("Only the named new holder can confirm receipt (只有指定的接收人本人可以确认接收)."))
    if task.status != HandoverTask.Status.OPEN:
        raise ValidationError(_("This hand-over task is closed (该移交任务已关闭)."))
    if item.confirmed_at is not None:
        raise ValidationError(_("This item has already been received (该事项已确认接收)."))
    if item.dropped_note:
        raise ValidationError(_("This item is no longer held by the person leaving (该事项已不由移交人持有)."))
    if item.kind == HandoverItem.Kind.KEY:
        key = CustodyItem.objects.select_for_update().get(pk=item.ref)
        if key.holder_id != task.person_id or key.status != CustodyItem.Status.HELD:
            raise ValidationError(_("This key is no longer held by the person leaving; ask the manager to refresh "
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

    from .roles import CUSTODY_OFFICER, MANAGER

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


@transaction.atomic
def handover_close(*, actor, task: HandoverTask | int) -> HandoverTask:
    """Close the task. Refused while any item has not been confirmed by its new holder."""
    _require(actor, "equipment_custody.change_handovertask", _("You may not close hand-over tasks (您无权关闭移交任务)."))
    task = HandoverTask.objects.select_for_update().get(pk=getattr(task, "pk", task))
    if task.status != HandoverTask.Status.OPEN:
        raise ValidationError(_("This hand-over task is already closed (该移交任务已关闭)."))
    waiting = open_items(task)
    if waiting:
        listing = "；".join(
            f"{i.label}（{_name(i.new_holder) + ' 未确认' if i.new_holder_id else '未指定接收人'}）" for i in waiting)
        listing_en = "; ".join(
            f"{i.label} ({'not confirmed by ' + _name(i.new_holder) if i.new_holder_id else 'no new holder named'})"
            for i in waiting)
        # Both languages in one message (the items' labels are in the unit's language anyway).
        raise ValidationError(
            f"以下 {len(waiting)} 项尚未由接收人确认，不能关闭移交任务：{listing} / The hand-over cannot be closed: "
            f"{len(waiting)} item(s) have not been confirmed by their new holder: {listing_en}", code="open_items")
    task.status, task.closed_at, task.closed_by = HandoverTask.Status.CLOSED, timezone.now(), actor
    task.save(update_fields=["status", "closed_at", "closed_by"])
    audit_record(action="equipment.handover.close", actor=actor, obj=task,
                 after={"items": task.items.filter(confirmed_at__isnull=False).count()})
    return task


# ============================================================================ damage incidents
def damage_editable(incident: DamageIncident) -> bool:
    """Shares and cost can change while being established, or when the approver returned the
    request for revision (the engine then waits for a resubmission)."""
    if incident.status == DamageIncident.Status.DRAFT:
        return True
    if incident.status == DamageIncident.Status.IN_APPROVAL:
        from zhengtong.approvals.models import ApprovalRequest

        latest = (ApprovalRequest.objects.filter(type_key=DAMAGE_APPROVAL, subject_id=incident.pk)
                  .order_by("-pk").values_list("status", flat=True).first())
        return latest == ApprovalRequest.Status.RETURNED
    return False


def _check_editable(incident: DamageIncident) -> None:
    if not damage_editable(incident):
        raise ValidationError(_("This incident can no longer be changed: it is %(s)s (该事件已进入审批或已批准，不能修改).")
                              % {"s": incident.get_status_display()})


@transaction.atomic
def damage_incident_create(*, actor, title: str, occurred_on: date, kind: str, cost: Decimal, description: str = "",
                           device: Device | None = None, place: Place | None = None) -> DamageIncident:
    _require(actor, "equipment_custody.add_damageincident", _("You may not record damage incidents (您无权登记损坏事件)."))
    incident = DamageIncident(title=title, description=description, occurred_on=occurred_on, kind=kind, cost=cost,
                              device=device, place=place or (device.place if device is not None else None),
                              created_by=actor)
    incident.full_clean()
    incident.save()
    audit_record(action="equipment.damage.create", actor=actor, obj=incident,
                 after={"title": title, "kind": kind, "cost": cost})
    return incident


@transaction.atomic
def damage_incident_update(*, actor, incident: DamageIncident | int, **changes) -> DamageIncident:
    _require(actor, "equipment_custody.change_damageincident", _("You may not change damage incidents (您无权修改损坏事件)."))
    incident = DamageIncident.objects.select_for_update().get(pk=getattr(incident, "pk", incident))
    _check_editable(incident)
    allowed = {"title", "description", "occurred_on", "kind", "cost", "device", "place"}
    if set(changes) - allowed:
        raise TypeError(f"unknown fields: {sorted(set(changes) - allowed)}")
    before = {k: getattr(incident, k) for k in changes}
    for field, value in changes.items():
        setattr(incident, field, value)
    incident.full_clean()
    incident.save()
    if incident.kind == DamageIncident.Kind.WEAR:
        incident.shares.all().delete()  # normal wear charges nobody
    elif "cost" in changes:
        _amounts_recompute(incident)
    audit_record(action="equipment.damage.update", actor=actor, obj=incident, before=before,
                 after={k: getattr(incident, k) for k in changes})
    return incident


def _amounts_recompute(incident: DamageIncident) -> None:
    shares = list(incident.shares.order_by("position", "id"))
    if not shares:
        return
    try:
        amounts = apportion(incident.cost, [s.share for s in shares])
    except ShareError as exc:
        raise ValidationError(str(exc))
    for share, amount in zip(shares, amounts):
        if share.amount != amount:
            share.amount = amount
            share.save(update_fields=["amount"])


@transaction.atomic
def damage_shares_set(*, actor, incident: DamageIncident | int,
                      shares: Sequence[tuple[object, Decimal]]) -> list[DamageShare]:
    """Set who is responsible and their share (percent, 2 decimals, adding up to exactly
    100 %); each person's amount is the cost split to the fen by the largest-remainder method
    (apportion.py), so the amounts add up to exactly the cost."""
    _require(actor, "equipment_custody.change_damageincident", _("You may not change damage incidents (您无权修改损坏事件)."))
    incident = DamageIncident.objects.select_for_update().get(pk=getattr(incident, "pk", incident))
    _check_editable(incident)
    if incident.kind == DamageIncident.Kind.WEAR:
        if shares:
            raise ValidationError(_("Normal wear charges nobody: no responsibility shares can be set "
                                    "(正常损耗不需赔偿，不能设定责任比例)."))
        return []
    people = [p for p, _s in shares]
    if len({p.pk for p in people}) != len(people):
        raise ValidationError(_("Each person may appear only once (每位责任人只能出现一次)."))
    for person in people:
        _holder_check(person)
    values = [s for _p, s in shares]
    try:
        amounts = apportion(incident.cost, values)
    except ShareError as exc:
        raise ValidationError(str(exc), code="shares")
    before = [(_name(s.person), str(s.share), str(s.amount)) for s in incident.shares.select_related("person")]
    incident.shares.all().delete()
    rows = [DamageShare.objects.create(incident=incident, person=p, position=n, share=s, amount=a)
            for n, (p, s, a) in enumerate(zip(people, values, amounts))]
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
        raise ValidationError(str(exc), code="shares")
    if sum((s.amount for s in shares), Decimal("0")) != incident.cost:
        raise ValidationError(_("The amounts do not add up to the cost; set the shares again "
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


@transaction.atomic
def damage_payment_record(*, actor, share: DamageShare | int, paid_on: date, note: str = "") -> DamageShare:
    _require(actor, "equipment_custody.change_damageincident", _("You may not record payments (您无权登记赔偿款)."))
    share = (DamageShare.objects.select_for_update().select_related("incident", "person")
             .get(pk=getattr(share, "pk", share)))
    incident = DamageIncident.objects.select_for_update().get(pk=share.incident_id)
    if incident.status != DamageIncident.Status.APPROVED:
        raise ValidationError(_("Payments are recorded only after the apportionment is approved "
                                "(赔偿分摊经审批后才能登记缴款)."))
    if share.paid_on is not None:
        raise ValidationError(_("This payment has already been recorded (该笔赔偿已登记缴款)."))
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


# ============================================================================ semester evaluations
def _require_module_admin(actor) -> None:
    if not is_module_admin(actor):
        raise PermissionDenied(_("Only the module's administrators configure the evaluation "
                                 "(只有本模块管理员可以设置考评细则和学期)."))


@transaction.atomic
def evaluation_item_save(*, actor, name: str, max_points: Decimal, guidance: str = "", position: int = 0,
                         active: bool = True, item: EvaluationItem | None = None) -> EvaluationItem:
    _require_module_admin(actor)
    before = None
    if item is None:
        item = EvaluationItem()
    else:
        item = EvaluationItem.objects.select_for_update().get(pk=item.pk)
        before = {"name": item.name, "max_points": item.max_points, "active": item.active}
    item.name, item.max_points, item.guidance, item.position, item.active = name, max_points, guidance, position, active
    item.full_clean()
    item.save()
    audit_record(action="equipment.evaluation.item", actor=actor, obj=item, before=before,
                 after={"name": name, "max_points": max_points, "active": active})
    return item


@transaction.atomic
def semester_create(*, actor, name: str, starts_on: date, ends_on: date) -> Semester:
    _require_module_admin(actor)
    semester = Semester(name=name, starts_on=starts_on, ends_on=ends_on)
    if ends_on <= starts_on:
        raise ValidationError(_("A semester ends after it starts (学期结束日期应晚于开始日期)."))
    semester.full_clean()
    semester.save()
    audit_record(action="equipment.evaluation.semester", actor=actor, obj=semester,
                 after={"name": name, "starts_on": starts_on, "ends_on": ends_on})
    return semester


def _totals(evaluation: Evaluation) -> None:
    scores = list(evaluation.scores.all())
    evaluation.points = sum((s.points for s in scores), Decimal("0"))
    evaluation.available = sum((s.max_points for s in scores), Decimal("0"))
    evaluation.percent = percent(evaluation.points, evaluation.available)


@transaction.atomic
def evaluation_start(*, actor, semester: Semester, place: Place) -> Evaluation:
    """A sheet for one place this semester, with the checklist as it stands now."""
    _require(actor, "equipment_custody.add_evaluation", _("You may not evaluate places (您无权进行考评)."))
    items = list(EvaluationItem.objects.filter(active=True))
    if not items:
        raise ValidationError(_("The evaluation checklist is empty: a module admin sets its items first "
                                "(考评细则为空，请模块管理员先设置考评项目)."))
    if Evaluation.objects.filter(semester=semester, place=place).exists():
        raise ValidationError(_("%(place)s has already been evaluated in %(semester)s (该场所本学期已有考评).")
                              % {"place": place.name, "semester": semester.name})
    evaluation = Evaluation.objects.create(semester=semester, place=place, responsible_id=place.responsible_id,
                                           evaluator=actor)
    EvaluationScore.objects.bulk_create([
        EvaluationScore(evaluation=evaluation, item=i, item_name=i.name, max_points=i.max_points) for i in items])
    _totals(evaluation)
    evaluation.save(update_fields=["points", "available", "percent"])
    audit_record(action="equipment.evaluation.start", actor=actor, obj=evaluation,
                 after={"semester": semester.name, "place": place.name})
    return evaluation


@transaction.atomic
def evaluation_score(*, actor, evaluation: Evaluation | int, points: dict[int, Decimal],
                     notes: dict[int, str] | None = None, remarks: str | None = None) -> Evaluation:
    """Score the items of a draft sheet (``points``: score id → points)."""
    _require(actor, "equipment_custody.change_evaluation", _("You may not evaluate places (您无权进行考评)."))
    evaluation = Evaluation.objects.select_for_update().get(pk=getattr(evaluation, "pk", evaluation))
    if evaluation.status != Evaluation.Status.DRAFT:
        raise ValidationError(_("This evaluation is final and can no longer be changed (该考评已定稿，不能修改)."))
    notes = notes or {}
    before = {}
    for score in evaluation.scores.select_for_update():
        if score.pk not in points:
            continue
        value = points[score.pk]
        if value is None or value < 0 or value > score.max_points:
            raise ValidationError(_("%(item)s: points must be between 0 and %(max)s (得分应在 0 到 %(max)s 之间).")
                                  % {"item": score.item_name, "max": score.max_points})
        before[score.item_name] = str(score.points)
        score.points = value
        score.note = (notes.get(score.pk) or "")[:200]
        score.save(update_fields=["points", "note"])
    if remarks is not None:
        evaluation.remarks = remarks
    _totals(evaluation)
    evaluation.save(update_fields=["points", "available", "percent", "remarks"])
    audit_record(action="equipment.evaluation.score", actor=actor, obj=evaluation, before=before,
                 after={"points": evaluation.points, "percent": evaluation.percent})
    return evaluation


@transaction.atomic
def evaluation_finalise(*, actor, evaluation: Evaluation | int) -> Evaluation:
    _require(actor, "equipment_custody.change_evaluation", _("You may not evaluate places (您无权进行考评)."))
    evaluation = Evaluation.objects.select_for_update().select_related("semester", "place").get(
        pk=getattr(evaluation, "pk", evaluation))
    if evaluation.status == Evaluation.Status.FINAL:
        raise ValidationError(_("This evaluation is already final (该考评已定稿)."))
    evaluation.status, evaluation.finalised_at = Evaluation.Status.FINAL, timezone.now()
    evaluation.save(update_fields=["status", "finalised_at"])
    audit_record(action="equipment.evaluation.finalise", actor=actor, obj=evaluation,
                 after={"percent": evaluation.percent})
    return evaluation
