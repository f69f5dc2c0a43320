"""Reading uploaded spreadsheets (xlsx or csv) into rows, defensively.

Bad files get a clear message in Chinese and English and never a 500: wrong format,
password-protected workbooks (they are OLE containers, not zip), formulas (we import
values people typed, not computations we cannot check), millions of empty rows
(openpyxl's dimension lies; we stop after a run of blank rows), wrong text encoding.
"""
from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

MAX_BLANK_RUN = 50  # a run of empty rows this long ends the table
MAX_ROWS_DEFAULT = 200_000
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted xlsx and legacy .xls


class SpreadsheetError(Exception):
    """A problem with the file as a whole; the message is shown to the user."""


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, dict[str, Any]]]  # (spreadsheet row number, {header: value})


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value if value != "" else None
    return value


def _rows_to_table(raw: Iterator[tuple], max_rows: int, first_data_row: int = 2) -> Table:
    try:
        header_row = next(raw)
    except StopIteration:
        raise SpreadsheetError(_("The file is empty (文件为空)."))
    headers = [str(h).strip() if h is not None else "" for h in header_row]
    while headers and headers[-1] == "":
        headers.pop()
    if not any(headers):
        raise SpreadsheetError(_("The first row must hold the column headers (第一行应为表头)."))
    rows: list[tuple[int, dict[str, Any]]] = []
    blank_run = 0
    for offset, values in enumerate(raw):
        values = [_cell(v) for v in values[: len(headers)]]
        if all(v is None for v in values):
            blank_run += 1
            if blank_run >= MAX_BLANK_RUN:
                break
            continue
        blank_run = 0
        if len(rows) >= max_rows:
            raise SpreadsheetError(
                _("Too many rows: at most %(n)d per file (行数过多，每个文件最多%(n)d行).") % {"n": max_rows}
            )
        values += [None] * (len(headers) - len(values))
        rows.append((first_data_row + offset, dict(zip(headers, values))))
    return Table(headers=headers, rows=rows)


def read_xlsx(data: bytes, *, max_rows: int = MAX_ROWS_DEFAULT) -> Table:
    if data.startswith(OLE_MAGIC):
        raise SpreadsheetError(
            _("The workbook is password-protected or in the old .xls format; save it as an unprotected "
              ".xlsx (文件已加密或为旧版.xls格式，请另存为未加密的.xlsx).")
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise SpreadsheetError(_("This is not an xlsx workbook (文件不是有效的xlsx工作簿)."))
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise SpreadsheetError(_("The workbook cannot be read (工作簿无法读取): %(e)s") % {"e": exc.__class__.__name__})
    try:
        ws = wb.worksheets[0]

        def values() -> Iterator[tuple]:
            for row_no, row in enumerate(ws.iter_rows(values_only=True), start=1):
                for col_no, v in enumerate(row, start=1):
                    if isinstance(v, str) and v.startswith("="):
                        raise SpreadsheetError(
                            _("Row %(r)d, column %(c)d holds a formula; paste values only "
                              "(第%(r)d行第%(c)d列含公式，请粘贴为数值).") % {"r": row_no, "c": col_no}
                        )
                yield row

        return _rows_to_table(values(), max_rows)
    finally:
        wb.close()


def read_csv(data: bytes, *, max_rows: int = MAX_ROWS_DEFAULT) -> Table:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SpreadsheetError(_("The file's text encoding is not UTF-8 or GB18030 (文件编码应为UTF-8或GB18030)."))
    if "\x00" in text:
        raise SpreadsheetError(_("This is not a text CSV file (文件不是文本CSV)."))
    return _rows_to_table(iter(csv.reader(io.StringIO(text))), max_rows)


def read_table(name: str, data: bytes, *, max_rows: int = MAX_ROWS_DEFAULT) -> Table:
    lower = (name or "").lower()
    if lower.endswith(".csv"):
        return read_csv(data, max_rows=max_rows)
    if lower.endswith((".xlsx", ".xlsm")) or data[:2] == b"PK" or data.startswith(OLE_MAGIC):
        return read_xlsx(data, max_rows=max_rows)
    raise SpreadsheetError(_("Upload an .xlsx or .csv file (请上传.xlsx或.csv文件)."))
