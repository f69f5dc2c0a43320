"""A real worker runs each task in the schema of the unit that sent it."""
import time
import uuid

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from tests.support.worker import running_worker
from zhengtong.audit.models import AuditEvent


@pytest.mark.worker
def test_worker_runs_tasks_in_the_senders_schema(django_db_setup, django_db_blocker):
    from zhengtong.core.tasks import heartbeat

    marker_a, marker_b = f"a-{uuid.uuid4().hex[:8]}", f"b-{uuid.uuid4().hex[:8]}"
    with django_db_blocker.unblock():
        with running_worker():
            with schema_context("u_alpha"):
                heartbeat.delay(marker_a)
            with schema_context("u_beta"):
                heartbeat.delay(marker_b)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                with schema_context("u_alpha"):
                    a = set(AuditEvent.objects.filter(action="worker.heartbeat").values_list("object_id", flat=True))
                with schema_context("u_beta"):
                    b = set(AuditEvent.objects.filter(action="worker.heartbeat").values_list("object_id", flat=True))
                if marker_a in a and marker_b in b:
                    break
                time.sleep(0.3)
        assert marker_a in a and marker_a not in b
        assert marker_b in b and marker_b not in a
        connection.set_schema_to_public()


def test_every_periodic_job_is_a_registered_task_from_the_one_schedule(settings):
    """Beat's schedule is the settings' (nothing patched in at start-up), and each entry and each
    per-unit job the tick fans out names a task a worker knows: a misspelt name would be sent
    every day and never run."""
    from zhengtong.celery import app
    from zhengtong.notifications.periodic import unit_jobs

    assert app.conf.beat_schedule == settings.CELERY_BEAT_SCHEDULE
    app.autodiscover_tasks(force=True)
    beat = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"zhengtong.notifications.periodic_tick", "zhengtong.audit.purge_all", "tenants.pool_refill",
            "security.disable_dormant_accounts"} <= beat
    per_unit = {job.task for job in unit_jobs()}
    assert "zhengtong.approvals.check_deadlines" in per_unit
    assert beat | per_unit <= set(app.tasks)
