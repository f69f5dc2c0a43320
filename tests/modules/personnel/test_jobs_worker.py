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
    from modules.personnel import services
    from modules.personnel.models import Person, PositionHistory, Transfer
    from tenants.models import UnitModule
    from tests.support.committed import committed_unit
    from tests.support.factories import DepartmentFactory, PersonFactory, PostFactory
    from tests.support.factories.personnel import id_number
    from tests.support.worker import running_worker
    from zhengtong.celery import app
    from zhengtong.notifications.models import PeriodicRun

    people = {"hr": (["personnel.hr"], [])}
    today = timezone.localdate()
    with django_db_blocker.unblock(), committed_unit(django_db_blocker, people) as (one, one_users), \
            committed_unit(django_db_blocker, people) as (two, two_users):
        ids = {}
        for unit, users in ((one, one_users), (two, two_users)):
            UnitModule.objects.get_or_create(unit=unit, module_key="personnel")
            hr = users["hr"]
            made_by_hr = {"unit": unit, "actor": hr}
            office = DepartmentFactory(**made_by_hr, name="办公室")
            finance = DepartmentFactory(**made_by_hr, name="财务科")
            clerk = PostFactory(**made_by_hr, department=office, title="文秘", establishment=1)
            accountant = PostFactory(**made_by_hr, department=finance, title="会计", establishment=1)
            person = PersonFactory(**made_by_hr, name=f"{unit.slug}职员", id_number=id_number(), post=clerk, rank="")
            with schema_context(unit.schema_name):
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
