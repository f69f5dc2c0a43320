"""The daily jobs through the real path: beat's tick on a real Celery worker fans them out to
every unit; each run reads its own unit only (same ids in both units) and warns that unit's
asset officer — a contract about to end, an asset idle for too long — once, however often the
jobs run."""
from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context


@pytest.mark.worker
def test_the_tick_warns_each_units_officer_of_its_own_expiring_contract_and_idle_asset(django_db_setup,
                                                                                     django_db_blocker):
    from modules.assets.leasing.models import LeaseContract
    from modules.assets.models import Asset
    from tests.support.committed import committed_asset, committed_unit
    from tests.support.worker import running_worker
    from zhengtong.celery import app
    from zhengtong.notifications.models import Notification, PeriodicRun

    people = {"officer": (["assets.asset_officer"], [])}
    today = timezone.localdate()
    with django_db_blocker.unblock(), committed_unit(django_db_blocker, people) as (one, one_users), \
            committed_unit(django_db_blocker, people) as (two, two_users):
        ids = {}
        for unit, users in ((one, one_users), (two, two_users)):
            rented, idle = committed_asset(unit, "20000.00"), committed_asset(unit, "3000.00")
            with schema_context(unit.schema_name):
                Asset.objects.filter(pk=rented.pk).update(status=Asset.Status.RENTED)
                Asset.objects.filter(pk=idle.pk).update(status=Asset.Status.IDLE,
                                                        status_changed_on=today - timedelta(days=400))
                contract = LeaseContract.objects.create(
                    asset_id=rented.pk, kind="rent", counterparty=f"{unit.slug}承租方",
                    term_start=today - timedelta(days=360), term_end=today + timedelta(days=5),
                    rent=Decimal("5000.00"), status="active", requested_by=users["officer"])
                ids[unit.schema_name] = (contract.pk, idle.pk)
        assert ids[one.schema_name] == ids[two.schema_name]  # same ids in both units
        officers = [one_users["officer"], two_users["officer"]]

        def inbox():
            with schema_context("public"):
                return list(Notification.objects.filter(recipient__in=officers).select_related("unit"))

        PeriodicRun.objects.all().delete()
        try:
            with running_worker():
                for _ in range(2):  # the jobs run twice: still one warning of each kind per unit
                    app.send_task("zhengtong.notifications.periodic_tick")
                    deadline = time.monotonic() + 60
                    while time.monotonic() < deadline and len(inbox()) < 4:
                        time.sleep(0.5)
                    PeriodicRun.objects.all().delete()  # due again at the next tick
                time.sleep(3)
                found = inbox()
        finally:
            PeriodicRun.objects.all().delete()
        expiring = sorted((n.recipient_id, n.unit.schema_name) for n in found if n.kind == "deadline_approaching")
        idle = sorted((n.recipient_id, n.unit.schema_name) for n in found if n.kind == "module_warning")
        expected = sorted([(one_users["officer"].pk, one.schema_name), (two_users["officer"].pk, two.schema_name)])
        assert expiring == expected and idle == expected
        for n in found:
            unit = one if n.unit.schema_name == one.schema_name else two
            assert n.url.startswith(f"http://{unit.slug}.")
            if n.kind == "deadline_approaching":
                assert f"{unit.slug}承租方" in n.title and str(today + timedelta(days=5)) in n.title
