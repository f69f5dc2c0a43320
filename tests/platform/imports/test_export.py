"""Exports hold what the person may see on the list, with the list's filters; they are
audited; text is never turned into a formula; an export can be imported back unchanged."""
from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django_tenants.utils import schema_context

from tests.conftest import ALPHA_HOST
from tests.support.asset_imports import last_job, problems, upload
from zhengtong.audit.models import AuditEvent
from zhengtong.imports.models import ImportJob


@pytest.fixture
def people(alpha, make_user):
    return {
        "officer": make_user(alpha, ["assets.asset_officer"], email="officer@alpha.cn"),
        "li": make_user(alpha, ["assets.custodian"], email="li@alpha.cn", name="李四"),
        "wang": make_user(alpha, ["assets.custodian"], email="wang@alpha.cn", name="王五"),
    }


@pytest.fixture
def assets(alpha, beta, people, make_asset):
    made = {
        "li1": make_asset(alpha, number="EX-001", name="李的电脑", custodian=people["li"], value="4999.99"),
        "li2": make_asset(alpha, number="EX-002", name="李的打印机", custodian=people["li"]),
        "wang": make_asset(alpha, number="EX-003", name="王的投影仪", custodian=people["wang"]),
        "none": make_asset(alpha, number="EX-004", name="库存桌椅"),
    }
    # Same ids in the other unit: must never show up in alpha's export.
    make_asset(beta, pk=made["li1"].pk, number="BETA-001", name="乙单位同号资产", custodian=people["li"])
    return made


def xlsx_rows(content: bytes) -> list[tuple]:
    ws = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    return list(ws.iter_rows(values_only=True))


def csv_rows(response) -> list[list[str]]:
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())  # BOM: Excel shows the Chinese right
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_a_custodians_export_holds_only_their_assets(people, assets, client_for):
    c = client_for(people["li"])
    r = c.get("/imports/export/assets.asset.xlsx")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in r["Content-Disposition"]
    rows = xlsx_rows(b"".join(r.streaming_content))
    assert rows[0][:9] == ("资产编号", "资产名称", "资产分类", "规格型号", "原值（元）", "取得日期", "使用部门",
                           "存放地点", "使用人邮箱")
    assert sorted(r[0] for r in rows[1:]) == ["EX-001", "EX-002"]
    li1 = next(r for r in rows if r[0] == "EX-001")
    assert li1[4] == 4999.99 and li1[5].date().isoformat() == "2024-01-15" and li1[8] == "li@alpha.cn"

    rows = csv_rows(c.get("/imports/export/assets.asset.csv"))
    assert sorted(r[0] for r in rows[1:]) == ["EX-001", "EX-002"]
    assert next(r for r in rows if r[0] == "EX-001")[4] == "4999.99"


def test_the_officer_exports_the_whole_unit_and_filters_apply(people, assets, client_for):
    c = client_for(people["officer"])
    rows = csv_rows(c.get("/imports/export/assets.asset.csv"))
    assert sorted(r[0] for r in rows[1:]) == ["EX-001", "EX-002", "EX-003", "EX-004"]  # not BETA-001
    rows = csv_rows(c.get("/imports/export/assets.asset.csv", {"q": "打印机"}))
    assert [r[0] for r in rows[1:]] == ["EX-002"]
    rows = csv_rows(c.get("/imports/export/assets.asset.csv", {"status": "idle"}))
    assert rows[1:] == []


def test_the_list_page_offers_exports_with_its_filters(people, assets, client_for):
    page = client_for(people["li"]).get("/m/assets/", {"q": "电脑"}).content.decode()
    assert "/imports/export/assets.asset.xlsx?q=%E7%94%B5%E8%84%91" in page
    assert "/imports/assets.asset/" not in page  # a custodian does not import
    assert "/imports/assets.asset/" in client_for(people["officer"]).get("/m/assets/").content.decode()


def test_exports_are_audited_with_format_filters_and_row_count(people, assets, client_for):
    client_for(people["li"]).get("/imports/export/assets.asset.xlsx", {"q": "李"})
    with schema_context("u_alpha"):
        event = AuditEvent.objects.filter(action="imports.export").latest("id")
    assert event.actor_id == people["li"].pk
    assert event.after == {"format": "xlsx", "rows": 2, "filters": {"q": "李"}}


def test_text_that_looks_like_a_formula_stays_text(people, alpha, make_asset, client_for):
    make_asset(alpha, number="EX-F", name='=HYPERLINK("http://evil.example","点我")', custodian=people["li"])
    c = client_for(people["li"])
    rows = csv_rows(c.get("/imports/export/assets.asset.csv"))
    assert rows[1][1] == '\'=HYPERLINK("http://evil.example","点我")'
    r = c.get("/imports/export/assets.asset.xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(r.streaming_content))).worksheets[0]
    cell = ws["B2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")  # a string cell, not a formula


def test_an_unknown_format_is_404(people, client_for):
    assert client_for(people["officer"]).get("/imports/export/assets.asset.pdf").status_code == 404
    assert client_for(people["officer"]).get("/imports/export/nothing.here.csv").status_code == 404


def test_an_export_imports_back_as_unchanged(people, assets, client_for):
    c = client_for(people["officer"], ALPHA_HOST)
    exported = b"".join(c.get("/imports/export/assets.asset.xlsx").streaming_content)
    upload(c, exported, name="导出.xlsx")
    job = last_job()
    assert job.status == ImportJob.Status.DONE, problems(job)
    assert (job.created_count, job.unchanged_count) == (0, 4)
    assert job.notes[0]["params"]["cols"] == "使用人、状态"  # shown, not imported
