"""The trail as CSV or xlsx, for the audit administrator.

Cells are always text: a value an attacker chose (a name, an object label) must not run
as a spreadsheet formula on the auditor's machine (CSV/formula injection), so CSV cells
starting with = + - @ are prefixed with an apostrophe, and xlsx cells are typed as strings.
"""
from __future__ import annotations

import csv
import json
import tempfile
from collections.abc import Iterable, Iterator
from datetime import UTC

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import AuditEvent

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def headers() -> list[str]:
    return [_("Event"), _("Time (UTC)"), _("Local time"), _("Actor id"), _("Actor"), _("Unit"), _("IP address"),
            _("Action"), _("Object type"), _("Object id"), _("Object"), _("Before"), _("After"), _("Result"),
            _("Detail"), _("Hash")]


def _json(value) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def row(e: AuditEvent) -> list[str]:
    utc = e.occurred_at.astimezone(UTC)
    local = timezone.localtime(e.occurred_at)
    return [str(e.pk), utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), local.strftime("%Y-%m-%d %H:%M:%S"),
            "" if e.actor_id is None else str(e.actor_id), e.actor_label, e.unit_schema, e.ip or "", e.action,
            e.object_type, e.object_id, e.object_repr, _json(e.before), _json(e.after),
            str(AuditEvent.Result(e.result).label) if e.result in AuditEvent.Result.values else e.result,
            e.detail, e.hash]


def rows(events: QuerySet[AuditEvent]) -> Iterator[list[str]]:
    for e in events.iterator(chunk_size=2000):
        yield row(e)


def _safe_csv(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


class _Echo:
    def write(self, value):
        return value


def csv_chunks(events: QuerySet[AuditEvent]) -> Iterable[str]:
    """CSV lines, streamed; UTF-8 with a byte-order mark so Excel reads the Chinese."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(headers())
    for r in rows(events):
        yield writer.writerow([_safe_csv(v) for v in r])


def xlsx_file(events: QuerySet[AuditEvent]):
    """A temporary file holding the workbook (write-only mode: memory stays flat)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Audit trail"))

    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def text_cells(values):
        cells = []
        for v in values:
            cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", v))
            cell.data_type = "s"  # never a formula, whatever the text starts with
            cells.append(cell)
        return cells

    ws.append(text_cells(headers()))
    for r in rows(events):
        ws.append(text_cells(r))
    out = tempfile.TemporaryFile(suffix=".xlsx")
    wb.save(out)
    out.seek(0)
    return out
