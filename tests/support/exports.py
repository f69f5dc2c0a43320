"""Read a platform export (``/imports/export/<key>.<fmt>``) back as rows, the way a person
opening the file would see them: a test then compares them with exactly the rows the reader
may see (issue 13: an export that ignored access tiers passed every test)."""
from __future__ import annotations

import csv
import io

import openpyxl


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def export_rows(client, key: str, fmt: str = "csv", **params) -> list[dict[str, str]]:
    """The rows of export ``key`` as ``client`` downloads it: one dict per row, header → text.
    Fails the test (AssertionError) when the download is not a 200."""
    response = client.get(f"/imports/export/{key}.{fmt}", params)
    assert response.status_code == 200, (key, fmt, response.status_code)
    body = _body(response)
    if fmt == "csv":
        table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
        table = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    header, *rows = table
    return [dict(zip(header, row, strict=False)) for row in rows if any(row)]


def exported(client, key: str, column: str, **params) -> list[str]:
    """One column of export ``key``, sorted, read from the csv AND the xlsx file (they must agree)."""
    from_csv = sorted(row[column] for row in export_rows(client, key, "csv", **params))
    from_xlsx = sorted(row[column] for row in export_rows(client, key, "xlsx", **params))
    assert from_csv == from_xlsx, (key, from_csv, from_xlsx)
    return from_csv


def export_status(client, key: str, fmt: str = "csv", **params) -> int:
    response = client.get(f"/imports/export/{key}.{fmt}", params)
    _body(response)  # read to the end, so the test client closes a streamed answer
    return response.status_code
