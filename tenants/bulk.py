"""Onboarding many units from one spreadsheet: every row is validated first; if any row
is wrong nothing is written and each problem is reported by row and column."""
from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zhengtong.imports.reader import SpreadsheetError, read_table
from zhengtong.registry.registry import all_modules

from .services import Onboarded, normalise_slug, require_operator, unit_onboard, validate_unit_fields

# Column headers as in the downloadable template (Chinese), and their field names.
COLUMNS = {
    "单位名称": "name",
    "简称": "slug",
    "统一社会信用代码": "credit_code",
    "类型": "unit_type",
    "启用模块": "modules",
    "管理员邮箱": "admin_email",
    "管理员姓名": "admin_name",
    "联系人": "contact_name",
    "联系电话": "contact_phone",
}
REQUIRED = ("单位名称", "简称", "类型")
TYPE_WORDS = {"局": "bureau", "委": "bureau", "学校": "school", "其他": "other",
              "bureau": "bureau", "school": "school", "other": "other"}


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class BulkResult:
    errors: list[RowError] = field(default_factory=list)
    created: list[Onboarded] = field(default_factory=list)


def _module_keys(text: str | None) -> list[str]:
    if not text:
        return []
    names = {}
    for m in all_modules():
        names[m.key] = m.key
        names[m.name_zh] = m.key
        names[m.name_en.lower()] = m.key
    out = []
    for part in str(text).replace("，", ",").replace("、", ",").split(","):
        part = part.strip()
        if part:
            out.append(names.get(part, names.get(part.lower(), part)))
    return out


def units_bulk_onboard(*, filename: str, data: bytes, actor) -> BulkResult:
    require_operator(actor)
    result = BulkResult()
    try:
        table = read_table(filename, data, max_rows=2000)
    except SpreadsheetError as exc:
        result.errors.append(RowError(0, "", str(exc)))
        return result
    missing = [h for h in REQUIRED if h not in table.headers]
    if missing:
        result.errors.append(RowError(1, ", ".join(missing), _("Missing column(s) (缺少列)")))
        return result
    if not table.rows:
        result.errors.append(RowError(0, "", _("The file has no data rows (文件没有数据行).")))
        return result
    field_to_header = {v: k for k, v in COLUMNS.items()}
    prepared = []
    seen_slugs: set[str] = set()
    seen_codes: set[str] = set()
    for row_no, values in table.rows:
        rec = {f: (str(values.get(h)).strip() if values.get(h) is not None else "") for h, f in COLUMNS.items()}
        rec["slug"] = normalise_slug(rec["slug"])
        rec["credit_code"] = rec["credit_code"].upper()
        rec["unit_type"] = TYPE_WORDS.get(rec["unit_type"], rec["unit_type"])
        rec["module_keys"] = _module_keys(rec.pop("modules"))
        errors = validate_unit_fields(
            name=rec["name"], slug=rec["slug"], credit_code=rec["credit_code"], unit_type=rec["unit_type"],
            module_keys=rec["module_keys"], admin_email=rec["admin_email"],
            seen_slugs=seen_slugs, seen_codes=seen_codes,
        )
        for f, message in errors.items():
            result.errors.append(RowError(row_no, field_to_header.get(f, f), message))
        seen_slugs.add(rec["slug"])
        if rec["credit_code"]:
            seen_codes.add(rec["credit_code"])
        prepared.append(rec)
    if result.errors:
        return result
    try:
        with transaction.atomic():
            for rec in prepared:
                result.created.append(unit_onboard(actor=actor, check_actor=False, **rec))
    except ValidationError as exc:  # a race with another operator; nothing was kept
        result.created = []
        result.errors.append(RowError(0, "", "; ".join(exc.messages)))
    return result


def template_workbook() -> bytes:
    import io

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "单位"
    ws.append(list(COLUMNS))
    ws.append(["区教育局", "jyj", "11110105MB00000009", "局", "assets", "admin@jyj.example.cn", "张三", "李四",
               "010-12345678"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()

