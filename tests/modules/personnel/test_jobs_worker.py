"""Moves take effect through the real path: beat's tick on a real Celery worker fans
``personnel.transfers_apply_due`` out to every unit with the module on; each run applies its
own unit's due moves only (same ids in both units), once, however often it runs."""
from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context


@pytest.mark.worker
def test_the_tick_applies_each_units_due_move_once(django_db_setup, django_db_blocker):
    from modules.personnel import crypto, services
    from modules.personnel.models import Person, PositionHistory, Transfer
    from tenants.models import UnitModule
    from tests.support.committed import committed_unit
    from tests.support.worker import running_worker
    from zhengtong.celery import app
    from zhengtong.notifications.models import PeriodicRun

    people = {"hr": (["personnel.hr"], [])}
    today = timezone.localdate()
    with django_db_blocker.unblock(), committed_unit(django_db_blocker, people) as (one, one_users), \
            committed_unit(django_db_blocker, people) as (two, two_users):
        ids = {}
        for n, (unit, users) in enumerate(((one, one_users), (two, two_users))):
            UnitModule.objects.get_or_create(unit=unit, module_key="personnel")
            with schema_context(unit.schema_name):
                hr = users["hr"]
                office = services.department_create(actor=hr, name="办公室")
                finance = services.department_create(actor=hr, name="财务科")
                clerk = services.post_create(actor=hr, department=office, title="文秘", establishment=1)
                accountant = services.post_create(actor=hr, department=finance, title="会计", establishment=1)
                first17 = f"11010119850307{n:03d}"
                person = services.person_create(
                    actor=hr, name=f"{unit.slug}职员", gender="male",
                    id_number=first17 + crypto.id_number_check_digit(first17), entry_date=date(2020, 1, 1),
                    employment_type="civil_servant", post=clerk)
                due = services.transfer_request(actor=hr, person=person, kind="internal", effective_date=today,
                                                reason="工作需要", after_post=accountant, submit=False)
                services.transfer_status_set(transfer_id=due.pk, status=Transfer.Status.APPROVED, actor=hr)
                ids[unit.schema_name] = (person.pk, due.pk, accountant.pk)
        assert ids[one.schema_name][:2] == ids[two.schema_name][:2]  # same ids in both units

        def applied() -> int:
            count = 0
            for unit in (one, two):
                with schema_context(unit.schema_name):
                    count += Transfer.objects.filter(status=Transfer.Status.APPLIED).count()
            return count

        PeriodicRun.objects.all().delete()
        try:
            with running_worker():
                for _ in range(2):  # the job runs twice: each move still applied once
                    app.send_task("zhengtong.notifications.periodic_tick")
                    deadline = time.monotonic() + 60
                    while time.monotonic() < deadline and applied() < 2:
                        time.sleep(0.5)
                    PeriodicRun.objects.all().delete()
                time.sleep(3)
        finally:
            PeriodicRun.objects.all().delete()
        for unit in (one, two):
            person_pk, _transfer_pk, accountant_pk = ids[unit.schema_name]
            with schema_context(unit.schema_name):
                person = Person.objects.get(pk=person_pk)
                assert person.post_id == accountant_pk
                entries = list(PositionHistory.objects.filter(person=person).order_by("start_date", "pk")
                               .values_list("kind", "start_date", "end_date", "post_title"))
                assert entries == [("entry", date(2020, 1, 1), today - timedelta(days=1), "文秘"),
                                   ("change", today, None, "会计")]
