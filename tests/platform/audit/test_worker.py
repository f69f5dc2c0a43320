"""The daily retention purge on a real Celery worker: the fan-out reaches every unit,
each purge runs in its unit's schema, and what remains still verifies.

Needs committed data (the worker sees nothing else): a scratch unit of its own, aged
events committed into it, everything removed afterwards.
"""
from __future__ import annotations

import time
import uuid

import pytest
from django.db import connection, connections
from django_tenants.utils import schema_context

from tests.support.audit import age_events
from tests.support.worker import running_worker
from zhengtong.audit.models import AuditEvent
from zhengtong.audit.services import audit_record, verify_trail


@pytest.mark.worker
def test_the_daily_purge_runs_in_each_units_schema_on_a_real_worker(django_db_setup, django_db_blocker):
    from tenants.services import unit_onboard
    from zhengtong.audit.tasks import purge_all

    with django_db_blocker.unblock():
        unit = unit_onboard(name="清理测试单位", slug=f"purge-{uuid.uuid4().hex[:8]}", module_keys=[],
                            check_actor=False, send_invite=False).unit
        schema = unit.schema_name
        try:
            with schema_context(schema):
                old = [audit_record(action="test.worker.old") for _ in range(3)]
                young = audit_record(action="test.worker.young")
            age_events(schema, old[-1].pk, days=250)
            with schema_context("u_alpha"):
                alpha_count = AuditEvent.objects.count()

            with running_worker():
                purge_all.delay()  # what beat sends daily, from the public schema
                deadline = time.monotonic() + 45
                anchor = None
                while anchor is None and time.monotonic() < deadline:
                    with schema_context(schema):
                        anchor = AuditEvent.objects.filter(action="audit.purge").first()
                    time.sleep(0.3)
            assert anchor is not None, "the worker did not purge the scratch unit's trail"
            with schema_context(schema):
                assert not AuditEvent.objects.filter(pk__lte=old[-1].pk).exists()
                assert AuditEvent.objects.filter(pk=young.pk).exists()
                assert anchor.after["purged_through_id"] == old[-1].pk and anchor.unit_schema == schema
                assert verify_trail().ok
            with schema_context("u_alpha"):  # young trails elsewhere are left alone
                assert AuditEvent.objects.count() == alpha_count
                assert not AuditEvent.objects.filter(action="audit.purge").exists()
        finally:
            for alias in connections:
                connections[alias].close()
            connection.set_schema_to_public()
            unit.delete(force_drop=True)
