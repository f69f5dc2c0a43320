"""The personnel side of a move between units, run by the exchange sub-feature once in each
unit's schema and inside that schema's transaction: ``person_transfer_out_complete`` in the
sending unit, ``person_receive`` (or ``person_secondment_in_record``) in the receiving one;
``person_history_export`` gives what travels with the person."""
from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengtong.audit.services import audit_record
from zhengtong.core.errors import Invalid

from ..models import Department, Person, PositionHistory, Post, Transfer
from .common import K, S, name_initials
from .organisation import _check_establishment
from .people import _apply_id_number, _open_entry, _save_unique
from .transfers import transfer_apply

if TYPE_CHECKING:
    from zhengtong.accounts.models import User


def person_history_export(person: Person) -> list[dict]:
    """The timeline as plain values: it travels with the person to the receiving unit."""
    return [
        {"start_date": e.start_date.isoformat(), "end_date": e.end_date.isoformat() if e.end_date else None,
         "unit_name": e.unit_name, "department_name": e.department_name, "post_title": e.post_title,
         "rank": e.rank, "status": e.status, "kind": e.kind, "note": e.note}
        for e in person.history.order_by("start_date", "pk")
    ]


def person_transfer_out_complete(*, person_id: int, to_unit_name: str, effective_date: date, actor: User | None = None,
                                 exchange_ref: str = "", reason: str = "", transfer_id: int | None = None) -> Person:
    """Sending side of a move to another unit: the person becomes "left (transferred)" here.

    With ``transfer_id`` (a transfer_out approved in this unit) that transfer is applied —
    the hand-over checklist must be complete. Without it a transfer_out record is written
    as applied, so the history and reports show the move. Run inside the sending unit's
    schema and transaction; raising rolls the sender back.
    """
    with transaction.atomic():
        if transfer_id is not None:
            transfer = Transfer.objects.select_for_update().get(pk=transfer_id, person_id=person_id)
            if transfer.status not in (Transfer.Status.APPROVED, Transfer.Status.APPLIED):
                raise Invalid(_("Only an approved move can take effect (仅已批准的调配可以生效)."))
            if transfer.status == Transfer.Status.APPROVED:
                transfer_apply(transfer_id=transfer_id, actor=actor, today=max(effective_date,
                                                                                timezone.localdate()))
            return Person.objects.get(pk=person_id)
        person = Person.objects.select_for_update().get(pk=person_id)
        if person.status == S.LEFT_TRANSFERRED:
            return person  # idempotent: a retried step
        if person.status not in (S.IN_POST, S.SECONDED_OUT) or person.external:
            raise Invalid(_("%(name)s is not active in this unit (该人员不在本单位在岗).") % {"name": person.name})
        transfer = Transfer.objects.create(
            person=person, kind=K.TRANSFER_OUT, status=Transfer.Status.APPROVED,
            reason=reason or _("Transfer to %(u)s") % {"u": to_unit_name}, effective_date=effective_date,
            before_department=person.department, before_post=person.post, before_rank=person.rank,
            before_status=person.status, after_status=S.LEFT_TRANSFERRED, other_unit=to_unit_name,
            requested_by=actor or system_user(), exchange_ref=exchange_ref)
        transfer_apply(transfer_id=transfer.pk, actor=actor, today=max(effective_date, timezone.localdate()))
        return Person.objects.get(pk=person_id)


def system_user():
    from zhengtong.accounts.models import User

    return User.objects.filter(is_system=True).order_by("pk").first()


@transaction.atomic
def person_receive(*, actor: User | None, uid, name: str, gender: str, id_number: str, birth_date: date | None,
                   entry_date: date, employment_type: str, effective_date: date, from_unit_name: str,
                   department: Department | None = None, post: Post | None = None, rank: str = "",
                   education: str = "", political_status: str = "", user=None, history: list[dict] = (),
                   exchange_ref: str = "", establishment_override_reason: str = "") -> Person:
    """Receiving side: the person arrives "in post" with their earlier history carried over
    (read-only entries) and a transfer_in record. Idempotent on (uid, exchange_ref)."""
    existing = Person.objects.filter(uid=uid, status__in=Person.ACTIVE, external=False).first()
    if existing is not None:
        return existing
    if post is not None and department is None:
        department = post.department
    person = Person(uid=uid, name=name.strip(), name_initials=name_initials(name.strip()), gender=gender,
                    birth_date=birth_date, entry_date=entry_date, employment_type=employment_type,
                    department=department, post=post, rank=rank, education=education,
                    political_status=political_status, user=user, status=S.IN_POST)
    _apply_id_number(person, id_number)
    overridden = _check_establishment(post=post, person=None, actor=actor,
                                      override_reason=establishment_override_reason)
    # Someone who left this unit earlier and comes back gets a new record; the old one stays
    # as it was (one *active* record per ID number, see the model's constraint).
    _save_unique(person)
    for e in history:
        if e.get("status") == S.LEFT_TRANSFERRED and not e.get("end_date"):
            continue  # the sender's "left (transferred)" line: here the move itself stands for it
        PositionHistory.objects.create(
            person=person, kind=PositionHistory.Kind.CARRIED, start_date=date.fromisoformat(e["start_date"]),
            end_date=date.fromisoformat(e["end_date"]) if e.get("end_date") else effective_date - timedelta(days=1),
            unit_name=e.get("unit_name", ""), department_name=e.get("department_name", ""),
            post_title=e.get("post_title", ""), rank=e.get("rank", ""),
            status=e.get("status") or S.IN_POST,
            note=e.get("note", "")[:200])
    transfer = Transfer.objects.create(
        person=person, kind=K.TRANSFER_IN, status=Transfer.Status.APPLIED, applied_at=timezone.now(),
        reason=_("Transfer from %(u)s") % {"u": from_unit_name}, effective_date=effective_date,
        after_department=department, after_post=post, after_rank=rank, after_status=S.IN_POST,
        other_unit=from_unit_name, requested_by=actor or system_user(), exchange_ref=exchange_ref,
        establishment_override_reason=establishment_override_reason.strip() if overridden else "",
        establishment_override_by=actor if overridden else None)
    _open_entry(person, start_date=effective_date, kind=PositionHistory.Kind.CHANGE, transfer=transfer,
                note=f"{transfer.get_kind_display()}: {from_unit_name}")
    audit_record(action="personnel.person_receive", actor=actor, obj=person,
                 after={"from": from_unit_name, "exchange_ref": exchange_ref,
                        "establishment_override": transfer.establishment_override_reason or None})
    return person


@transaction.atomic
def person_secondment_in_record(*, actor: User | None, uid, name: str, gender: str, id_number: str,
                                birth_date: date | None, employment_type: str, from_unit_name: str,
                                start_date: date, end_date: date, department: Department | None = None,
                                rank: str = "", user=None) -> Person:
    """A read-only copy of a person seconded in from another unit (their unit keeps the
    record). Listed here as "seconded in"; ends with person_secondment_in_end."""
    existing = Person.objects.filter(uid=uid, external=True, status=S.SECONDED_IN).first()
    if existing is not None:
        return existing
    person = Person(uid=uid, name=name.strip(), name_initials=name_initials(name.strip()), gender=gender,
                    birth_date=birth_date, entry_date=start_date, employment_type=employment_type,
                    department=department, rank=rank, user=user, status=S.SECONDED_IN, external=True,
                    secondment_unit=from_unit_name, secondment_end=end_date)
    _apply_id_number(person, id_number)
    _save_unique(person)
    _open_entry(person, start_date=start_date, kind=PositionHistory.Kind.ENTRY,
                note=(_("Seconded in from %(u)s") % {"u": from_unit_name})[:200])
    audit_record(action="personnel.secondment_in", actor=actor, obj=person,
                 after={"from": from_unit_name, "end": end_date})
    return person


@transaction.atomic
def person_secondment_in_end(*, uid, on: date, actor: User | None = None) -> Person | None:
    person = Person.objects.select_for_update().filter(uid=uid, external=True, status=S.SECONDED_IN).first()
    if person is None:
        return None
    person.status = S.LEFT
    person.version += 1
    person.save()
    _open_entry(person, start_date=on, kind=PositionHistory.Kind.RETURN,
                note=(_("Returned to %(u)s") % {"u": person.secondment_unit})[:200])
    audit_record(action="personnel.secondment_in_end", actor=actor, obj=person)
    return person
