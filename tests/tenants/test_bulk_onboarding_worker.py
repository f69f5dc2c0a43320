"""Bulk onboarding at a real district's size, on a real Celery worker (issue 12, item 2).

Thirty units in one file (the old single-transaction import failed at the 19th on
PostgreSQL's lock table); the worker's pool process is killed with SIGKILL while it is
creating them. The unit it was making rolls back whole, the message comes back
(acks_late + reject_on_worker_lost) and the job goes on from the first row without a unit:
every unit exists exactly once and nothing half-built is left.
"""
from __future__ import annotations

import os
import signal
import uuid

import psutil
import pytest
from django.db import connection
from django_tenants.utils import schema_context

from tests.support.committed import drop_units, drop_users, wait_for
from tests.support.spreadsheets import units_xlsx
from tests.support.worker import running_worker

UNITS = 30


@pytest.mark.worker
def test_thirty_units_from_one_file_survive_a_killed_worker(django_db_setup, django_db_blocker):
    from tenants.bulk import bulk_job_progress, units_bulk_onboard
    from tenants.models import BulkOnboarding, Domain, Unit
    from tests.support.factories import MemberFactory

    tag = uuid.uuid4().hex[:6]
    slugs = [f"bk{tag}-{i:02d}" for i in range(UNITS)]
    with django_db_blocker.unblock():
        operator = MemberFactory(district_roles=["district.operator"], email=f"op-{tag}@scratch.test",
                                 name="批量操作员")
        job = None
        try:
            with running_worker(concurrency=1) as (proc, log):
                rows = [[f"批量单位{i:02d}", slug, "", "学校" if i % 2 else "局", "assets", ""]
                        for i, slug in enumerate(slugs)]
                result = units_bulk_onboard(filename="district.xlsx", data=units_xlsx(rows), actor=operator)
                assert result.errors == []
                job = result.job

                wait_for("the first units", lambda: bulk_job_progress(job).created >= 5, timeout=300)
                [child] = psutil.Process(proc.pid).children()
                os.kill(child.pid, signal.SIGKILL)  # mid-way: most likely inside a unit's transaction

                def finished():
                    job.refresh_from_db()
                    return job.status == BulkOnboarding.Status.DONE

                wait_for("the job to resume and finish", finished, timeout=600)
                assert proc.poll() is None
                text = log.read_text(errors="replace")
                assert "SIGKILL" in text or "WorkerLostError" in text

            progress = bulk_job_progress(job)
            assert (progress.total, progress.created, progress.failed) == (UNITS, UNITS, 0)
            units = Unit.objects.filter(slug__in=slugs)
            assert sorted(units.values_list("slug", flat=True)) == slugs  # each exactly once
            assert Domain.objects.filter(tenant__in=units).count() == UNITS
            with connection.cursor() as cur:
                cur.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", [f"u_bk{tag}%"])
                schemas = sorted(r[0] for r in cur.fetchall())
            assert schemas == sorted(u.schema_name for u in units)  # no half-built schema left
            for unit in units:
                with schema_context(unit.schema_name), connection.cursor() as cur:
                    cur.execute("SELECT count(*) FROM auth_group WHERE name = 'platform.unit_admin'")
                    assert cur.fetchone()[0] == 1  # a working unit, roles and all
        finally:
            drop_units(slugs)
            if job is not None:
                BulkOnboarding.objects.filter(pk=job.pk).delete()
            drop_users([operator])
