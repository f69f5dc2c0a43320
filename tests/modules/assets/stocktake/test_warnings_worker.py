"""The deadline warning through the real path: beat's tick on a real Celery worker fans the
job out to every unit, each run finds its own unit's overdue campaign (same ids in both
units) and warns that unit's counter — once, however often the job runs."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context


@pytest.mark.worker
def test_the_tick_warns_each_unit_s_counters_of_their_own_overdue_stocktake(django_db_setup, django_db_blocker):
    from modules.assets.stocktake import services
    from modules.assets.stocktake.models import Campaign
    from tests.support.committed import committed_asset, committed_unit
    from tests.support.worker import running_worker
    from zhengtong.celery import app
    from zhengtong.notifications.models import Notification, PeriodicRun

    people = {"officer": (["assets.asset_officer"], []), "counter": (["assets.custodian"], [])}
    with django_db_blocker.unblock(), committed_unit(django_db_blocker, people) as (one, one_users), \
            committed_unit(django_db_blocker, people) as (two, two_users):
        ids = {}
        for unit, users in ((one, one_users), (two, two_users)):
            committed_asset(unit, "1000.00")
            with schema_context(unit.schema_name):
                campaign = services.campaign_start(actor=users["officer"], title=f"{unit.slug}清查",
                                                   deadline=timezone.localdate(), counters=[users["counter"]])
                Campaign.objects.filter(pk=campaign.pk).update(deadline=timezone.localdate() - timedelta(days=1))
                ids[unit.schema_name] = campaign.pk
        assert ids[one.schema_name] == ids[two.schema_name]  # same ids in both units
        counters = [one_users["counter"], two_users["counter"]]
        PeriodicRun.objects.all().delete()
        try:
            with running_worker():
                for _ in range(2):  # sent twice: still one warning each (exactly: test_district_and_warnings)
                    app.send_task("zhengtong.notifications.periodic_tick")
                    deadline = time.monotonic() + 60
                    while time.monotonic() < deadline:
                        with schema_context("public"):
                            found = list(Notification.objects.filter(kind="deadline_overdue", recipient__in=counters)
                                         .select_related("unit"))
                        if len(found) >= 2:
                            break
                        time.sleep(0.5)
                    PeriodicRun.objects.all().delete()  # due again at the next tick
                time.sleep(3)
                with schema_context("public"):
                    found = list(Notification.objects.filter(kind="deadline_overdue", recipient__in=counters)
                                 .select_related("unit"))
        finally:
            PeriodicRun.objects.all().delete()
        assert sorted((n.recipient_id, n.unit.schema_name) for n in found) == sorted(
            [(one_users["counter"].pk, one.schema_name), (two_users["counter"].pk, two.schema_name)])
        for n in found:
            unit = one if n.unit.schema_name == one.schema_name else two
            assert f"{unit.slug}清查" in n.title and n.url.startswith(f"http://{unit.slug}.")
