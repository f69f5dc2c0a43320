"""Secondments (借调) in time: reminders before one ends, the person back on the day after
it ended (or earlier when recalled), and the end of seconded-in read-only copies."""
from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from zhengtong.audit.services import audit_record
from zhengtong.core.errors import audited_refusal
from zhengtong.core.updates import snapshot

from ..models import Person, PositionHistory, SecondmentReminder, Transfer
from .common import POSITION_FIELDS, K, S
from .cross_unit import person_secondment_in_end
from .people import _open_entry
from .workflow import can_end_secondment, refuse_unless

if TYPE_CHECKING:
    from zhengtong.accounts.models import User


@audited_refusal("personnel.secondment_return")
@transaction.atomic
def secondment_return(*, transfer_id: int, actor: User | None = None, on: date | None = None) -> Transfer:
    """The seconded person is back (on the end date, or earlier when recalled)."""
    transfer = Transfer.objects.select_for_update().get(pk=transfer_id)
    refuse_unless(can_end_secondment(transfer, actor))
    on = on or transfer.end_date
    person = Person.objects.select_for_update().get(pk=transfer.person_id)
    before = snapshot(person, POSITION_FIELDS)
    person.status = S.IN_POST
    person.seconded_to_department = None
    person.secondment_unit = ""
    person.secondment_end = None
    person.version += 1
    person.save()
    _open_entry(person, start_date=on + timedelta(days=1) if on == transfer.end_date else on,
                kind=PositionHistory.Kind.RETURN, transfer=transfer)
    transfer.status = Transfer.Status.RETURNED
    transfer.save(update_fields=["status", "updated_at"])
    audit_record(action="personnel.secondment_return", actor=actor, obj=transfer, before=before,
                 after=snapshot(person, POSITION_FIELDS))
    return transfer


def secondments_check(*, today: date | None = None) -> dict[str, int]:
    """Daily: remind before a secondment ends (unit rule ``secondment_reminder_days``), bring
    people back the day after it ended, end read-only seconded-in copies. Idempotent."""
    from zhengtong.notifications.services import notify
    from zhengtong.registry.registry import get_module
    from zhengtong.registry.rules import rules_for

    today = today or timezone.localdate()
    days = sorted(set(rules_for(get_module("personnel")).get("secondment_reminder_days") or []))  # nearest first
    result = {"reminded": 0, "returned": 0}
    running = Transfer.objects.filter(kind=K.SECONDMENT, status=Transfer.Status.APPLIED).select_related("person")
    for transfer in running:
        if transfer.end_date < today:
            secondment_return(transfer_id=transfer.pk, on=transfer.end_date)
            result["returned"] += 1
            continue
        left = (transfer.end_date - today).days
        for d in days:
            if left <= d:
                with transaction.atomic():
                    _, is_new = SecondmentReminder.objects.get_or_create(transfer=transfer, days_before=d)
                    if is_new:
                        recipients = {transfer.requested_by_id}
                        if transfer.person.user_id:
                            recipients.add(transfer.person.user_id)
                        dept = transfer.before_department
                        if dept and dept.head_id:
                            recipients.add(dept.head_id)
                        notify(recipients=recipients, kind="deadline_approaching",
                               title=f"借调将于{transfer.end_date}结束：{transfer.person.name}",
                               title_en=f"Secondment of {transfer.person.name} ends on {transfer.end_date}",
                               url=f"/m/personnel/transfers/{transfer.pk}/",
                               dedupe_key=f"personnel.secondment.{transfer.pk}.{d}")
                        result["reminded"] += 1
                break  # only the nearest threshold reached
    for person in Person.objects.filter(external=True, status=S.SECONDED_IN, secondment_end__lt=today):
        person_secondment_in_end(uid=person.uid, on=person.secondment_end + timedelta(days=1))
    return result
