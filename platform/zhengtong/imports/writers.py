"""Writing spreadsheets: import templates, exports, problem reports.

Exports are read by people in Excel and WPS, so two rules hold for every file we write:
text that looks like a formula (=, +, -, @) is written as text, never as a formula
(CSV/formula injection), and CSV carries a UTF-8 BOM so Excel shows Chinese correctly.
And an xlsx never breaks on stored text: characters XML cannot hold (a vertical tab pasted
from Word made a unit's whole export unreadable) are written as U+FFFD (zhengtong.core.text).
"""
from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from zhengtong.core.text import xml_safe

from .definitions import ExportColumn, ImportDefinition

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
RISKY_START = ("=", "+", "-", "@", "\t", "\r")
TYPE_WORDS = {
    "text": ("文本", "Text"), "decimal": ("数字", "Number"), "int": ("整数", "Whole number"),
    "date": ("日期（2024-03-01）", "Date (2024-03-01)"), "email": ("邮箱", "Email"), "choice": ("选项", "Choice"),
}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if value is None or isinstance(value, (str, int, float, Decimal, date, bool)):
        return value
    return str(value)


def csv_safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(RISKY_START):
        return "'" + value
    return value


def xlsx_safe(value: Any) -> Any:
    """A value for an openpyxl cell written in normal mode (``ws.append``): never a formula,
    never a character that makes the file unreadable."""
    return csv_safe(xml_safe(value))


def _xlsx_cell(ws, value: Any, number_format: str | None = None):
    from openpyxl.cell import WriteOnlyCell

    value = _plain(value)
    cell = WriteOnlyCell(ws, value=None if isinstance(value, str) else value)
    if isinstance(value, str):
        # Assigning a str starting with "=" would make openpyxl write a formula; set the
        # value and type by hand so it stays text.
        cell._value = xml_safe(value)  # set by hand, so openpyxl's own check does not run
        cell.data_type = "s"
    if number_format:
        cell.number_format = number_format
    elif isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"
    return cell


def template_workbook(definition: ImportDefinition) -> bytes:
    """Chinese headers (required ones marked *), one example row, and a sheet explaining
    each column. The example row imports as it is."""
    import openpyxl
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = definition.name_zh[:31]
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="FFF2CC")
    for idx, col in enumerate(definition.columns, start=1):
        cell = ws.cell(row=1, column=idx, value=col.header_zh + ("*" if col.required else ""))
        cell.font = bold
        if col.required:
            cell.fill = fill
        ws.column_dimensions[get_column_letter(idx)].width = max(12, len(col.header_zh) * 2 + 4)
        example = ws.cell(row=2, column=idx, value=col.example)
        if col.type == "date":
            example.number_format = "yyyy-mm-dd"
        elif col.type == "decimal":
            example.number_format = "0.00"
        elif col.type == "text":
            example.number_format = "@"  # numbers typed here stay text (leading zeros kept)
    ws.freeze_panes = "A2"
    guide = wb.create_sheet("填写说明")
    guide.append(["列名", "是否必填", "类型", "说明", "Column", "Description"])
    for cell in guide[1]:
        cell.font = bold
    for col in definition.columns:
        extra = []
        if col.max_length:
            extra.append(f"最多{col.max_length}字")
        if col.decimal_places is not None:
            extra.append(f"最多{col.decimal_places}位小数")
        if col.min_value is not None:
            extra.append(f"不小于{col.min_value}")
        if col.choices:
            extra.append("可选：" + "、".join(c[1] for c in col.choices))
        if col.unique:
            extra.append("不可重复")
        guide.append([col.header_zh, "是" if col.required else "否", TYPE_WORDS[col.type][0],
                      "；".join([col.help_zh, *extra] if col.help_zh else extra), col.header_en, col.help_en])
    for letter, width in zip("ABCDEF", (16, 10, 18, 60, 24, 60), strict=True):
        guide.column_dimensions[letter].width = width
    guide.append([])
    guide.append(["第一个工作表的第一行为表头，请勿修改；从第二行起每行一条记录。示例行可直接导入，也可删除。"])
    guide.append(["只导入数值，请勿使用公式；文件须为.xlsx或.csv（UTF-8或GB18030编码）。"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_xlsx(columns: Sequence[ExportColumn], objects: Iterable[Any], *, title: str) -> tempfile.SpooledTemporaryFile:
    """A write-only workbook (rows streamed to disk, constant memory), returned rewound."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(title[:31] or "Sheet1")
    for idx, col in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(idx)].width = col.width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for col in columns:
        cell = WriteOnlyCell(ws, value=xml_safe(str(col.header)))
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for obj in objects:
        ws.append([_xlsx_cell(ws, col.value(obj), col.number_format) for col in columns])
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    wb.save(out)
    out.seek(0)
    return out


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_rows(columns: Sequence[ExportColumn], objects: Iterable[Any]) -> Iterator[bytes]:
    """CSV as a stream of UTF-8 chunks with a BOM first (for Excel)."""
    writer = csv.writer(_Echo())
    yield "\ufeff".encode()
    yield writer.writerow([c.header for c in columns]).encode()
    buf: list[str] = []
    for obj in objects:
        buf.append(writer.writerow([csv_safe(_csv_value(c.value(obj))) for c in columns]))
        if len(buf) >= 500:
            yield "".join(buf).encode()
            buf = []
    if buf:
        yield "".join(buf).encode()


def _csv_value(value: Any) -> Any:
    value = _plain(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else value


def problems_workbook(rows: Iterable[tuple[int, str, str]], *, headers: tuple[str, str, str]) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("问题")
    ws.append(list(headers))
    for row, column, message in rows:
        ws.append([row or None, _xlsx_cell(ws, column), _xlsx_cell(ws, message)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
