"""Attachments: checked by content, stored under the unit's folder, served only through
the permission-checked view, never across units."""
from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django_tenants.utils import schema_context

from tests.conftest import ALPHA_HOST, BETA_HOST

OFFICER = ["assets.asset_officer"]
from tests.support.documents import PDF  # noqa: E402  (a real one-page PDF)


def png_bytes(color=(200, 30, 30)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(out, "PNG")
    return out.getvalue()


def windows_program() -> bytes:
    """A real Windows executable (setuptools ships its launchers), else a PE header."""
    import setuptools

    for name in ("cli-64.exe", "cli.exe", "gui-64.exe"):
        path = Path(setuptools.__file__).parent / name
        if path.exists():
            return path.read_bytes()
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 50 + b"PE\x00\x00" + b"\x00" * 200


def linux_program() -> bytes:
    return Path(shutil.which("true")).read_bytes()  # a real ELF binary


@pytest.fixture
def media_cleanup():
    """The database rolls back after each test; the bytes on disk must go too."""
    roots = [Path(settings.MEDIA_ROOT) / s / "attachments" for s in ("u_alpha", "u_beta")]
    before = {p for r in roots if r.exists() for p in r.rglob("*") if p.is_file()}
    yield
    for r in roots:
        if r.exists():
            for p in r.rglob("*"):
                if p.is_file() and p not in before:
                    p.unlink()


def attachments(unit, asset=None):
    from zhengtong.files.models import Attachment

    with schema_context(unit.schema_name):
        qs = Attachment.objects.all()
        if asset is not None:
            qs = qs.filter(owner_id=asset.pk)
        return list(qs)


def upload(client, use, asset, name, content, **extra):
    return client.post(f"/files/upload/{use}/{asset.pk}/",
                       {"file": SimpleUploadedFile(name, content), "next": f"/m/assets/{asset.pk}/"}, **extra)


def page_text(client, asset) -> str:
    return client.get(f"/m/assets/{asset.pk}/").content.decode()


def test_invoice_and_photo_on_an_asset_card(alpha, make_user, client_for, make_asset, media_cleanup):
    officer = make_user(alpha, OFFICER)
    asset = make_asset(alpha)
    c = client_for(officer)
    r = upload(c, "assets.invoice", asset, "2024年1月 采购发票.pdf", PDF)
    assert r.status_code == 302 and r["Location"] == f"/m/assets/{asset.pk}/"
    r = upload(c, "assets.photo", asset, "IMG_0001.PNG", png_bytes())
    assert r.status_code == 302
    [invoice, photo] = attachments(alpha, asset)
    assert (invoice.use, invoice.name, invoice.mime) == ("assets.invoice", "2024年1月 采购发票.pdf", "application/pdf")
    assert (photo.use, photo.name, photo.extension) == ("assets.photo", "IMG_0001.png", "png")
    # the card lists both, each with its download link
    html = page_text(c, asset)
    assert f"/files/{invoice.pk}/" in html and "2024年1月 采购发票.pdf" in html and "IMG_0001.png" in html
    # the bytes are on disk under the unit's own folder, under a random name
    path = Path(invoice.file.path)
    assert path.is_relative_to(Path(settings.MEDIA_ROOT) / "u_alpha" / "attachments")
    assert path.read_bytes() == PDF and "采购" not in path.name
    # and come back only as a download the browser will not sniff or render
    r = c.get(f"/files/{invoice.pk}/")
    assert r.status_code == 200
    assert b"".join(r.streaming_content) == PDF
    assert r["Content-Type"] == "application/pdf"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in r["Content-Security-Policy"]
    assert r["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''2024%E5%B9%B41%E6%9C%88" in r["Content-Disposition"]


@pytest.mark.parametrize("name,content,kind", [
    ("invoice.pdf", "windows", "program"),
    ("invoice.pdf", "linux", "program"),
    ("deploy.pdf", b"#!/bin/sh\nrm -rf /\n", "program"),
    ("invoice.pdf", b"just some text that claims to be a PDF\n", "type"),
    ("photo.pdf", "html", "type"),
])
def test_type_is_judged_by_content_not_name(alpha, make_user, client_for, make_asset, media_cleanup,
                                           name, content, kind):
    content = {"windows": windows_program, "linux": linux_program,
               "html": lambda: b"<html><script>alert(1)</script></html>"}.get(content, lambda: content)()
    officer = make_user(alpha, OFFICER)
    asset = make_asset(alpha)
    c = client_for(officer)
    r = upload(c, "assets.invoice", asset, name, content, follow=True)
    html = r.content.decode()
    if kind == "program":
        assert "可执行程序" in html
    else:
        assert "文件内容不是允许的类型" in html and "PDF, OFD, JPG, PNG" in html
    assert attachments(alpha, asset) == []
    assert not any((Path(settings.MEDIA_ROOT) / "u_alpha" / "attachments").rglob("*.exe"))


@pytest.mark.parametrize("name,content", [
    ("invoice.pdf", b"%PDF-1.7\n<html><body><script>document.location='//evil'</script></body></html>\n"),
    ("invoice.pdf", b"%PDF-1.4\n<html><body>fake</body></html>\n%%EOF\n"),
    ("photo.png", b"\x89PNG\r\n\x1a\n" + b"<html><script>alert(1)</script></html>" * 4),
    ("photo.jpg", b"\xff\xd8\xff\xe0" + b"<svg onload=alert(1)>" * 8),
])
def test_magic_bytes_with_something_else_behind_are_refused(alpha, make_user, client_for, make_asset,
                                                            media_cleanup, name, content):
    officer = make_user(alpha, OFFICER)
    asset = make_asset(alpha)
    r = upload(client_for(officer), "assets.invoice", asset, name, content, follow=True)
    html = r.content.decode()
    assert "不是可读取的" in html and "重新保存或导出" in html
    assert attachments(alpha, asset) == []


def test_an_office_package_without_its_document_part_is_refused(alpha, make_user, client_for, make_asset,
                                                               media_cleanup):
    """OOXML by its zip entries but no workbook inside: not an xlsx, whatever filetype guessed."""
    import zipfile

    from zhengtong.files.filetypes import FILE_TYPES, content_is_intact

    fake = io.BytesIO()
    with zipfile.ZipFile(fake, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/evil.html", "<html></html>")
    fake.seek(0)
    assert not content_is_intact(FILE_TYPES["xlsx"], fake)
    real = io.BytesIO()
    import openpyxl

    openpyxl.Workbook().save(real)
    real.seek(0)
    assert content_is_intact(FILE_TYPES["xlsx"], real) and real.tell() == 0


def test_refusal_messages_in_english_too(alpha, make_user, client_for, make_asset, media_cleanup):
    officer = make_user(alpha, OFFICER)
    asset = make_asset(alpha)
    c = client_for(officer)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = upload(c, "assets.invoice", asset, "invoice.pdf", windows_program(), follow=True).content.decode()
    assert "This file is a program, not a document" in html


def test_photo_use_does_not_take_a_pdf_and_png_named_pdf_keeps_its_real_type(
        alpha, make_user, client_for, make_asset, media_cleanup):
    officer = make_user(alpha, OFFICER)
    asset = make_asset(alpha)
    c = client_for(officer)
    html = upload(c, "assets.photo", asset, "photo.jpg", PDF, follow=True).content.decode()
    assert "JPG, PNG" in html and attachments(alpha, asset) == []
    upload(c, "assets.invoice", asset, "scan.pdf", png_bytes())
    [scan] = attachments(alpha, asset)
    assert (scan.name, scan.mime) == ("scan.png", "image/png")
    assert scan.file.name.endswith(".png")


def test_size_limit(alpha, make_user, client_for, make_asset, media_cleanup, settings):
    settings.ZT_UPLOAD_MAX_BYTES = 1024
    officer = make_user(alpha, OFFICER)
    asset = make_asset(alpha)
    c = client_for(officer)
    html = upload(c, "assets.invoice", asset, "big.pdf", PDF + b"%" * 2000, follow=True).content.decode()
    assert "文件过大" in html and "1.0 KB" in html.replace("\xa0", " ")
    assert attachments(alpha, asset) == []
    html = upload(c, "assets.invoice", asset, "empty.pdf", b"", follow=True).content.decode()
    assert "文件为空" in html and attachments(alpha, asset) == []
    assert upload(c, "assets.invoice", asset, "small.pdf", PDF).status_code == 302
    assert len(attachments(alpha, asset)) == 1


@pytest.mark.parametrize("raw,expected", [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\fakepath\\报销 单.PDF", "报销 单.pdf"),
    ('a<b>:"c|?*.pdf', "a_b___c.pdf"),
    (".htaccess", "htaccess.pdf"),
    ("invoice.pdf.exe", "invoice.pdf.pdf"),
    ("evil\r\nSet-Cookie: x=1.pdf", "evil__Set-Cookie_ x=1.pdf"),
    ("x" * 300 + ".pdf", "x" * 116 + ".pdf"),
])
def test_names_are_sanitised(raw, expected):
    from zhengtong.files.services import sanitise_filename

    assert sanitise_filename(raw, "pdf") == expected


def test_unit_b_cannot_fetch_unit_as_file_even_with_the_same_ids(alpha, beta, make_user, client_for, make_asset,
                                                                media_cleanup):
    from zhengtong.files.models import Attachment

    a_officer, b_officer = make_user(alpha, OFFICER), make_user(beta, OFFICER)
    a_asset, b_asset = make_asset(alpha, pk=7001), make_asset(beta, pk=7001)
    a_secret, b_own = PDF + b"% alpha secret\n", PDF + b"% beta's own\n"
    assert upload(client_for(a_officer, ALPHA_HOST), "assets.invoice", a_asset, "a.pdf", a_secret).status_code == 302
    assert upload(client_for(b_officer, BETA_HOST), "assets.invoice", b_asset, "b.pdf", b_own).status_code == 302
    [a_file], [b_file] = attachments(alpha), attachments(beta)
    with schema_context("u_beta"):  # same id in both units
        Attachment.objects.filter(pk=b_file.pk).update(id=a_file.pk)
    b = client_for(b_officer, BETA_HOST)
    # on B's host the id means B's file: B gets its own bytes, never A's
    r = b.get(f"/files/{a_file.pk}/")
    assert r.status_code == 200 and b"".join(r.streaming_content) == b_own
    # on A's host B is not a member: 404, as for any page there
    assert client_for(b_officer, ALPHA_HOST).get(f"/files/{a_file.pk}/").status_code == 404
    # the bytes are only in A's folder, not reachable through B's
    assert Path(a_file.file.path).is_relative_to(Path(settings.MEDIA_ROOT) / "u_alpha")
    assert not any(a_secret == p.read_bytes() for p in (Path(settings.MEDIA_ROOT) / "u_beta").rglob("*.pdf"))
    # and B cannot attach to A's asset through its own host either (it attaches to B's 7001)
    upload(b, "assets.invoice", a_asset, "c.pdf", PDF)
    assert len(attachments(alpha)) == 1 and len(attachments(beta)) == 2
    connection.set_schema_to_public()


def test_object_permission_of_the_owner_decides(alpha, make_user, client_for, make_asset, media_cleanup):
    officer = make_user(alpha, OFFICER)
    custodian = make_user(alpha, ["assets.custodian"])
    stranger = make_user(alpha, ["assets.custodian"])
    asset = make_asset(alpha, custodian=custodian)
    upload(client_for(officer), "assets.invoice", asset, "a.pdf", PDF)
    [f] = attachments(alpha, asset)
    # the custodian holds view+change on this asset: downloads and may add photos
    mine = client_for(custodian)
    assert mine.get(f"/files/{f.pk}/").status_code == 200
    assert upload(mine, "assets.photo", asset, "p.png", png_bytes()).status_code == 302
    # a member of the unit without a grant on this asset: 404 (not even "forbidden")
    other = client_for(stranger)
    assert other.get(f"/files/{f.pk}/").status_code == 404
    assert upload(other, "assets.photo", asset, "p.png", png_bytes()).status_code == 404
    assert other.post(f"/files/{f.pk}/delete/").status_code == 404
    # anonymous: to the login page
    assert client_for(None).get(f"/files/{f.pk}/").status_code == 302
    assert len(attachments(alpha, asset)) == 2


def test_officer_removes_a_file_and_its_bytes(alpha, make_user, client_for, make_asset, media_cleanup,
                                              django_capture_on_commit_callbacks):
    officer = make_user(alpha, OFFICER)
    asset = make_asset(alpha)
    c = client_for(officer)
    upload(c, "assets.invoice", asset, "a.pdf", PDF)
    [f] = attachments(alpha, asset)
    path = Path(f.file.path)
    with django_capture_on_commit_callbacks(execute=True):
        assert c.post(f"/files/{f.pk}/delete/", {"next": f"/m/assets/{asset.pk}/"}).status_code == 302
    assert attachments(alpha, asset) == [] and not path.exists()
    with schema_context("u_alpha"):
        from zhengtong.audit.models import AuditEvent

        actions = list(AuditEvent.objects.filter(object_id=str(asset.pk), object_type="assets.Asset")
                       .values_list("action", flat=True))
    assert "files.attachment.add" in actions and "files.attachment.delete" in actions


def test_switched_off_module_hides_its_files(alpha, make_user, client_for, make_asset, media_cleanup):
    from tenants.models import UnitModule

    officer = make_user(alpha, OFFICER)
    asset = make_asset(alpha)
    c = client_for(officer)
    upload(c, "assets.invoice", asset, "a.pdf", PDF)
    [f] = attachments(alpha, asset)
    UnitModule.objects.filter(unit=alpha, module_key="assets").update(enabled=False)
    assert c.get(f"/files/{f.pk}/").status_code == 404
    assert upload(c, "assets.invoice", asset, "b.pdf", PDF).status_code == 404
