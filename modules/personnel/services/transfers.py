"""Moves (调配) within the unit: recording one and sending it into approval, the approval's
status changes, carrying it out on its effective date (also the hourly job) and reversing it."""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengtong.audit.services import audit_record
from zhengtong.core.errors import Invalid, audited_refusal
from zhengtong.core.updates import snapshot
from zhengtong.registry import handover as registry_handover

from ..models import Department, Person, PositionHistory, Post, Transfer
from .common import KIND_RULES, POSITION_FIELDS, K, S
from .handover import _check_handover, handover_generate
from .organisation import _check_establishment
from .people import _open_entry
from .workflow import can_apply, can_request_move, can_reverse, refuse_unless

if TYPE_CHECKING:
    from zhengtong.accounts.models import User


def _position(person: Person) -> dict:
    """The person's position fields as they are (the values a move compares and sets)."""
    return {f: getattr(person, f) for f in POSITION_FIELDS}


def _after_values(transfer: Transfer) -> dict:
    """The person's position fields once ``transfer`` takes effect."""
    person = transfer.person
    rule = KIND_RULES[transfer.kind]
    values = _position(person)
    if transfer.kind == K.SECONDMENT:
        values.update(status=S.SECONDED_OUT, secondment_end=transfer.end_date,
                      seconded_to_department_id=transfer.after_department_id,
                      secondment_unit=transfer.other_unit)
        return values
    if transfer.after_department_id:
        values["department_id"] = transfer.after_department_id
    if transfer.after_post_id:
        values["post_id"] = transfer.after_post_id
        values["department_id"] = transfer.after_post.department_id
    elif transfer.after_department_id and transfer.after_department_id != person.department_id:
        values["post_id"] = None  # moved to a department without naming a post there
    if rule.get("clears_post"):
        values["post_id"] = None
    # A rank is changed only when the move names another one; the rank a move was recorded
    # with when none was asked (transfer_request fills it in) keeps the person's own.
    if transfer.after_rank and transfer.after_rank != transfer.before_rank:
        values["rank"] = transfer.after_rank
    if transfer.after_status:
        values["status"] = transfer.after_status
    return values


def transfer_check_changes(transfer: Transfer) -> None:
    """Refuse a move that leaves the person exactly as they are now (same department, post,
    rank and status): it would only write a history entry that records no change. Checked
    when the move is recorded and again whenever it goes into approval (a draft or a
    rejected move submitted later, through the approvals pages too)."""
    person = transfer.person
    if _after_values(transfer) == _position(person):
        raise Invalid(
            _("This move changes nothing: %(name)s already has this department, post and rank. Change at least "
              "one of them (调配前后没有变化，请至少变更部门、岗位或职级中的一项).") % {"name": person.name},
            code="no_change")


@audited_refusal("personnel.transfer_request", obj_arg="person")
@transaction.atomic
def transfer_request(*, actor: User, person: Person, kind: str, effective_date: date, reason: str,
                     after_department: Department | None = None, after_post: Post | None = None,
                     after_rank: str = "", end_date: date | None = None, other_unit: str = "",
                     establishment_override_reason: str = "", submit: bool = True,
                     exchange_ref: str = "") -> Transfer:
    """Record a move and (``submit``) put it into its type's approval chain."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    refuse_unless(can_request_move(person, actor, kind))
    if kind not in KIND_RULES:
        raise Invalid(f"unknown transfer kind {kind!r}")
    if Transfer.objects.filter(person=person, status__in=(Transfer.Status.IN_APPROVAL, Transfer.Status.APPROVED)
                               ).exists():
        raise Invalid(_("%(name)s already has a move in approval or waiting for its effective date "
                        "(该人员已有在办的调配).") % {"name": person.name})
    if after_post is not None and after_department is None:
        after_department = after_post.department
    if after_post is not None and after_post.department_id != after_department.pk:
        raise Invalid(_("The post belongs to another department (岗位不属于所选部门)."))
    if not reason.strip():
        raise Invalid(_("Give the reason for the move (请填写调配事由)."))
    supplied = {"after_department": after_department, "after_post": after_post, "after_rank": after_rank.strip(),
                "end_date": end_date, "other_unit": other_unit.strip()}
    for need in KIND_RULES[kind]["needs"]:
        if not supplied[need]:
            raise Invalid(_("This kind of move needs: %(f)s (缺少必填项).")
                          % {"f": str(Transfer._meta.get_field(need).verbose_name)})
    if kind == K.SECONDMENT:
        if end_date <= effective_date:
            raise Invalid(_("A secondment ends after it starts (借调结束日期应晚于开始日期)."))
        if not after_department and not other_unit.strip():
            raise Invalid(_("Name the department or the other unit of the secondment (请填写借调去向)."))
    current = PositionHistory.objects.filter(person=person, end_date__isnull=True).first()
    if current is not None and effective_date < current.start_date:
        raise Invalid(_("The effective date cannot be before the current position started (%(s)s) "
                        "(生效日期不能早于当前任职开始日期).") % {"s": current.start_date})
    transfer = Transfer(
        person=person, kind=kind, reason=reason.strip(), effective_date=effective_date, end_date=end_date,
        before_department=person.department, before_post=person.post, before_rank=person.rank,
        before_status=person.status, after_department=after_department, after_post=after_post,
        after_rank=after_rank.strip(), after_status=KIND_RULES[kind]["status"] or "", other_unit=other_unit.strip(),
        requested_by=actor, exchange_ref=exchange_ref,
    )
    # A rank left blank is kept: the move records the person's rank as its rank after, so the
    # move's page, the list and the approvers see it stays (a blank read as "no rank").
    if not transfer.after_rank:
        transfer.after_rank = person.rank
    transfer_check_changes(transfer)
    target_post = after_post if kind != K.SECONDMENT else None
    if _check_establishment(post=target_post, person=person, actor=actor,
                            override_reason=establishment_override_reason):
        transfer.establishment_override_reason = establishment_override_reason.strip()
        transfer.establishment_override_by = actor
    transfer.save()
    audit_record(action="personnel.transfer_request", actor=actor, obj=transfer,
                 after={"kind": kind, "effective_date": effective_date,
                        "establishment_override": transfer.establishment_override_reason or None})
    if transfer.establishment_override_reason:
        audit_record(action="personnel.establishment_override", actor=actor, obj=transfer,
                     detail=transfer.establishment_override_reason,
                     after={"post": str(after_post), "establishment": after_post.establishment})
    if submit:
        from zhengtong.approvals.services import approval_submit

        from ..manifest import approval_type_key

        approval_submit(type_key=approval_type_key(kind), subject_id=transfer.pk, actor=actor, reason=reason)
        transfer.refresh_from_db()
    return transfer


@transaction.atomic
def transfer_status_set(*, transfer_id: int, status: str, actor: User | None) -> Transfer:
    """Called by the approval handler as the request moves (in the engine's transaction)."""
    transfer = Transfer.objects.select_for_update().get(pk=transfer_id)
    before = transfer.status
    transfer.status = status
    transfer.save(update_fields=["status", "updated_at"])
    if status == Transfer.Status.APPROVED and before != status:
        handover_generate(transfer=transfer)
    return transfer


def _leaves_post(before: dict, after: dict) -> bool:
    return (before["post_id"] is not None and after["post_id"] != before["post_id"]) or (
        before["department_id"] != after["department_id"]) or (
        after["status"] in (S.LEFT, S.LEFT_TRANSFERRED, S.RETIRED, S.SECONDED_OUT))


def _emit_leaving(person: Person, *, reason: str, effective_date: date) -> None:
    registry_handover.emit(registry_handover.PERSON_LEAVING_POST, user_id=person.user_id, person_id=person.pk,
                           person_name=person.name, reason=reason, effective_date=effective_date)


@transaction.atomic
def transfer_apply(*, transfer_id: int, actor: User | None = None, today: date | None = None) -> Transfer:
    """Carry out an approved move on (or after) its effective date.

    Refused before the effective date, while mandatory hand-over items are open (unless
    overridden), and when the target post has filled up meanwhile (unless overridden).
    """
    today = today or timezone.localdate()
    transfer = (Transfer.objects.select_for_update(of=("self",)).select_related("person", "after_post")
                .get(pk=transfer_id))
    if transfer.status == Transfer.Status.APPLIED:
        return transfer  # idempotent: the job may see it twice
    refuse_unless(can_apply(transfer, today))
    person = Person.objects.select_for_update().get(pk=transfer.person_id)
    _check_handover(transfer)
    if transfer.kind != K.SECONDMENT and not transfer.establishment_override_reason:
        _check_establishment(post=transfer.after_post, person=person, actor=None, override_reason="",
                             transfer_id=transfer.pk)
    before = snapshot(person, POSITION_FIELDS)
    after = _after_values(transfer)
    for field, value in after.items():
        setattr(person, field, value)
    person.version += 1
    person.save()
    _open_entry(person, start_date=transfer.effective_date, kind=PositionHistory.Kind.CHANGE, transfer=transfer,
                note=transfer.other_unit and f"{transfer.get_kind_display()}: {transfer.other_unit}")
    transfer.status = Transfer.Status.APPLIED
    transfer.applied_at = timezone.now()
    transfer.save(update_fields=["status", "applied_at", "updated_at"])
    audit_record(action="personnel.transfer_apply", actor=actor, obj=transfer, before=before,
                 after=snapshot(person, POSITION_FIELDS))
    if _leaves_post(before, after):
        _emit_leaving(person, reason=transfer.get_kind_display(), effective_date=transfer.effective_date)
    return transfer


def transfer_apply_due(*, today: date | None = None) -> dict[str, int]:
    """The periodic job: apply every approved move whose date has come. Each move in its own
    transaction, so one blocked move (open hand-over, full post) does not hold up the rest;
    HR is told once per blocked move and reason."""
    from zhengtong.notifications.services import notify

    today = today or timezone.localdate()
    result = {"applied": 0, "blocked": 0}
    due = Transfer.objects.filter(status=Transfer.Status.APPROVED, effective_date__lte=today).order_by(
        "effective_date", "pk").values_list("pk", flat=True)
    for pk in list(due):
        try:
            transfer_apply(transfer_id=pk, today=today)
            result["applied"] += 1
        except ValidationError as exc:
            result["blocked"] += 1
            transfer = Transfer.objects.select_related("person").get(pk=pk)
            code = getattr(exc, "code", "") or "blocked"
            recipients = [transfer.requested_by_id]
            notify(recipients=recipients, kind="module_warning",
                   title=f"调配未能生效：{transfer.person.name}（{transfer.get_kind_display()}）",
                   title_en=f"Move not in effect yet: {transfer.person.name}",
                   body="; ".join(exc.messages), url=f"/m/personnel/transfers/{pk}/",
                   dedupe_key=f"personnel.blocked.{pk}.{code}")
    return result


@audited_refusal("personnel.transfer_reverse", obj_arg="transfer")
@transaction.atomic
def transfer_reverse(*, actor: User, transfer: Transfer, reason: str, on: date | None = None,
                     establishment_override_reason: str = "") -> Transfer:
    """Undo a move that took effect: a REVERSAL entry restores the values before it, from
    ``on`` (default today). The original entry stays in the history, marked reversed."""
    on = on or timezone.localdate()
    transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
    refuse_unless(can_reverse(transfer, actor))
    if not reason.strip():
        raise Invalid(_("Give the reason for the reversal (请填写撤销理由)."))
    person = Person.objects.select_for_update().get(pk=transfer.person_id)
    entry = PositionHistory.objects.filter(transfer=transfer, kind=PositionHistory.Kind.CHANGE).first()
    restore = {"department_id": transfer.before_department_id, "post_id": transfer.before_post_id,
               "rank": transfer.before_rank, "status": transfer.before_status or S.IN_POST}
    if transfer.kind == K.SECONDMENT:
        restore.update(seconded_to_department_id=None, secondment_unit="", secondment_end=None)
    overridden = False
    if transfer.before_post_id and restore["status"] in Person.OCCUPYING:
        overridden = _check_establishment(post=transfer.before_post, person=person, actor=actor,
                                          override_reason=establishment_override_reason)
    before = snapshot(person, POSITION_FIELDS)
    for field, value in restore.items():
        setattr(person, field, value)
    person.version += 1
    person.save()
    _open_entry(person, start_date=on, kind=PositionHistory.Kind.REVERSAL, transfer=transfer, reverses=entry,
                note=(_("Reversal of: %(k)s") % {"k": transfer.get_kind_display()})[:200])
    transfer.status = Transfer.Status.REVERSED
    transfer.reversed_at = timezone.now()
    transfer.reversal_reason = reason.strip()
    transfer.save(update_fields=["status", "reversed_at", "reversal_reason", "updated_at"])
    audit_record(action="personnel.transfer_reverse", actor=actor, obj=transfer, before=before,
                 after=snapshot(person, POSITION_FIELDS), detail=reason.strip())
    if overridden:
        audit_record(action="personnel.establishment_override", actor=actor, obj=transfer,
                     detail=establishment_override_reason.strip())
    return transfer
