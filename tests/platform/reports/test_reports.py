"""Reports as a person meets them: request a report, follow it, download it (only the requester,
only in their unit), verify a PDF; numbering per unit and year; the assets module's register
built from what the requester may see. Rendering runs in-process here (document_generate is the
task's body); tests/platform/reports/test_worker.py runs it in a real Celery worker."""
from __future__ import annotations

import hashlib
import re
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import schema_context, tenant_context

from tests.conftest import BETA_HOST
from tests.support.documents import pdf_text
from tests.support.reports import generate, request
from zhengtong.audit.models import AuditEvent
from zhengtong.reports import services
from zhengtong.reports.models import DocumentSequence, IssuedDocument
from zhengtong.reports.registry import find_report, reports_for

OFFICER = "assets.asset_officer"
CUSTODIAN = "assets.custodian"


def test_the_assets_module_declares_its_register_in_the_manifest(alpha, make_user):
    report = find_report("assets.register")
    assert report is not None and report.module.key == "assets"
    assert callable(report.builder()) and report.form_class() is not None
    user = make_user(alpha, [CUSTODIAN])
    with tenant_context(alpha):
        assert [r.key for r in reports_for(user=user, unit=alpha)] == ["assets.register"]


def test_numbers_are_per_unit_and_per_year(alpha, beta, make_user, django_capture_on_commit_callbacks):
    a, b = make_user(alpha, [OFFICER]), make_user(beta, [OFFICER])
    with django_capture_on_commit_callbacks(execute=False) as queued:
        first, second = request(alpha, a), request(alpha, a)
        other = request(beta, b)
    year = first.year
    assert (first.number, second.number) == (f"ALPHA-{year}-000001", f"ALPHA-{year}-000002")
    assert other.number == f"BETA-{year}-000001"
    assert len(queued) == 3  # one render task each, sent only once the request commits
    with schema_context("u_alpha"):
        assert services.next_document_number(unit=alpha, year=year + 1)[0] == f"ALPHA-{year + 1}-000001"


def test_concurrent_requests_never_share_a_number(django_db_setup, django_db_blocker):
    """Two real transactions take numbers at the same moment, for a year with no row yet."""
    from django.db import connections, transaction

    from tenants.models import Unit

    year, results, errors = 1999, [], []
    barrier = threading.Barrier(2)

    def take():
        try:
            with django_db_blocker.unblock():
                unit = Unit.objects.get(slug="alpha")
                connection.set_tenant(unit)
                with transaction.atomic():
                    barrier.wait(timeout=10)
                    results.append(services.next_document_number(unit=unit, year=year)[0])
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    with django_db_blocker.unblock(), schema_context("u_alpha"):
        DocumentSequence.objects.filter(year=year).delete()
    assert not errors, errors
    assert sorted(results) == ["ALPHA-1999-000001", "ALPHA-1999-000002"]


def test_requesting_the_register_queues_it_and_shows_progress(alpha, make_user, client_for,
                                                              django_capture_on_commit_callbacks):
    user = make_user(alpha, [OFFICER])
    client = client_for(user)
    assert 'href="/reports/"' in client.get("/").content.decode()  # in the sidebar of every page
    page = client.get("/reports/")
    assert page.status_code == 200 and "资产登记簿" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        resp = client.post("/reports/new/assets.register/", {"q": "", "status": "in_use"})
    assert resp.status_code == 302
    with schema_context("u_alpha"):
        doc = IssuedDocument.objects.get(requested_by=user)
        assert doc.status == "queued" and doc.parameters == {"q": "", "status": "in_use", "include_disposed": False}
        assert AuditEvent.objects.filter(action="reports.document.request", object_id=str(doc.pk)).exists()
    assert resp["Location"] == f"/reports/{doc.pk}/" and len(queued) == 1
    detail = client.get(resp["Location"]).content.decode()
    assert doc.number in detail and 'http-equiv="refresh"' in detail  # the page follows the render
    with schema_context("u_alpha"):
        IssuedDocument.objects.filter(pk=doc.pk).update(status="running", progress=40, phase="正在生成页面 (2/5)")
    status = client.get(f"/reports/{doc.pk}/status/").json()
    assert (status["status"], status["progress"], status["download_url"]) == ("running", 40, None)


def test_register_lists_what_the_requester_may_see_with_the_total(alpha, make_user, make_asset, issued_files):
    officer = make_user(alpha, [OFFICER], name="资产专管员甲")
    custodian = make_user(alpha, [CUSTODIAN], name="使用人乙")
    make_asset(alpha, name="激光打印机", value="3000.50", custodian=custodian)
    make_asset(alpha, name="会议桌", value="1200.25", custodian=custodian)
    make_asset(alpha, name="服务器", value="88000.00")  # nobody's: only the officer sees it

    mine = generate(alpha, request(alpha, custodian), issued_files)
    assert mine.status == "done" and mine.rows == 2 and mine.pages == 1
    data = mine.pdf
    assert mine.sha256 == hashlib.sha256(data).hexdigest() and mine.size == len(data)
    text = pdf_text(data)
    assert "甲单位" in text and mine.number in text and "资产登记簿" in text
    assert "激光打印机" in text and "会议桌" in text and "服务器" not in text
    assert re.search(r"合计\s*2\s*项.*4,200\.75", text), text
    assert "制表人：使用人乙" in text
    assert str(mine.path).split("/media/")[1] == f"u_alpha/reports/{mine.year}/{mine.number}.pdf"

    full = generate(alpha, request(alpha, officer, {"status": "in_use"}), issued_files)
    text = pdf_text(full.pdf)
    assert full.rows == 3 and "服务器" in text and "92,200.75" in text and "状态：在用" in text
    with schema_context("u_alpha"):
        issued = AuditEvent.objects.get(action="reports.document.issue", object_id=str(full.pk))
        assert issued.after["sha256"] == full.sha256


def test_only_the_requester_can_download_in_their_unit(alpha, beta, make_user, make_asset, client_for,
                                                       issued_files):
    owner = make_user(alpha, [OFFICER])
    colleague = make_user(alpha, [OFFICER, "platform.unit_admin"])
    outsider = make_user(beta, [OFFICER])
    make_asset(alpha, name="甲单位的电脑")
    doc = generate(alpha, request(alpha, owner), issued_files)
    # Beta holds a document with the same id, requested by the outsider.
    with schema_context("u_beta"):
        same_id = IssuedDocument.objects.create(pk=doc.pk, number="BETA-X", year=doc.year, sequence=1,
                                                report_key="assets.register", title="乙", requested_by=outsider)

    resp = client_for(owner).get(f"/reports/{doc.pk}/download/")
    assert resp.status_code == 200
    assert resp["Content-Type"] == "application/pdf"
    assert resp["Content-Disposition"].startswith("attachment;") and doc.number in resp["Content-Disposition"]
    assert resp["X-Content-Type-Options"] == "nosniff"
    body = b"".join(resp.streaming_content)
    assert body.startswith(b"%PDF-") and "甲单位的电脑" in pdf_text(body)

    for url in (f"/reports/{doc.pk}/", f"/reports/{doc.pk}/download/", f"/reports/{doc.pk}/status/"):
        assert client_for(colleague).get(url).status_code == 404  # not even the unit admin
        assert client_for(outsider).get(url).status_code == 404  # not a member of alpha
        # On beta's host the outsider reaches beta's document with that id — never alpha's.
        resp = client_for(outsider, BETA_HOST).get(url)
        assert resp.status_code in (200, 404) and doc.number not in resp.content.decode(errors="ignore")
    assert client_for(outsider, BETA_HOST).get(f"/reports/{doc.pk}/").status_code == 200  # its own
    assert client_for(None).get(f"/reports/{doc.pk}/download/").status_code == 302  # to the login page

    listing = client_for(colleague).get("/reports/").content.decode()
    assert doc.number not in listing
    assert doc.number in client_for(owner).get("/reports/").content.decode()
    assert "BETA-X" not in client_for(owner).get("/reports/").content.decode()
    with schema_context("u_alpha"):
        assert AuditEvent.objects.filter(action="reports.document.download", object_id=str(doc.pk)).count() == 1
    assert same_id.pk == doc.pk


def test_verify_tells_an_unmodified_original_from_anything_else(alpha, beta, make_user, make_asset, client_for,
                                                               issued_files):
    user = make_user(alpha, [OFFICER])
    make_asset(alpha, name="投影仪")
    doc = generate(alpha, request(alpha, user), issued_files)
    original = doc.pdf
    client = client_for(user)

    def verify(data: bytes, c=client, name="x.pdf"):
        return c.post("/reports/verify/", {"file": _upload(data, name)}).content.decode()

    page = verify(original)
    assert "未经改动的原件" in page and doc.number in page and doc.sha256 in page

    # One changed byte in the middle of the file is enough.
    tampered = bytearray(original)
    tampered[len(tampered) // 2] ^= 0x01
    page = verify(bytes(tampered))
    assert "不是原件" in page and f"该文件自称是文档 {doc.number}" in page and "已被改动" in page
    page = verify(original + b"\n% appended\n")
    assert "已被改动" in page

    assert "本单位出具的文档中没有" in verify(b"%PDF-1.7\n%%EOF\n")
    assert "不是 PDF 文件" in verify(b"hello", name="x.txt")
    # The same original checked on another unit's host is not that unit's document.
    other = make_user(beta, [OFFICER])
    page = verify(original, c=client_for(other, BETA_HOST))
    assert "不是原件" in page and "本单位未出具过该文档" in page
    with schema_context("u_alpha"):
        assert AuditEvent.objects.filter(action="reports.document.verify").count() == 5


def _upload(data: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/pdf")


def test_no_report_where_the_module_is_switched_off(alpha, make_user, client_for):
    from tenants.models import UnitModule

    user = make_user(alpha, [OFFICER])
    UnitModule.objects.filter(unit=alpha, module_key="assets").update(enabled=False)
    alpha.refresh_from_db()
    client = client_for(user)
    assert "资产登记簿" not in client.get("/reports/").content.decode()
    assert client.get("/reports/new/assets.register/").status_code == 404
    assert client.post("/reports/new/assets.register/", {}).status_code == 404
    with tenant_context(alpha), pytest.raises(services.PermissionDenied):
        services.document_request(actor=user, unit=alpha, report_key="assets.register", parameters={})
    with schema_context("u_alpha"):
        assert not IssuedDocument.objects.exists()
        assert AuditEvent.objects.filter(action="reports.document.request", result="denied").exists()


def test_a_failed_render_keeps_its_number_and_says_so(alpha, make_user, client_for, issued_files):
    user = make_user(alpha, [OFFICER])
    doc = request(alpha, user)
    with schema_context("u_alpha"):
        IssuedDocument.objects.filter(pk=doc.pk).update(report_key="assets.gone")
    failed = generate(alpha, doc, issued_files)
    assert failed.status == "failed" and failed.number == doc.number and "assets.gone" in failed.error
    page = client_for(user).get(f"/reports/{doc.pk}/").content.decode()
    assert "报表未能生成" in page
    assert client_for(user).get(f"/reports/{doc.pk}/download/").status_code == 404


def test_money_totals_are_exact(alpha, make_user, make_asset, issued_files):
    user = make_user(alpha, [OFFICER])
    for value in ("0.10", "0.20", "1234567.89"):
        make_asset(alpha, value=value)
    doc = generate(alpha, request(alpha, user), issued_files)
    assert "1,234,568.19" in pdf_text(doc.pdf)
    assert Decimal("0.10") + Decimal("0.20") + Decimal("1234567.89") == Decimal("1234568.19")


def test_the_district_portal_has_its_own_downloads_and_verify_page(operator, client_for, alpha, make_user,
                                                                   issued_files):
    from tests.conftest import DISTRICT_HOST

    client = client_for(operator, DISTRICT_HOST)
    page = client.get("/reports/").content.decode()
    assert "我的下载" in page and "资产登记簿" not in page  # no unit module reports at the district
    assert client.get("/reports/new/assets.register/").status_code == 404
    # A unit's original is not a district document.
    user = make_user(alpha, [OFFICER])
    doc = generate(alpha, request(alpha, user), issued_files)
    verdict = client.post("/reports/verify/", {"file": _upload(doc.pdf, "x.pdf")}).content.decode()
    assert "不是原件" in verdict
    assert client.get(f"/reports/{doc.pk}/download/").status_code == 404
