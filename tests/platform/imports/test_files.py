"""Bad files: each gets a clear message in Chinese, never a 500, never a partial write."""
from __future__ import annotations

import io
import os
import re
import time
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django_tenants.utils import schema_context

from tests.support.asset_imports import HEADERS, asset_count, last_job, problems, row, upload, xlsx
from zhengtong.imports.models import ImportJob


@pytest.fixture
def officer(alpha, make_user):
    return make_user(alpha, ["assets.asset_officer"], email="officer@alpha.cn")


def refused(client, data: bytes, name="资产.xlsx") -> str:
    """Upload, expect a finished job that wrote nothing; return its one file-level message."""
    r = upload(client, data, name=name)
    assert r.status_code == 302, r.content.decode()[:500]
    job = last_job()
    assert job.status == ImportJob.Status.INVALID and job.created_count == 0
    page = client.get(r["Location"])
    assert page.status_code == 200
    [(row_no, _, message)] = problems(job)
    assert row_no == 0
    assert message in page.content.decode()
    assert asset_count() == 0
    return message


def with_sheet_xml(data: bytes, change) -> bytes:
    """Rewrite the first worksheet's XML of an xlsx (to make files Excel makes but
    openpyxl would not write: a million formatted empty rows, say)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = change(body.decode()).encode()
            dst.writestr(info.filename, body)
    return out.getvalue()


def test_a_pdf_named_xlsx_is_not_a_workbook(officer, client_for):
    assert refused(client_for(officer), b"%PDF-1.7\n" + b"x" * 2000) == "文件不是有效的xlsx工作簿"


def test_a_word_document_is_not_a_workbook(officer, client_for):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    assert refused(client_for(officer), buf.getvalue(), name="资产.docx").startswith("工作簿无法读取")


def test_a_text_file_is_refused_by_name(officer, client_for):
    assert refused(client_for(officer), "资产名称\n电脑\n".encode(), name="资产.txt") == "请上传.xlsx或.csv文件"


def test_a_password_protected_workbook_is_named_as_such(officer, client_for):
    from msoffcrypto.format.ooxml import OOXMLFile

    encrypted = io.BytesIO()
    OOXMLFile(io.BytesIO(xlsx([row("P-1")]))).encrypt("Passw0rd!", encrypted)
    message = refused(client_for(officer), encrypted.getvalue())
    assert message == "文件已加密或为旧版.xls格式，请另存为未加密的.xlsx。"


def test_a_formula_is_refused_with_its_cell(officer, client_for):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADERS)
    ws.append(row("F-1"))
    ws.append(row("F-2", value="=E2*2"))
    buf = io.BytesIO()
    wb.save(buf)
    assert refused(client_for(officer), buf.getvalue()) == "第3行第5列含公式，请粘贴为数值。"


def _million_empty_rows(body: str, *, then: str = "") -> str:
    empty = "".join(f'<row r="{n}"><c r="A{n}" s="0"/><c r="E{n}" s="0"/></row>' for n in range(3, 1_000_003))
    body = re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:I1000003"/>', body)
    return body.replace("</sheetData>", empty + then + "</sheetData>")


# Files of a few MB normally go to Celery (see test_worker.py); here they run
# inline so the test looks at the reader alone.
@override_settings(IMPORTS_INLINE_MAX_BYTES=64 * 1024 * 1024)
def test_a_million_empty_rows_after_the_data_are_skipped_quickly(officer, client_for):
    data = with_sheet_xml(xlsx([row("M-1")]), _million_empty_rows)
    started = time.monotonic()
    r = upload(client_for(officer), data)
    elapsed = time.monotonic() - started
    job = last_job()
    assert job.status == ImportJob.Status.DONE, problems(job)
    assert job.created_count == 1 and asset_count() == 1
    assert elapsed < 30  # not a row-by-row parse of a million rows through the ORM
    assert r.status_code == 302


@override_settings(IMPORTS_INLINE_MAX_BYTES=64 * 1024 * 1024)
def test_data_after_a_million_empty_rows_is_refused_not_silently_dropped(officer, client_for):
    late = '<row r="1000003"><c r="B1000003" t="inlineStr"><is><t>迟到的资产</t></is></c></row>'
    data = with_sheet_xml(xlsx([row("M-1")]), lambda body: _million_empty_rows(body, then=late))
    message = refused(client_for(officer), data)
    assert message == "第1000003行之前有50行以上空行，请删除空行后重新上传。"


def test_a_csv_in_utf16_is_refused_for_its_encoding(officer, client_for):
    data = "资产名称,原值（元）,取得日期\n电脑,100,2024-01-01\n".encode("utf-16")
    assert refused(client_for(officer), data, name="资产.csv") == "文件编码应为UTF-8或GB18030。"


def test_a_csv_in_a_foreign_single_byte_encoding_is_refused(officer, client_for):
    data = "Name,Value\n\xff\xfe caf\xe9,100\n".encode("latin-1")
    assert refused(client_for(officer), data, name="资产.csv") == "文件编码应为UTF-8或GB18030。"


def test_binary_garbage_named_csv_is_refused(officer, client_for):
    assert refused(client_for(officer), b"PK\x03\x04" + bytes(range(256)) * 8, name="资产.csv") in (
        "文件编码应为UTF-8或GB18030。", "文件不是文本CSV")


@override_settings(IMPORTS_UPLOAD_MAX_BYTES=1024 * 1024)
def test_a_file_over_the_upload_limit_is_refused_before_anything_is_stored(officer, client_for):
    big = "资产名称,原值（元）,取得日期\n".encode() + b"".join(
        f"{os.urandom(24).hex()},1,2024-01-01\n".encode() for _ in range(20_000))
    assert len(big) > 1024 * 1024
    r = client_for(officer).post("/imports/assets.asset/", {"file": SimpleUploadedFile("大文件.csv", big)})
    assert r.status_code == 200
    assert "文件超过1MB，请拆分后上传" in r.content.decode()
    with schema_context("u_alpha"):
        assert not ImportJob.objects.exists()
    assert asset_count() == 0


@override_settings(IMPORTS_MAX_UNPACKED_BYTES=2 * 1024 * 1024)
def test_a_workbook_that_unpacks_to_too_much_is_refused_unparsed(officer, client_for):
    # A few hundred KB on the wire, tens of MB once unpacked (a "zip bomb" in small).
    data = with_sheet_xml(xlsx([row("Z-1")]), lambda body: body.replace("</sheetData>", "<!--" + " " * 30_000_000
                                                                         + "--></sheetData>"))
    assert len(data) < 300_000
    message = refused(client_for(officer), data)
    assert message.startswith("工作簿过大：解压后") and "上限2MB" in message


def test_an_empty_file_and_a_file_with_headers_only(officer, client_for):
    r = client_for(officer).post("/imports/assets.asset/", {"file": SimpleUploadedFile("空.xlsx", b"")})
    assert r.status_code == 200 and "空文件" in r.content.decode()  # Django's own check
    with schema_context("u_alpha"):
        assert not ImportJob.objects.exists()
    assert refused(client_for(officer), xlsx([])) == "文件没有数据行。"


def test_a_broken_zip_truncated_in_transfer(officer, client_for):
    data = xlsx([row(f"T-{i}") for i in range(200)])
    assert refused(client_for(officer), data[: len(data) // 2]) == "文件不是有效的xlsx工作簿"
