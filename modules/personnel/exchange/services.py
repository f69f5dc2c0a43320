"""Cross-unit transfer handshake (调出 → 调入): every write of it.

1. The sending unit's HR issues a transfer-out naming the receiving unit (``exchange_issue``).
2. The receiving unit's HR accepts it, placing the person in a department and post — the
   establishment check applies, an authorised role may exceed it with a written reason —
   or declines it (``exchange_accept`` / ``exchange_decline``).
3. When the district requires it (ExchangeSettings) or the sending unit's rule asks for it,
   the district HR bureau approves or rejects on the district portal (``exchange_district_decide``).
4. On its effective date the move completes (``exchange_complete``; the periodic job
   ``personnel.exchange_complete_due`` picks up moves approved ahead of their date).

Completion is ONE database transaction that switches schemas: the receiver's copy of the
record (the ID number copied as ciphertext, never decrypted; the timeline carried over) is
inserted, then the sender's record is marked "left (transferred)", then the 调令 number is
taken and the public record closed. A failure anywhere rolls all of it back, so the person
is active in exactly one unit at every moment anyone can observe. PostgreSQL runs every
schema of a unit on one connection and one transaction; ``schema_context`` only changes the
search_path, which is not transactional state, so it is safe inside ``atomic()``.

The sender never reads the receiver's records and vice versa: each side's work runs in its
own schema, by this module's code, on the two parties' behalf.
"""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from tenants.models import Unit
from zhengtong.audit.services import audit_denied, audit_record
from zhengtong.core.errors import Invalid, Refused, audited_refusal

from ..services.workflow import refuse_unless
from .models import CrossUnitTransfer, ExchangeEvent, ExchangeSettings, OrderSequence
from .selectors import (
    DISTRICT_HR,
    HR,
    MODULE,
    exchange_settings_for,
    handover_open,
    is_district_hr,
    is_unit_hr,
    receiving_units,
    vacancy_of,
)
from .workflow import can_answer, can_complete, can_decide, can_override_handover, can_withdraw

if TYPE_CHECKING:
    from zhengtong.accounts.models import User

Status = CrossUnitTransfer.Status


# Tests inject a failure between the two schemas' writes through this hook (it is a no-op
# in production): it proves the completion is one transaction.
def _checkpoint(stage: str) -> None:
    return None


# ----------------------------------------------------------------------------- who may act


def _deny(action: str, actor, transfer: CrossUnitTransfer | None, detail: str) -> Http404:
    # Outside the refused transaction, so the attempt stays in the trail; the person gets a
    # 404, which does not confirm that the transfer exists.
    audit_denied(action=action, actor=actor, obj=transfer, object_type="personnel_exchange.crossunittransfer",
                 detail=detail)
    return Http404()


def _district_of(unit: Unit):
    return unit.district


def _sender_rule(sender: Unit) -> bool:
    from zhengtong.registry.registry import get_module
    from zhengtong.registry.rules import rules_for

    manifest = get_module(MODULE)
    with schema_context(sender.schema_name):
        return bool(rules_for(manifest).get("district_approval_for_transfer_out", False))


def needs_district_approval(sender: Unit) -> bool:
    setting = exchange_settings_for(_district_of(sender))
    return bool(setting and setting.district_approval_required) or _sender_rule(sender)


def _event(transfer: CrossUnitTransfer, action: str, actor, unit: Unit | None, note: str = "") -> None:
    ExchangeEvent.objects.create(transfer=transfer, action=action, actor=actor if getattr(actor, "pk", None) else None,
                                 unit=unit, note=note)


def _audit_in(unit: Unit | None, *, action: str, actor, transfer: CrossUnitTransfer, after: dict | None = None,
              detail: str = "") -> None:
    """One event in ``unit``'s own trail (public when None): each party's auditors see what
    the handshake did on their side."""
    with schema_context(unit.schema_name if unit else "public"):
        audit_record(action=action, actor=actor, obj=transfer, after=after, detail=detail)


def _hr_ids(unit: Unit) -> set[int]:
    from zhengtong.approvals.people import holder_ids

    with schema_context(unit.schema_name):
        return holder_ids(HR)


def _notify(recipients, *, unit: Unit | None, title: str, title_en: str, url: str) -> None:
    from zhengtong.notifications.services import notify

    notify(recipients=recipients, kind="module_warning", title=title, title_en=title_en, url=url, unit=unit)


# ----------------------------------------------------------------------------- issue


def exchange_issue(*, actor: User, sender: Unit, person_id: int, receiver_id: int, reason: str,
                   effective_date: date, kind: str = CrossUnitTransfer.Kind.TRANSFER,
                   end_date: date | None = None) -> CrossUnitTransfer:
    """The sending unit's HR issues a transfer-out (调出) — or a secondment (借调) until
    ``end_date`` — naming the receiving unit."""
    from ..models import Person

    if not is_unit_hr(actor, sender):
        raise _deny("personnel.exchange.issue", actor, None, f"not HR of {sender.slug}")
    receiver = receiving_units(sender).filter(pk=receiver_id).first()
    if receiver is None:
        raise Invalid(_("Choose a receiving unit of this district that runs the personnel module "
                        "(请选择本区已开通人员模块的调入单位)."))
    if not reason.strip():
        raise Invalid(_("Give the reason for the transfer (请填写调动理由)."))
    if kind not in CrossUnitTransfer.Kind.values:
        raise Invalid(_("Unknown type of move (调动类型无效)."))
    if kind == CrossUnitTransfer.Kind.SECONDMENT:
        if end_date is None or end_date < effective_date:
            raise Invalid(_("A secondment needs an end date on or after its start "
                            "(借调须填写不早于开始日期的结束日期)."))
    else:
        end_date = None
    with transaction.atomic():
        with schema_context(sender.schema_name):
            person = Person.objects.select_for_update(of=("self",)).filter(pk=person_id).select_related(
                "department", "post").first()
            if person is None:
                raise Http404
            if person.status != Person.Status.IN_POST or person.external:
                raise Invalid(_("Only a person in post in this unit can be transferred out "
                                "(只有本单位在岗人员可以调出)."))
            snapshot = dict(sender_person_id=person.pk, person_uid=person.uid, person_name=person.name,
                            employment_type=person.employment_type, rank=person.rank,
                            from_department=person.department.name if person.department else "",
                            from_post=person.post.title if person.post else "")
        open_transfers = CrossUnitTransfer.objects.filter(person_uid=snapshot["person_uid"],
                                                          status__in=CrossUnitTransfer.OPEN)
        if open_transfers.exists():
            raise Invalid(_("This person already has an open cross-unit transfer (该人员已有未办结的调出)."))
        transfer = CrossUnitTransfer.objects.create(
            district=sender.district, sender=sender, receiver=receiver, reason=reason.strip(),
            effective_date=effective_date, needs_district_approval=needs_district_approval(sender),
            issued_by=actor, kind=kind, end_date=end_date, **snapshot)
        _event(transfer, "issued", actor, sender, reason.strip())
        _audit_in(sender, action="personnel.exchange.issue", actor=actor, transfer=transfer,
                  after={"person": transfer.person_name, "receiver": receiver.name, "kind": kind,
                         "effective_date": effective_date, "end_date": end_date,
                         "district_approval": transfer.needs_district_approval})
        url = f"/m/personnel/exchange/{transfer.pk}/"  # opened on the receiver's host (the item's unit)
        _notify(_hr_ids(receiver), unit=receiver,
                title=f"{sender.name}拟调出{transfer.person_name}至本单位，请办理接收",
                title_en=f"{sender.name} transfers {transfer.person_name} to your unit: please accept or decline",
                url=url)
    return transfer


# ----------------------------------------------------------------------------- receive


def _get_open(transfer_id: int, *, lock: bool = True) -> CrossUnitTransfer:
    qs = CrossUnitTransfer.objects.select_related("sender", "receiver", "district")
    if lock:
        qs = qs.select_for_update(of=("self",))
    return qs.get(pk=transfer_id)


@audited_refusal("personnel.exchange.accept", object_type="personnel_exchange.crossunittransfer")
def exchange_accept(*, actor: User, receiver: Unit, transfer_id: int, department_id: int, post_id: int,
                    override_reason: str = "") -> CrossUnitTransfer:
    """The receiving unit's HR accepts and places the person (调入). Only the named receiver."""
    from ..models import Department, Post

    transfer = CrossUnitTransfer.objects.filter(pk=transfer_id, receiver=receiver).first()
    if transfer is None or not is_unit_hr(actor, receiver):
        raise _deny("personnel.exchange.accept", actor, transfer, f"not HR of the named receiver ({receiver.slug})")
    with transaction.atomic():
        transfer = _get_open(transfer_id)
        refuse_unless(can_answer(transfer))
        secondment = transfer.kind == CrossUnitTransfer.Kind.SECONDMENT
        with schema_context(receiver.schema_name):
            department = Department.objects.filter(pk=department_id).first()
            post = Post.objects.filter(pk=post_id, department_id=department_id).select_related("department").first()
            if department is None or (post is None and not secondment):
                raise Invalid(_("Choose a post of the chosen department (请选择所选部门的岗位)."))
            override_reason = override_reason.strip()
            if secondment:
                # A seconded person keeps their place in the sender's establishment and takes
                # none here: they work in ``department`` until the end date.
                post, override_reason = None, ""
            elif vacancy_of(post) <= 0:
                if not override_reason:
                    raise Invalid(_("The post %(post)s has no vacancy: accepting needs an authorised "
                                    "override with a written reason (该岗位已满编，需有权限人员写明理由后超编接收).")
                                  % {"post": str(post)})
                if not actor.has_perm("personnel.override_establishment"):
                    raise Refused(_("Your role may not exceed the establishment (您的角色无权超编接收)."))
            else:
                override_reason = ""
        transfer.to_department_id, transfer.to_post_id = department.pk, post.pk if post else None
        transfer.to_department, transfer.to_post = department.name, post.title if post else ""
        transfer.establishment_override_reason = override_reason
        transfer.accepted_by, transfer.accepted_at = actor, timezone.now()
        transfer.status = Status.DISTRICT if transfer.needs_district_approval else Status.APPROVED
        transfer.save()
        _event(transfer, "accepted", actor, receiver, f"{department.name} / {transfer.to_post or '—'}"
               + (f"；超编理由：{override_reason}" if override_reason else ""))
        _audit_in(receiver, action="personnel.exchange.accept", actor=actor, transfer=transfer,
                  after={"department": department.name, "post": transfer.to_post, "override_reason": override_reason,
                         "status": transfer.status})
        if transfer.status == Status.DISTRICT:
            from zhengtong.approvals.people import holder_ids

            _notify(holder_ids(DISTRICT_HR), unit=None,
                    title=f"跨单位调动待审批：{transfer.person_name}（{transfer.sender.name}→{receiver.name}）",
                    title_en=f"Cross-unit transfer to approve: {transfer.person_name}",
                    url=f"/personnel/exchange/{transfer.pk}/")
    return _complete_or_wait(transfer, actor)


def exchange_decline(*, actor: User, receiver: Unit, transfer_id: int, reason: str) -> CrossUnitTransfer:
    transfer = CrossUnitTransfer.objects.filter(pk=transfer_id, receiver=receiver).first()
    if transfer is None or not is_unit_hr(actor, receiver):
        raise _deny("personnel.exchange.decline", actor, transfer, f"not HR of the named receiver ({receiver.slug})")
    if not reason.strip():
        raise Invalid(_("Give the reason (请填写理由)."))
    with transaction.atomic():
        transfer = _close(transfer_id, actor=actor, unit=receiver, guard=can_answer, status=Status.DECLINED,
                          step="decline", event="declined", reason=reason)
        _notify({transfer.issued_by_id}, unit=transfer.sender,
                title=f"{receiver.name}未接收{transfer.person_name}的调入", title_en=f"{receiver.name} declined "
                f"the transfer of {transfer.person_name}", url=f"/m/personnel/exchange/{transfer.pk}/")
    return transfer


def exchange_withdraw(*, actor: User, sender: Unit, transfer_id: int, reason: str) -> CrossUnitTransfer:
    """The sending unit takes back a transfer-out that has not completed yet."""
    transfer = CrossUnitTransfer.objects.filter(pk=transfer_id, sender=sender).first()
    if transfer is None or not is_unit_hr(actor, sender):
        raise _deny("personnel.exchange.withdraw", actor, transfer, f"not HR of the sender ({sender.slug})")
    with transaction.atomic():
        return _close(transfer_id, actor=actor, unit=sender, guard=can_withdraw, status=Status.WITHDRAWN,
                      step="withdraw", event="withdrawn", reason=reason)


def _close(transfer_id: int, *, actor: User, unit: Unit, guard, status: str, step: str, event: str,
           reason: str) -> CrossUnitTransfer:
    """Close the transfer on behalf of ``unit`` (declined by the receiver, withdrawn by the
    sender) if ``guard`` lets it, in the caller's transaction: the reason, the event on the
    handshake's timeline and in the unit's own trail."""
    transfer = _get_open(transfer_id)
    refuse_unless(guard(transfer))
    transfer.status, transfer.decision_comment, transfer.closed_by = status, reason.strip(), actor
    transfer.save(update_fields=["status", "decision_comment", "closed_by"])
    _event(transfer, event, actor, unit, reason.strip())
    _audit_in(unit, action=f"personnel.exchange.{step}", actor=actor, transfer=transfer,
              after={"reason": reason.strip()})
    return transfer


# ----------------------------------------------------------------------------- district


def exchange_settings_update(*, actor: User, district, district_approval_required: bool) -> ExchangeSettings:
    if not is_district_hr(actor):
        raise _deny("personnel.exchange.settings", actor, None, "not district HR")
    with transaction.atomic():
        setting, _created = ExchangeSettings.objects.select_for_update().get_or_create(district=district)
        before = setting.district_approval_required
        setting.district_approval_required = district_approval_required
        setting.updated_by = actor
        setting.save()
        _audit_in(None, action="personnel.exchange.settings", actor=actor, transfer=None, detail="",
                  after={"district_approval_required": district_approval_required, "before": before})
    return setting


def exchange_district_decide(*, actor: User, transfer_id: int, approve: bool, comment: str = "") -> CrossUnitTransfer:
    """The district HR bureau (区人社局) approves or rejects, on the district portal."""
    transfer = CrossUnitTransfer.objects.filter(pk=transfer_id).first()
    if transfer is None or not is_district_hr(actor):
        raise _deny("personnel.exchange.district_decide", actor, transfer, "not district HR")
    if not approve and not comment.strip():
        raise Invalid(_("Give the reason for the rejection (请填写不予批准的理由)."))
    with transaction.atomic():
        transfer = _get_open(transfer_id)
        refuse_unless(can_decide(transfer))
        transfer.status = Status.APPROVED if approve else Status.DISTRICT_REJECTED
        transfer.district_decided_by, transfer.district_decided_at = actor, timezone.now()
        transfer.decision_comment = comment.strip()
        if not approve:
            transfer.closed_by = actor
        transfer.save()
        _event(transfer, "district_approved" if approve else "district_rejected", actor, None, comment.strip())
        _audit_in(None, action="personnel.exchange.district_decide", actor=actor, transfer=transfer,
                  after={"approve": approve, "comment": comment.strip()})
        for unit, ids in ((transfer.sender, {transfer.issued_by_id}), (transfer.receiver, {transfer.accepted_by_id})):
            _notify(ids, unit=unit,
                    title=f"区人社局{'批准' if approve else '未批准'}{transfer.person_name}的跨单位调动",
                    title_en=f"District HR {'approved' if approve else 'rejected'} the transfer of "
                             f"{transfer.person_name}",
                    url=f"/m/personnel/exchange/{transfer.pk}/")
    return _complete_or_wait(transfer, actor)


# ----------------------------------------------------------------------------- complete


def _take_order_number(district_id: int | None, year: int) -> int:
    """Next 调令 number of the district's year, inside the caller's transaction: the row
    lock queues concurrent completions, and a rolled-back completion gives its number back."""
    table = connection.ops.quote_name(OrderSequence._meta.db_table)
    with schema_context("public"), connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {table} (district_id, year, last) VALUES (%s, %s, 1) "
            f"ON CONFLICT (district_id, year) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [district_id, year])
        return cur.fetchone()[0]


def _receive_person(transfer: CrossUnitTransfer, source: dict, history: list[dict]):
    """In the receiver's schema, through the personnel services: the person arrives in post
    in the accepted department and post, their timeline carried over. The acceptor is the
    actor of the establishment check: an override they wrote is theirs."""
    from ..models import Department, Post
    from ..services import person_receive

    department = Department.objects.get(pk=transfer.to_department_id)
    post = Post.objects.get(pk=transfer.to_post_id, department=department)
    person = person_receive(actor=transfer.accepted_by, history=history, department=department, post=post,
                            effective_date=transfer.effective_date, entry_date=transfer.effective_date,
                            from_unit_name=transfer.sender.name, exchange_ref=f"X{transfer.pk}",
                            establishment_override_reason=transfer.establishment_override_reason, **source)
    if person.uid != transfer.person_uid or person.post_id != post.pk:
        raise Invalid(_("The receiving unit already has this person as active (调入单位已有该人员的在职档案)."))
    return person


def _second_person_in(transfer: CrossUnitTransfer, source: dict, history: list[dict]):
    """In the receiver's schema: a read-only "seconded in" copy of the person, working in the
    accepted department until the end date (the sender keeps the record)."""
    from ..models import Department
    from ..services import person_secondment_in_record

    department = Department.objects.get(pk=transfer.to_department_id)
    fields = {k: source[k] for k in ("uid", "name", "gender", "id_number", "birth_date", "employment_type", "rank",
                                     "user")}
    return person_secondment_in_record(actor=transfer.accepted_by, from_unit_name=transfer.sender.name,
                                       start_date=transfer.effective_date, end_date=transfer.end_date,
                                       department=department, **fields)


def _release_person(transfer: CrossUnitTransfer) -> None:
    """In the sender's schema, through the personnel services: a transfer-out move, applied at
    once — the hand-over checklist is generated from the modules' providers and must be clear
    (or overridden by the sender's leader), the person becomes "left (transferred)", and the
    PERSON_LEAVING_POST event goes out. ``person_transfer_out_complete`` does the same without
    a hand-over override, which the handshake needs."""
    from ..models import Person, Transfer
    from ..services import system_user, transfer_apply

    person = Person.objects.select_for_update().get(pk=transfer.sender_person_id)
    ref = f"X{transfer.pk}"
    secondment = transfer.kind == CrossUnitTransfer.Kind.SECONDMENT
    kind = Transfer.Kind.SECONDMENT if secondment else Transfer.Kind.TRANSFER_OUT
    move = Transfer.objects.filter(person=person, exchange_ref=ref, kind=kind).first()
    if move is None:
        move = Transfer.objects.create(
            person=person, kind=kind, status=Transfer.Status.APPROVED, reason=transfer.reason,
            effective_date=transfer.effective_date, end_date=transfer.end_date, before_department=person.department,
            before_post=person.post, before_rank=person.rank, before_status=person.status,
            after_status=Person.Status.SECONDED_OUT if secondment else Person.Status.LEFT_TRANSFERRED,
            other_unit=transfer.receiver.name, requested_by=transfer.issued_by or system_user(), exchange_ref=ref,
            handover_override_reason=transfer.handover_override_reason,
            handover_override_by=transfer.handover_override_by)
    transfer_apply(transfer_id=move.pk, actor=transfer.issued_by,
                   today=max(transfer.effective_date, timezone.localdate()))


def exchange_handover_override(*, actor: User, sender: Unit, transfer_id: int, reason: str) -> CrossUnitTransfer:
    """The sending unit's leader lets the transfer complete with hand-over items open (a
    written reason, audited in the sender's trail)."""
    transfer = CrossUnitTransfer.objects.filter(pk=transfer_id, sender=sender).first()
    with schema_context(sender.schema_name):
        allowed = bool(actor and actor.is_authenticated and actor.has_perm("personnel.override_handover"))
    if transfer is None or not allowed:
        raise _deny("personnel.exchange.handover_override", actor, transfer, "no override_handover in the sender")
    if not reason.strip():
        raise Invalid(_("Give the reason in writing (请写明理由)."))
    with transaction.atomic():
        transfer = _get_open(transfer_id)
        refuse_unless(can_override_handover(transfer))
        transfer.handover_override_reason, transfer.handover_override_by = reason.strip(), actor
        transfer.save(update_fields=["handover_override_reason", "handover_override_by"])
        _event(transfer, "handover_override", actor, sender, reason.strip())
        _audit_in(sender, action="personnel.exchange.handover_override", actor=actor, transfer=transfer,
                  after={"reason": reason.strip(), "open_items": [i.label for i in handover_open(transfer)]})
    return transfer


def _complete_or_wait(transfer: CrossUnitTransfer, actor) -> CrossUnitTransfer:
    """Complete now when due; if a rule blocks it (hand-over open, post filled meanwhile) the
    approval stands, the reason is on the transfer's history, the sender's HR is told, and the
    hourly job tries again."""
    if can_complete(transfer, timezone.localdate()) is not None:
        return transfer  # not approved yet, or approved ahead of its date: the hourly job completes it
    try:
        return exchange_complete(transfer_id=transfer.pk, actor=actor)
    except ValidationError as exc:
        note = "; ".join(exc.messages)[:2000]
        with transaction.atomic():
            _event(transfer, "completion_waiting", actor, None, note)
            _notify({transfer.issued_by_id}, unit=transfer.sender,
                    title=f"{transfer.person_name}的跨单位调动暂不能办结", title_en=f"The transfer of "
                    f"{transfer.person_name} cannot complete yet", url=f"/m/personnel/exchange/{transfer.pk}/")
        transfer.refresh_from_db()
        return transfer


def _person_source(transfer: CrossUnitTransfer) -> tuple[dict, list[dict]]:
    """What the receiver's record takes from the sender's (in the sender's schema): the
    person's own facts and timeline, not the sender's placement or status. The ID number is
    decrypted only in memory, to be encrypted again by the receiving side."""
    from .. import crypto
    from ..models import Person
    from ..services import person_history_export

    p = Person.objects.select_for_update().get(pk=transfer.sender_person_id)
    if p.status != Person.Status.IN_POST or p.external or p.uid != transfer.person_uid:
        raise Invalid(_("The person is no longer in post in the sending unit (该人员已不在调出单位在岗)."))
    source = dict(uid=p.uid, name=p.name, gender=p.gender, id_number=crypto.id_number_decrypt(p.id_number_encrypted),
                  birth_date=p.birth_date, employment_type=p.employment_type, rank=p.rank, education=p.education,
                  political_status=p.political_status, user=p.user)
    history = person_history_export(p)
    for entry in history:
        entry["unit_name"] = entry.get("unit_name") or transfer.sender.name
    return source, history


def exchange_complete(*, transfer_id: int, actor: User | None = None) -> CrossUnitTransfer:
    """Move the record: receiver inserts, sender releases, order numbered — all or nothing."""
    with transaction.atomic():
        transfer = _get_open(transfer_id)
        refuse_unless(can_complete(transfer, timezone.localdate()))
        with schema_context(transfer.sender.schema_name):
            source, history = _person_source(transfer)
        receive = _second_person_in if transfer.kind == CrossUnitTransfer.Kind.SECONDMENT else _receive_person
        with schema_context(transfer.receiver.schema_name):
            received = receive(transfer, source, history)
            audit_record(action="personnel.exchange.received", actor=actor, obj=received,
                         after={"from_unit": transfer.sender.name, "exchange": transfer.pk,
                                "effective_date": transfer.effective_date})
        _checkpoint("receiver_inserted")
        with schema_context(transfer.sender.schema_name):
            _release_person(transfer)  # transfer out, or secondment out
            audit_record(action="personnel.exchange.released", actor=actor, object_type="personnel.person",
                         object_id=transfer.sender_person_id, object_repr=transfer.person_name,
                         after={"to_unit": transfer.receiver.name, "exchange": transfer.pk,
                                "effective_date": transfer.effective_date})
        _checkpoint("sender_released")
        if transfer.kind == CrossUnitTransfer.Kind.TRANSFER:  # a secondment has no 调令
            transfer.order_year = transfer.effective_date.year
            transfer.order_sequence = _take_order_number(transfer.district_id, transfer.order_year)
        transfer.status, transfer.completed_at = Status.COMPLETED, timezone.now()
        transfer.receiver_person_id = received.pk
        transfer.save()
        _event(transfer, "completed", actor, None, transfer.order_number)
        _audit_in(None, action="personnel.exchange.complete", actor=actor, transfer=transfer,
                  after={"order": transfer.order_number, "receiver_person": received.pk})
        for unit, ids in ((transfer.sender, {transfer.issued_by_id}), (transfer.receiver, {transfer.accepted_by_id})):
            _notify(ids, unit=unit,
                    title=f"{transfer.person_name}跨单位调动已办结（{transfer.order_number or '借调'}）",
                    title_en=f"The transfer of {transfer.person_name} is complete ({transfer.order_number})",
                    url=f"/m/personnel/exchange/{transfer.pk}/")
    return transfer


def exchange_complete_due(*, unit: Unit, today: date | None = None) -> int:
    """Complete the approved transfers out of ``unit`` whose effective date has come
    (the periodic job; idempotent: a completed transfer is no longer approved)."""
    today = today or timezone.localdate()
    done = 0
    for pk in CrossUnitTransfer.objects.filter(sender=unit, status=Status.APPROVED,
                                               effective_date__lte=today).values_list("pk", flat=True):
        try:
            exchange_complete(transfer_id=pk, actor=None)
            done += 1
        except ValidationError:
            continue  # stays approved (post full, hand-over open …); the people involved see why on the transfer's page
    return done


