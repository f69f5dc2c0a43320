"""The daily maintenance job through the real path: beat's tick on a real Celery worker fans it
out to every unit with the module on; each run schedules its own unit's devices (same ids in both
units), no duplicates however often it runs, and warns that unit's technician of its overdue work
once."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context


@pytest.mark.worker
def test_the_tick_schedules_each_units_devices_once_and_warns_its_own_technician(django_db_setup,
                                                                                django_db_blocker):
    from modules.equipment.models import Device, DeviceType, MaintenanceTask
    from tenants.models import UnitModule
    from tests.support.committed import committed_unit
    from tests.support.worker import running_worker
    from zhengtong.celery import app
    from zhengtong.notifications.models import Notification, PeriodicRun

    people = {"tech": (["equipment.technician"], [])}
    today = timezone.localdate()
    with django_db_blocker.unblock(), committed_unit(django_db_blocker, people) as (one, one_users), \
            committed_unit(django_db_blocker, people) as (two, two_users):
        for unit in (one, two):
            UnitModule.objects.get_or_create(unit=unit, module_key="equipment")
            with schema_context(unit.schema_name):
                dtype = DeviceType.objects.create(name="定时任务投影仪", maintenance_interval_days=180,
                                                  inspection_interval_days=30)
                Device.objects.create(pk=881001, device_type=dtype, name=f"{unit.slug}投影仪")
                late = Device.objects.create(pk=881002, device_type=dtype, name=f"{unit.slug}逾期设备")
                # Inspected 40 days ago: its next inspection fell due 10 days ago.
                MaintenanceTask.objects.create(device=late, kind="inspection", due_on=today - timedelta(days=40),
                                               status="done", done_on=today - timedelta(days=40))
        techs = [one_users["tech"], two_users["tech"]]

        def warnings():
            with schema_context("public"):
                return list(Notification.objects.filter(recipient__in=techs, kind="deadline_overdue")
                            .select_related("unit"))

        PeriodicRun.objects.all().delete()
        try:
            with running_worker():
                for _ in range(2):  # twice: still one task per device and kind, one warning per unit
                    app.send_task("zhengtong.notifications.periodic_tick")
                    deadline = time.monotonic() + 60
                    while time.monotonic() < deadline and len(warnings()) < 2:
                        time.sleep(0.5)
                    PeriodicRun.objects.all().delete()  # due again at the next tick
                time.sleep(3)
                found = warnings()
        finally:
            PeriodicRun.objects.all().delete()
        for unit in (one, two):
            with schema_context(unit.schema_name):
                open_tasks = sorted(MaintenanceTask.objects.filter(status="open")
                                    .values_list("device_id", "kind", "due_on"))
            assert open_tasks == [
                (881001, "inspection", today + timedelta(days=7)), (881001, "maintenance", today + timedelta(days=7)),
                (881002, "inspection", today - timedelta(days=10)), (881002, "maintenance", today + timedelta(days=7)),
            ]
        assert sorted((n.recipient_id, n.unit.schema_name) for n in found) == sorted(
            [(one_users["tech"].pk, one.schema_name), (two_users["tech"].pk, two.schema_name)])
        for n in found:
            unit = one if n.unit.schema_name == one.schema_name else two
            other = two if unit is one else one
            assert f"{unit.slug}逾期设备" in n.body and other.slug not in n.body
