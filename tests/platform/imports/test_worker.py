"""A large file goes to a real Celery worker (not eager mode); the person follows its
progress on the job page and finds the result there.

The worker sees committed data only, so this test onboards a unit of its own, commits
what it needs and drops the unit's schema afterwards (the session's units stay clean).
"""
from __future__ import annotations

import time
import uuid

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django_tenants.utils import schema_context

from tests.support.asset_imports import row, xlsx
from tests.support.worker import running_worker

ROWS = 3000


@pytest.mark.worker
def test_a_large_import_runs_in_a_real_worker_with_progress(django_db_setup, django_db_blocker, client_for):
    from modules.assets.models import Asset
    from modules.assets.selectors import asset_list
    from tests.support.committed import drop_unit, drop_users
    from tests.support.factories import MemberFactory, UnitFactory
    from zhengtong.audit.models import AuditEvent
    from zhengtong.imports.models import ImportJob

    slug = f"imp{uuid.uuid4().hex[:8]}"
    users = []
    unit = None
    with django_db_blocker.unblock():
        try:
            unit = UnitFactory(name="导入测试单位", slug=slug, module_keys=["assets"])
            officer = MemberFactory(unit=unit, roles=["assets.asset_officer"], email=f"officer@{slug}.cn",
                                    name="专管员")
            holder = MemberFactory(unit=unit, roles=["assets.custodian"], email=f"holder@{slug}.cn", name="使用人")
            users = [officer, holder]
            rows = [row(None if i % 2 else f"W-{i:05d}", f"资产{i}", value=f"{i}.50",
                        custodian=holder.email if i % 3 == 0 else None) for i in range(ROWS)]
            data = xlsx(rows)
            settings.IMPORTS_INLINE_MAX_BYTES = 16 * 1024  # this file is larger: it must go to Celery
            try:
                assert len(data) > settings.IMPORTS_INLINE_MAX_BYTES
                client = client_for(officer, unit.primary_host)
                with running_worker():
                    r = client.post("/imports/assets.asset/", {"file": SimpleUploadedFile("大批量.xlsx", data)})
                    assert r.status_code == 302
                    job_url = r["Location"]
                    first_page = client.get(job_url).content.decode()
                    seen = []
                    deadline = time.monotonic() + 120
                    while time.monotonic() < deadline:
                        status = client.get(job_url + "status.json").json()
                        seen.append((status["status"], status["progress"]))
                        if status["finished"]:
                            break
                        time.sleep(0.2)
            finally:
                del settings.IMPORTS_INLINE_MAX_BYTES
            assert status["status"] == "done", status
            assert status["created"] == ROWS and status["progress"] == 100
            assert seen[0][0] in ("pending", "running")  # the person saw it waiting or running ...
            assert "progress" in first_page and "http-equiv=\"refresh\"" in first_page  # ... on a refreshing page
            with schema_context(unit.schema_name):
                job = ImportJob.objects.get()
                assert job.run_in_background and job.started_at and job.finished_at and job.heartbeat_at
                assert Asset.objects.count() == ROWS
                assert Asset.objects.filter(number__startswith=f"{slug.upper()}-2024-").count() == ROWS // 2
                assert asset_list(user=holder).count() == ROWS // 3  # custodian grants made in bulk
                run = AuditEvent.objects.get(action="imports.run", object_id=str(job.pk))
                assert run.result == AuditEvent.Result.SUCCESS and run.after["created"] == ROWS
                assert run.actor_id == officer.pk
            done_page = client.get(job_url).content.decode()
            assert "已导入" in done_page and "http-equiv=\"refresh\"" not in done_page
        finally:
            if unit is not None:
                drop_unit(unit)  # the schema with its assets, grants and jobs, and its media folder
            drop_users(users)
            connection.set_schema_to_public()
