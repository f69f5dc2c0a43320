"""A real Celery worker (not eager mode) renders a report for a unit, in that unit's schema.

The worker sees committed data only, so this test onboards two units of its own holding assets
with the same ids, commits what it needs, and drops both schemas afterwards. The report is
requested, followed and downloaded through the unit's web pages, as a person would.
"""
from __future__ import annotations

import re
import shutil
import time
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django_tenants.utils import schema_context

from tests.conftest import PASSWORD
from tests.support.documents import pdf_text
from tests.support.worker import running_worker

ASSETS = 40


@pytest.mark.worker
def test_a_real_worker_renders_the_register_in_the_requesting_units_schema(django_db_setup, django_db_blocker,
                                                                           client_for):
    from modules.assets.models import Asset
    from tenants.services import unit_onboard
    from zhengtong.accounts.models import User
    from zhengtong.accounts.services import member_roles_set
    from zhengtong.audit.models import AuditEvent
    from zhengtong.reports.models import IssuedDocument

    tag = uuid.uuid4().hex[:6]
    units, users = [], []
    with django_db_blocker.unblock():
        try:
            for slug, name in ((f"rpa{tag}", "报表测试甲单位"), (f"rpb{tag}", "报表测试乙单位")):
                units.append(unit_onboard(name=name, slug=slug, module_keys=["assets"], check_actor=False,
                                          send_invite=False).unit)
            mine, other = units
            officer = User.objects.create_user(email=f"officer@{mine.slug}.cn", password=PASSWORD, name="专管员甲")
            users.append(officer)
            member_roles_set(unit=mine, user=officer, role_keys=["assets.asset_officer"], actor=None,
                             enforce_grantor=False)
            for unit, prefix in ((mine, "甲"), (other, "乙")):  # the same ids in both units
                with schema_context(unit.schema_name):
                    Asset.objects.bulk_create(
                        Asset(pk=i, number=f"{unit.slug.upper()}-{i:04d}", name=f"{prefix}单位资产{i}",
                              original_value=Decimal("1000.25"), acquired_on=date(2024, 3, 1))
                        for i in range(1, ASSETS + 1))

            client = client_for(officer, mine.primary_host)
            # Small chunks: the worker's render is split over two render processes and merged.
            with running_worker(extra_env={"ZT_REPORT_ROWS_PER_CHUNK": "15", "ZT_REPORT_WORKERS": "2"}):
                r = client.post("/reports/new/assets.register/", {"q": "", "status": ""})
                assert r.status_code == 302
                detail_url = r["Location"]
                status_url = detail_url + "status/"
                first_page = client.get(detail_url).content.decode()
                seen = []
                deadline = time.monotonic() + 300
                while time.monotonic() < deadline:
                    status = client.get(status_url).json()
                    seen.append((status["status"], status["progress"]))
                    if status["status"] in ("done", "failed"):
                        break
                    time.sleep(0.3)
            assert status["status"] == "done", (status, seen)
            assert seen[0][0] in ("queued", "running") and 'http-equiv="refresh"' in first_page
            assert any(0 < p < 100 for s, p in seen if s == "running") or len(seen) < 3  # progress shown

            download = client.get(status["download_url"])
            assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment;")
            pdf = b"".join(download.streaming_content)
            text = pdf_text(pdf)
            pages = text.split("\f")[:-1]
            assert "报表测试甲单位" in text and "乙单位资产" not in text and "报表测试乙单位" not in text
            assert sorted(int(n) for n in re.findall(r"甲单位资产(\d+)", text)) == list(range(1, ASSETS + 1))
            assert re.search(r"合计\s*40\s*项.*40,010\.00", text)
            for n, page in enumerate(pages, start=1):
                assert f"第{n}页/共{len(pages)}页" in re.sub(r"\s+", "", page)

            with schema_context(mine.schema_name):
                doc = IssuedDocument.objects.get()
                assert doc.number.startswith(f"{mine.slug.upper()}-") and doc.number in text
                path = Path(settings.MEDIA_ROOT) / mine.schema_name / doc.file.name
                assert path.read_bytes() == pdf  # the file is in the unit's own folder
                issued = AuditEvent.objects.get(action="reports.document.issue", object_id=str(doc.pk))
                assert issued.after["chunks"] > 1 and issued.after["passes"] == 1
                assert issued.actor_id == officer.pk
            with schema_context(other.schema_name):
                assert not IssuedDocument.objects.exists()
            with schema_context("public"):
                assert not IssuedDocument.objects.filter(number=doc.number).exists()
        finally:
            connection.set_schema_to_public()
            for unit in units:
                shutil.rmtree(Path(settings.MEDIA_ROOT) / unit.schema_name, ignore_errors=True)
                unit.delete(force_drop=True)  # drops the schema with its assets and documents
            for user in users:
                User.objects.delete_user(user)  # django-tenant-users' way: out of every unit, inactive
                try:
                    with transaction.atomic():
                        User.objects.filter(pk=user.pk)._raw_delete(User.objects.db)
                except IntegrityError:
                    pass  # something else refers to the account: leave it, inactive and in no unit
            connection.set_schema_to_public()
