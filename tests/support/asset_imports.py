"""Asset cards imported from a spreadsheet, as an asset officer uploads it: the template's
columns, a row of them, the upload, and what the job reports."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from tests.support.spreadsheets import workbook
from zhengtong.imports.models import ImportJob

HEADERS = ["资产编号", "资产名称*", "资产分类", "规格型号", "原值（元）*", "取得日期*", "使用部门", "存放地点",
           "使用人邮箱"]
UPLOAD_URL = "/imports/assets.asset/"


def xlsx(rows, headers=HEADERS) -> bytes:
    return workbook(headers, rows)


def row(number=None, name="台式计算机", value=Decimal("5000.00"), acquired=date(2024, 3, 1), custodian=None,
        category="通用设备", spec="联想 M720", department="办公室", location="301室"):
    return [number, name, category, spec, value, acquired, department, location, custodian]


def upload(client, data: bytes, name="资产.xlsx", dry_run=False):
    payload = {"file": SimpleUploadedFile(name, data)}
    if dry_run:
        payload["dry_run"] = "on"
    return client.post(UPLOAD_URL, payload)


def last_job(schema="u_alpha") -> ImportJob:
    with schema_context(schema):
        return ImportJob.objects.latest("id")


def problems(job: ImportJob) -> list[tuple[int, str, str]]:
    from django.utils import translation

    from zhengtong.imports.services import render_message

    with translation.override("zh-hans"):
        return [(e["row"], e["column"], render_message(e["message"], e["params"])) for e in job.errors]


def asset_count(schema="u_alpha") -> int:
    from modules.assets.models import Asset

    with schema_context(schema):
        return Asset.objects.count()
