"""Reading uploaded spreadsheets (xlsx or csv) into rows, defensively.

Bad files get a clear message in Chinese and English and never a 500: wrong format,
password-protected workbooks (they are OLE containers, not zip), formulas (we import
values people typed, not computations we cannot check), millions of empty rows
(openpyxl's dimension lies; we stop after a run of blank rows), wrong text encoding,
workbooks that unpack to more than we are willing to parse.

Two ways in: ``open_sheet`` streams rows one by one (imports of 100,000 rows keep
only what they need), ``read_table`` returns every row at once (small files, e.g.
onboarding units in bulk).
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext, gettext_noop

MAX_BLANK_RUN = 50  # a run of empty rows this long ends the table
MAX_ROWS_DEFAULT = 200_000
# A workbook is a zip: what it unpacks to, not its upload size, is what parsing costs.
# 100,000 asset rows unpack to ~50 MB; a "zip bomb" unpacks to gigabytes.
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted xlsx and legacy .xls


MSG_ENCODING = gettext_noop("The file's text encoding is not UTF-8 or GB18030 (文件编码应为UTF-8或GB18030).")


class SpreadsheetError(Exception):
    """A problem with the file as a whole; the message is shown to the user.

    Keeps the untranslated message and its parameters (``message``, ``params``), so a
    stored report reads in the language of whoever opens it; ``str()`` translates into
    the active language.
    """

    def __init__(self, message: str, params: dict | None = None):
        super().__init__(message)
        self.message = message
        self.params = params or {}

    def __str__(self) -> str:
        text = gettext(self.message)
        return text % self.params if self.params else text


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, dict[str, Any]]]  # (spreadsheet row number, {header: value})


@dataclass
class Sheet:
    """A sheet being streamed: headers, then (row number, values aligned with headers).

    ``estimated_rows`` is what the file claims (the xlsx dimension) or a guess from its
    size; it only drives progress bars. ``rows`` raises SpreadsheetError part-way for
    problems found while reading (a formula, too many rows, data after a long gap).
    """

    headers: list[str]
    rows: Iterator[tuple[int, list[Any]]]
    estimated_rows: int | None = None
    notes: list[str] = field(default_factory=list)


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value if value != "" else None
    return value


def _headers(header_row) -> list[str]:
    headers = [str(h).strip() if h is not None else "" for h in header_row]
    while headers and headers[-1] == "":
        headers.pop()
    if not any(headers):
        raise SpreadsheetError(gettext_noop("The first row must hold the column headers (第一行应为表头)."))
    return headers


def _data_rows(raw: Iterator[tuple], width: int, max_rows: int, *, first_data_row: int = 2,
               after_gap: Callable[[int], int | None] | None = None) -> Iterator[tuple[int, list[Any]]]:
    """Yield non-empty rows, cut to the header width.

    A run of MAX_BLANK_RUN empty rows ends the table (files often carry a million
    formatted but empty rows). Data *after* such a gap would silently be left out, so
    ``after_gap(last row read)`` looks for it and we refuse the file rather than import
    part of it.
    """
    blank_run = 0
    count = 0
    row_no = first_data_row - 1
    for row_no, values in enumerate(raw, start=first_data_row):
        values = [_cell(v) for v in values[:width]]
        if all(v is None for v in values):
            blank_run += 1
            if blank_run >= MAX_BLANK_RUN:
                later = after_gap(row_no) if after_gap else None
                if later:
                    raise SpreadsheetError(
                        gettext_noop("Row %(r)d holds data after %(n)d or more empty rows; delete the empty rows and "
                                     "upload again (第%(r)d行之前有%(n)d行以上空行，请删除空行后重新上传)."),
                        {"r": later, "n": MAX_BLANK_RUN})
                return
            continue
        blank_run = 0
        count += 1
        if count > max_rows:
            raise SpreadsheetError(
                gettext_noop("Too many rows: at most %(n)d per file (行数过多，每个文件最多%(n)d行)."), {"n": max_rows})
        if len(values) < width:
            values += [None] * (width - len(values))
        yield row_no, values


# --------------------------------------------------------------------------- xlsx

_ROW_TAG = re.compile(rb"<(?:\w+:)?row(?=[\s>/])([^>]*)>")
_R_ATTR = re.compile(rb'\br="(\d+)"')
# A cell value, inline-string text or formula with at least one visible character.
_CONTENT = re.compile(rb"<(?:\w+:)?(?:v|t|f)(?:\s[^>]*)?>\s*[^<\s]")
_KEEP = 4096  # bytes carried over between chunks so that a tag cut by the boundary is seen whole


def _first_content_row_after(archive: zipfile.ZipFile, part: str, after_row: int) -> int | None:
    """The first row number > ``after_row`` holding a value, found by scanning the
    sheet's XML as bytes: a million empty rows take well under a second this way,
    instead of the ~10 s openpyxl needs to parse them cell by cell.

    First walk the row tags up to ``after_row`` (as many as were already read), then
    search the rest for any cell content with one C-level regex search per chunk.
    """
    current = 0
    seeking = True
    tail = b""
    with archive.open(part) as src:
        while True:
            chunk = src.read(1 << 20)
            buf = tail + chunk
            limit = len(buf) if not chunk else max(0, len(buf) - _KEEP)
            pos = 0
            if seeking:
                for m in _ROW_TAG.finditer(buf, 0, limit):
                    r = _R_ATTR.search(m.group(1))
                    current = int(r.group(1)) if r else current + 1
                    if current > after_row:
                        seeking = False
                        pos = m.start()
                        break
                    pos = m.end()
                else:
                    pos = max(pos, limit)
            if not seeking:
                hit = _CONTENT.search(buf, pos, len(buf) if not chunk else limit)
                if hit:
                    row_tags = list(_ROW_TAG.finditer(buf, pos, hit.start()))
                    r = _R_ATTR.search(row_tags[-1].group(1)) if row_tags else None
                    return int(r.group(1)) if r else current
                if row_tags := list(_ROW_TAG.finditer(buf, max(pos, limit - _KEEP), limit)):
                    r = _R_ATTR.search(row_tags[-1].group(1))
                    current = int(r.group(1)) if r else current
                pos = limit
            if not chunk:
                return None
            tail = buf[pos:]


def _check_zip(data: bytes) -> zipfile.ZipFile:
    if data.startswith(OLE_MAGIC):
        raise SpreadsheetError(
            gettext_noop("The workbook is password-protected or in the old .xls format; save it as an unprotected "
                         ".xlsx (文件已加密或为旧版.xls格式，请另存为未加密的.xlsx)."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise SpreadsheetError(gettext_noop("This is not an xlsx workbook (文件不是有效的xlsx工作簿).")) from None
    from django.conf import settings

    limit = getattr(settings, "IMPORTS_MAX_UNPACKED_BYTES", MAX_UNPACKED_BYTES)
    unpacked = sum(i.file_size for i in archive.infolist())
    if unpacked > limit:
        raise SpreadsheetError(
            gettext_noop("The workbook is too large: it unpacks to %(mb)d MB, the limit is %(limit)d MB; split it into "
                         "smaller files (工作簿过大：解压后%(mb)dMB，上限%(limit)dMB，请拆分为多个文件)."),
            {"mb": unpacked // (1024 * 1024), "limit": limit // (1024 * 1024)})
    return archive


@contextmanager
def open_xlsx(data: bytes, *, max_rows: int = MAX_ROWS_DEFAULT) -> Iterator[Sheet]:
    archive = _check_zip(data)
    import openpyxl

    try:
        # read_only streams rows from the XML; data_only=False so formulas show as "=..."
        # and can be refused instead of importing whatever value Excel cached last.
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise SpreadsheetError(gettext_noop("The workbook cannot be read (工作簿无法读取): %(e)s"),
                               {"e": exc.__class__.__name__}) from exc
    try:
        if not wb.worksheets:
            raise SpreadsheetError(gettext_noop("The workbook has no worksheet (工作簿中没有工作表)."))
        ws = wb.worksheets[0]

        def values() -> Iterator[tuple]:
            try:
                for row_no, row in enumerate(ws.iter_rows(values_only=True), start=1):
                    for col_no, v in enumerate(row, start=1):
                        if v.__class__ is str and v[:1] == "=":
                            raise SpreadsheetError(
                                gettext_noop("Row %(r)d, column %(c)d holds a formula; paste values only "
                                             "(第%(r)d行第%(c)d列含公式，请粘贴为数值)."), {"r": row_no, "c": col_no})
                    yield row
            except SpreadsheetError:
                raise
            except Exception as exc:  # a broken sheet part found half-way through
                raise SpreadsheetError(gettext_noop("The workbook cannot be read (工作簿无法读取): %(e)s"),
                                       {"e": exc.__class__.__name__}) from exc

        raw = values()
        try:
            headers = _headers(next(raw))
        except StopIteration:
            raise SpreadsheetError(gettext_noop("The file is empty (文件为空).")) from None
        part = getattr(ws, "_worksheet_path", None)
        after_gap = (lambda row: _first_content_row_after(archive, part, row)) if part else None
        declared = ws.max_row if isinstance(ws.max_row, int) and ws.max_row > 1 else None
        yield Sheet(headers=headers, rows=_data_rows(raw, len(headers), max_rows, after_gap=after_gap),
                    estimated_rows=(declared - 1) if declared else None)
    finally:
        wb.close()
        archive.close()


# --------------------------------------------------------------------------- csv

def _decode(data: bytes) -> str:
    # UTF-8 (with or without the BOM Excel writes), else GB18030: what Excel on a
    # Chinese Windows saves as "CSV" (a superset of GBK and GB2312).
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SpreadsheetError(MSG_ENCODING)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SpreadsheetError(MSG_ENCODING)
    if "\x00" in text:
        raise SpreadsheetError(gettext_noop("This is not a text CSV file (文件不是文本CSV)."))
    return text


@contextmanager
def open_csv(data: bytes, *, max_rows: int = MAX_ROWS_DEFAULT) -> Iterator[Sheet]:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        headers = _headers(next(reader))
    except StopIteration:
        raise SpreadsheetError(gettext_noop("The file is empty (文件为空).")) from None

    def after_gap(row: int) -> int | None:
        for later_no, values in enumerate(reader, start=row + 1):
            if any(_cell(v) is not None for v in values):
                return later_no
        return None

    def rows():
        try:
            yield from _data_rows(reader, len(headers), max_rows, after_gap=after_gap)
        except csv.Error as exc:
            raise SpreadsheetError(gettext_noop("The CSV file is malformed (CSV文件格式错误): %(e)s"),
                                   {"e": str(exc)}) from exc

    yield Sheet(headers=headers, rows=rows(), estimated_rows=max(1, text.count("\n")))


@contextmanager
def open_sheet(name: str, data: bytes, *, max_rows: int = MAX_ROWS_DEFAULT) -> Iterator[Sheet]:
    """Stream the first sheet of an .xlsx or the rows of a .csv."""
    lower = (name or "").lower()
    if lower.endswith(".csv"):
        opener = open_csv
    elif lower.endswith((".xlsx", ".xlsm")) or data[:2] == b"PK" or data.startswith(OLE_MAGIC):
        opener = open_xlsx
    else:
        raise SpreadsheetError(gettext_noop("Upload an .xlsx or .csv file (请上传.xlsx或.csv文件)."))
    with opener(data, max_rows=max_rows) as sheet:
        yield sheet


# --------------------------------------------------------------------------- whole tables

def _table(sheet: Sheet) -> Table:
    return Table(headers=sheet.headers,
                 rows=[(row_no, dict(zip(sheet.headers, values, strict=False))) for row_no, values in sheet.rows])


def read_xlsx(data: bytes, *, max_rows: int = MAX_ROWS_DEFAULT) -> Table:
    with open_xlsx(data, max_rows=max_rows) as sheet:
        return _table(sheet)


def read_csv(data: bytes, *, max_rows: int = MAX_ROWS_DEFAULT) -> Table:
    with open_csv(data, max_rows=max_rows) as sheet:
        return _table(sheet)


def read_table(name: str, data: bytes, *, max_rows: int = MAX_ROWS_DEFAULT) -> Table:
    with open_sheet(name, data, max_rows=max_rows) as sheet:
        return _table(sheet)
