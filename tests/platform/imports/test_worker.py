"""A large file goes to a real Celery worker (not eager mode); the person follows its
progress on the job page and finds the result there.

The worker sees committed data only, so this test onboards a unit of its own, commits
what it needs and drops the unit's schema afterwards (the session's units stay clean).
"""
from __future__ import annotations

import shutil
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django_tenants.utils import schema_context

from tests.conftest import PASSWORD
from tests.support.worker import running_worker

from .test_imports import row, xlsx

ROWS = 3000


@pytest.mark.worker
def test_a_large_import_runs_in_a_real_worker_with_progress(django_db_setup, django_db_blocker, client_for):
    from modules.assets.models import Asset
    from modules.assets.selectors import asset_list
    from tenants.services import unit_onboard
    from zhengtong.accounts.models import User
    from zhengtong.accounts.services import member_roles_set
    from zhengtong.audit.models import AuditEvent
    from zhengtong.imports.models import ImportJob

    slug = f"imp{uuid.uuid4().hex[:8]}"
    users = []
    unit = None
    with django_db_blocker.unblock():
        try:
            unit = unit_onboard(name="导入测试单位", slug=slug, module_keys=["assets"], check_actor=False,
                                send_invite=False).unit
            officer = User.objects.create_user(email=f"officer@{slug}.cn", password=PASSWORD, name="专管员")
            holder = User.objects.create_user(email=f"holder@{slug}.cn", password=PASSWORD, name="使用人")
            users = [officer, holder]
            member_roles_set(unit=unit, user=officer, role_keys=["assets.asset_officer"], actor=None,
                             enforce_grantor=False)
            member_roles_set(unit=unit, user=holder, role_keys=["assets.custodian"], actor=None,
                             enforce_grantor=False)
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
            connection.set_schema_to_public()
            if unit is not None:
                shutil.rmtree(Path(settings.MEDIA_ROOT) / unit.schema_name, ignore_errors=True)
                unit.delete(force_drop=True)  # drops the schema with its assets, grants and jobs
            for user in users:
                User.objects.delete_user(user)  # django-tenant-users' way: out of every unit, inactive
                try:
                    with transaction.atomic():
                        User.objects.filter(pk=user.pk)._raw_delete(User.objects.db)
                except IntegrityError:
                    pass  # something else refers to the account: leave it, inactive and in no unit
            connection.set_schema_to_public()
