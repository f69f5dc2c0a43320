"""Spreadsheet import of asset cards, as an asset officer sees it: template, upload,
row/column report, all-or-nothing, no duplicates on a second run, audit."""
from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from modules.assets.models import Asset
from modules.assets.selectors import asset_list
from tests.conftest import ALPHA_HOST, BETA_HOST
from tests.support.asset_imports import HEADERS, UPLOAD_URL, asset_count, last_job, problems, row, upload, xlsx
from zhengtong.audit.models import AuditEvent
from zhengtong.imports.models import ImportJob


@pytest.fixture
def officer(alpha, make_user):
    return make_user(alpha, ["assets.asset_officer"], email="officer@alpha.cn", name="资产专管员")


@pytest.fixture
def custodian(alpha, make_user):
    return make_user(alpha, ["assets.custodian"], email="Zhang.San@alpha.cn", name="张三")


def test_template_has_chinese_headers_and_an_example_row_that_imports_as_is(officer, client_for):
    c = client_for(officer)
    r = c.get("/imports/assets.asset/template.xlsx")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    assert headers == HEADERS
    example = [c.value for c in ws[2]]
    assert example[1] == "台式计算机" and example[4] == 5000 and example[5].date() == date(2024, 3, 1)
    assert "填写说明" in wb.sheetnames

    r = upload(c, r.content, name="模板.xlsx")
    job = last_job()
    assert r.status_code == 302 and r["Location"] == f"/imports/jobs/{job.pk}/"
    assert job.status == ImportJob.Status.DONE, problems(job)
    assert job.created_count == 1
    with schema_context("u_alpha"):
        asset = Asset.objects.get(name="台式计算机", spec="联想 启天M720")
    assert asset.number.startswith("ALPHA-2024-")  # generated: the example leaves the number blank
    assert asset.original_value == Decimal("5000.00")


def test_a_valid_file_registers_every_row_with_custodian_grants_and_one_audit_record(
        officer, custodian, client_for):
    data = xlsx([
        row("A-0001", "笔记本电脑", Decimal("6999.5"), custodian="zhang.san@alpha.cn"),  # email case differs
        row(None, "打印机", "1,280.00", "2023/11/5"),
        row("A-0003", "会议桌", 3200, "2022年6月30日", custodian="Zhang.San@alpha.cn"),
    ])
    r = upload(client_for(officer), data)
    job = last_job()
    assert job.status == ImportJob.Status.DONE, problems(job)
    assert (job.created_count, job.unchanged_count, job.rows_total) == (3, 0, 3)
    with schema_context("u_alpha"):
        laptop = Asset.objects.get(number="A-0001")
        printer = Asset.objects.get(name="打印机")
        assert laptop.original_value == Decimal("6999.50") and laptop.custodian == custodian
        assert printer.number.startswith("ALPHA-2023-") and printer.acquired_on == date(2023, 11, 5)
        assert printer.original_value == Decimal("1280.00") and printer.custodian is None
        # The custodian sees their two cards, not the printer (guardian grants in bulk).
        assert set(asset_list(user=custodian).values_list("number", flat=True)) == {"A-0001", "A-0003"}
        assert custodian.has_perm("assets.change_asset", laptop)
        run = AuditEvent.objects.get(action="imports.run", object_id=str(job.pk))
        assert run.actor_id == officer.pk and run.result == AuditEvent.Result.SUCCESS
        assert run.after["created"] == 3 and run.after["rows"] == 3 and run.after["sha256"] == job.sha256
        bulk = AuditEvent.objects.get(action="assets.asset.import")
        assert bulk.after["assets"] == 3 and bulk.after["custodians"] == 1
        assert bulk.after["total_original_value"] == "11479.50"
    page = client_for(officer).get(r["Location"]).content.decode()
    assert "已导入" in page and "3" in page


def test_one_bad_row_writes_nothing_and_the_report_names_its_row_and_column(officer, client_for):
    before = asset_count()
    rows = [row(f"B-{i}", value=Decimal("100.00")) for i in range(1, 6)]
    rows[2][4] = Decimal("-5")  # spreadsheet row 4: header is row 1
    r = upload(client_for(officer), xlsx(rows))
    job = last_job()
    assert job.status == ImportJob.Status.INVALID
    assert problems(job) == [(4, "原值（元）*", "不能小于0。")]
    assert asset_count() == before  # all or nothing
    page = client_for(officer).get(r["Location"]).content.decode()
    assert "未导入任何数据" in page and "原值（元）*" in page and "不能小于0" in page
    with schema_context("u_alpha"):
        run = AuditEvent.objects.get(action="imports.run", object_id=str(job.pk))
    assert run.result == AuditEvent.Result.FAILURE and run.after["problems"] == 1 and run.after["created"] == 0


def test_every_kind_of_problem_is_reported_in_one_pass(officer, client_for, make_user, beta, make_asset, alpha):
    make_user(beta, ["assets.custodian"], email="only-in-beta@beta.cn")
    make_asset(alpha, number="EXIST-1", name="旧电脑", value="100.00")
    future = date.today() + timedelta(days=30)
    rows = [
        row("R2", name=None),  # 2: required
        row("R3", value="一千"),  # 3: not a number
        row("R4", value="10.005"),  # 4: three decimal places
        row("R5", acquired="2024-13-01"),  # 5: no such date
        row("R6", acquired=future),  # 6: domain rule
        row("R7", custodian="nobody@alpha.cn"),  # 7: not a member
        row("R8", custodian="only-in-beta@beta.cn"),  # 8: member of another unit only
        row("R9"),  # 9 and 10: the same number twice in the file
        row("R9"),
        row("EXIST-1", name="新电脑"),  # 11: number stored with other values
        row("R12", name="名" * 101),  # 12: too long
        row("R13", custodian="not-an-email"),  # 13
    ]
    upload(client_for(officer), xlsx(rows))
    job = last_job()
    assert job.status == ImportJob.Status.INVALID
    found = {(r, col): msg for r, col, msg in problems(job)}
    assert found[(2, "资产名称*")] == "必填。"
    assert "不是有效数字" in found[(3, "原值（元）*")]
    assert found[(4, "原值（元）*")] == "最多2位小数。"
    assert "不是有效日期" in found[(5, "取得日期*")]
    assert found[(6, "取得日期*")] == "取得日期晚于今天。"
    assert "本单位没有使用该邮箱的成员" in found[(7, "使用人邮箱")]
    assert "only-in-beta@beta.cn" in found[(8, "使用人邮箱")]
    assert found[(10, "资产编号")] == "资产编号与第9行重复。"
    assert "已存在且内容不同：资产名称*" in found[(11, "资产名称*")]
    assert found[(12, "资产名称*")] == "最多100个字符。"
    assert "邮箱格式不正确" in found[(13, "使用人邮箱")]
    assert job.error_count == 11
    assert asset_count() == 1  # only the card made above


def test_report_reads_in_english_for_an_english_user(officer, client_for):
    rows = [row("E-1", value="-1")]
    r = upload(client_for(officer), xlsx(rows))
    c = client_for(officer)
    c.cookies["django_language"] = "en"
    page = c.get(r["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Must be at least 0" in page


def test_running_the_same_file_again_imports_nothing_twice(officer, client_for):
    data = xlsx([row(None, "无编号资产"), row("N-2", "有编号资产")])
    c = client_for(officer)
    upload(c, data)
    first = last_job()
    assert first.status == ImportJob.Status.DONE and asset_count() == 2
    upload(c, data)
    second = last_job()
    assert second.status == ImportJob.Status.INVALID
    assert second.created_count == 0 and asset_count() == 2
    [(r, col, msg)] = problems(second)
    assert r == 0 and f"第{first.pk}号导入" in msg and "未重复导入" in msg


def test_rows_already_imported_are_recognised_by_number_and_counted_unchanged(officer, custodian, client_for):
    c = client_for(officer)
    first = [row("U-1", custodian="zhang.san@alpha.cn"), row("U-2", value="12.30")]
    upload(c, xlsx(first))
    assert last_job().created_count == 2
    # The same rows edited elsewhere (new file bytes) plus one new card.
    upload(c, xlsx(first + [row("U-3", "投影仪")]))
    job = last_job()
    assert job.status == ImportJob.Status.DONE, problems(job)
    assert (job.created_count, job.unchanged_count) == (1, 2)
    with schema_context("u_alpha"):
        assert Asset.objects.filter(number__startswith="U-").count() == 3


def test_check_only_reports_without_writing(officer, client_for):
    upload(client_for(officer), xlsx([row("D-1"), row("D-2")]), dry_run=True)
    job = last_job()
    assert job.status == ImportJob.Status.CHECKED and job.error_count == 0
    assert asset_count() == 0
    # A checked file can then be imported for real (a check does not count as an import).
    upload(client_for(officer), xlsx([row("D-1"), row("D-2")]))
    assert last_job().status == ImportJob.Status.DONE and asset_count() == 2


def test_english_headers_are_accepted_and_a_missing_required_column_is_named(officer, client_for):
    en = ["Asset number", "Name", "Original value (yuan)", "Acquisition date"]
    upload(client_for(officer), xlsx([["EN-1", "服务器", "88000", "2021-01-01"]], headers=en))
    assert last_job().status == ImportJob.Status.DONE
    upload(client_for(officer), xlsx([["台式机", "2021-01-01"]], headers=["资产名称", "取得日期"]))
    job = last_job()
    assert job.status == ImportJob.Status.INVALID
    assert problems(job) == [(1, "原值（元）", "缺少列。")]


def test_extra_columns_are_named_as_not_imported(officer, client_for):
    headers = HEADERS + ["备注"]
    r = upload(client_for(officer), xlsx([row("X-1") + ["自购"]], headers=headers))
    job = last_job()
    assert job.status == ImportJob.Status.DONE
    page = client_for(officer).get(r["Location"]).content.decode()
    assert "以下列不会导入" in page and "备注" in page


def test_a_chinese_windows_csv_in_gb18030_imports(officer, client_for):
    text = "资产编号,资产名称,原值（元）,取得日期\nG-1,文件柜,\"1,500.00\",2020/5/6\n"
    upload(client_for(officer), text.encode("gb18030"), name="资产.csv")
    job = last_job()
    assert job.status == ImportJob.Status.DONE, problems(job)
    with schema_context("u_alpha"):
        assert Asset.objects.get(number="G-1").original_value == Decimal("1500.00")


def test_only_the_asset_officer_may_import(custodian, client_for, make_user, alpha, beta):
    assert client_for(custodian).get(UPLOAD_URL).status_code == 403
    assert client_for(custodian).post(UPLOAD_URL, {"file": SimpleUploadedFile("a.xlsx", xlsx([row("P-1")]))}
                                      ).status_code == 403
    assert client_for(custodian).get("/imports/assets.asset/template.xlsx").status_code == 403
    outsider = make_user(beta, ["assets.asset_officer"])
    assert client_for(outsider, ALPHA_HOST).get(UPLOAD_URL).status_code == 404  # not a member of alpha
    assert asset_count() == 0


def test_import_pages_404_when_the_module_is_switched_off(officer, client_for, alpha):
    from tenants.models import UnitModule

    UnitModule.objects.filter(unit=alpha, module_key="assets").update(enabled=False)
    assert client_for(officer).get(UPLOAD_URL).status_code == 404
    assert client_for(officer).get("/imports/export/assets.asset.csv").status_code == 404


def test_jobs_are_private_to_the_uploader(officer, client_for, make_user, alpha):
    upload(client_for(officer), xlsx([row("J-1")]))
    job = last_job()
    colleague = make_user(alpha, ["assets.asset_officer"])
    assert client_for(colleague).get(f"/imports/jobs/{job.pk}/").status_code == 404
    status = client_for(officer).get(f"/imports/jobs/{job.pk}/status.json").json()
    assert status["status"] == "done" and status["created"] == 1 and status["progress"] == 100


def test_units_are_isolated_numbers_and_members_are_per_unit(officer, client_for, make_user, beta, make_asset):
    beta_asset = make_asset(beta, number="SAME-1", name="乙单位资产", value="1.00")
    upload(client_for(officer), xlsx([row("SAME-1", "甲单位资产")]))
    assert last_job().status == ImportJob.Status.DONE  # the number exists in beta only: no conflict
    with schema_context("u_beta"):
        assert Asset.objects.get(number="SAME-1").name == "乙单位资产"
        assert Asset.objects.count() == 1 and not ImportJob.objects.exists()
    with schema_context("u_alpha"):
        assert Asset.objects.get(number="SAME-1").pk == beta_asset.pk or True  # ids repeat across units
        assert Asset.objects.get(number="SAME-1").name == "甲单位资产"
    assert client_for(officer, ALPHA_HOST).get(f"/imports/jobs/{last_job().pk}/").status_code == 200
    beta_officer = make_user(beta, ["assets.asset_officer"])
    assert client_for(beta_officer, BETA_HOST).get(f"/imports/jobs/{last_job().pk}/").status_code == 404


def test_problem_list_downloads_as_xlsx(officer, client_for):
    upload(client_for(officer), xlsx([row("Q-1", value="x")]))
    job = last_job()
    r = client_for(officer).get(f"/imports/jobs/{job.pk}/problems.xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(r.content)).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("行", "列", "问题") and rows[1][:2] == (2, "原值（元）*") and "不是有效数字" in rows[1][2]
