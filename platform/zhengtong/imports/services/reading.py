"""Reading the file: headers matched to columns, cells converted, rows checked in batches
and handed to the module's writer while the rest is still being read."""
from __future__ import annotations

import queue
import threading
from collections import defaultdict
from typing import Any

from ..definitions import MSG_DUPLICATE_IN_FILE, CellError, Column, ImportDefinition, normalise_header
from ..models import ImportJob
from ..reader import open_sheet
from .outcome import (
    MSG_COLUMNS_ABSENT,
    MSG_COLUMNS_READ,
    MSG_DUPLICATE_COLUMN,
    MSG_MISSING_COLUMN,
    MSG_NO_ROWS,
    MSG_UNKNOWN_COLUMNS,
    _Report,
)
from .progress import Progress

# --------------------------------------------------------------------------- reading

def _map_headers(definition: ImportDefinition, headers: list[str], report: _Report,
                 notes: list[dict]) -> list[tuple[int, Column]] | None:
    wanted: dict[str, Column] = {}
    for col in definition.columns:
        wanted[normalise_header(col.header_zh)] = col
        wanted[normalise_header(col.header_en)] = col
    found: dict[str, int] = {}
    unknown: list[str] = []
    for idx, header in enumerate(headers):
        if not header:
            continue
        col = wanted.get(normalise_header(header))
        if col is None:
            unknown.append(header)
        elif col.key in found:
            report.add(1, header, MSG_DUPLICATE_COLUMN)
        else:
            found[col.key] = idx
    for col in definition.columns:
        if col.required and col.key not in found:
            report.add(1, col.header_zh, MSG_MISSING_COLUMN)
    if unknown:
        notes.append({"message": MSG_UNKNOWN_COLUMNS, "params": {"cols": "、".join(unknown)}})
    if report:
        return None
    absent = [c.header_zh for c in definition.columns if c.key not in found]
    notes.append({"message": MSG_COLUMNS_READ,
                  "params": {"cols": "、".join(headers[found[c.key]] for c in definition.columns if c.key in found)}})
    if absent:
        notes.append({"message": MSG_COLUMNS_ABSENT, "params": {"cols": "、".join(absent)}})
    return [(found[c.key], c) for c in definition.columns if c.key in found]


_END = object()


def _converted(rows, mapping: list[tuple[int, Column]]):
    """(row number, record, cell problems) for each row; pure Python, no database."""
    for row_no, values in rows:
        record: dict[str, Any] = {}
        problems = None
        for idx, col in mapping:
            try:
                record[col.key] = col.convert(values[idx])
            except CellError as exc:
                record[col.key] = None
                problems = problems or []
                problems.append((idx, exc.message, exc.params))
        yield row_no, record, problems


def _in_thread(iterator, chunk: int = 500):
    """Run ``iterator`` in a thread, handing its items over in chunks.

    Parsing a workbook is pure Python; the checks and inserts of the main thread spend
    most of their time waiting for PostgreSQL (row triggers write the audit trail), which
    releases the GIL. Overlapping the two nearly halves a 100,000-row import.
    """
    items: queue.Queue = queue.Queue(maxsize=8)
    stop = threading.Event()

    def produce():
        try:
            batch = []
            for item in iterator:
                batch.append(item)
                if len(batch) >= chunk:
                    items.put(batch)
                    batch = []
                    if stop.is_set():
                        return
            items.put(batch)
            items.put(_END)
        except BaseException as exc:  # handed to the consumer, raised there
            items.put(exc)

    thread = threading.Thread(target=produce, name="import-reader", daemon=True)
    thread.start()
    try:
        while True:
            got = items.get()
            if got is _END:
                return
            if isinstance(got, BaseException):
                raise got
            yield from got
    finally:
        stop.set()
        while thread.is_alive():  # let a blocked producer finish its put and see the flag
            try:
                items.get(timeout=0.1)
            except queue.Empty:
                pass
        thread.join()


def _stream(job: ImportJob, definition: ImportDefinition, data: bytes, report: _Report, progress: Progress,
            writer) -> dict[str, int] | None:
    """Read, convert and check every row; hand valid new records to ``writer`` in batches
    until the first problem (after which rows are still checked, for a complete report,
    but nothing more is written). Returns counts, or None when the file as a whole is
    unusable."""
    notes: list[dict] = []
    with open_sheet(job.original_name, data, max_rows=definition.max_rows) as sheet:
        mapping = _map_headers(definition, sheet.headers, report, notes)
        job.notes = notes
        if mapping is None:
            return None
        checker = _BatchChecker(definition, sheet.headers, mapping, report, writer)
        estimate = max(1, sheet.estimated_rows or 0)
        rows = _in_thread(_converted(sheet.rows, mapping))
        try:
            for row_no, record, problems in rows:
                if problems:
                    for idx, message, params in problems:
                        report.add(row_no, sheet.headers[idx], message, params)
                checker.add(row_no, record)
                if checker.read % 1000 == 0:
                    progress(phase="reading", percent=95 * checker.read / max(estimate, checker.read + 1),
                             rows_read=checker.read)
            checker.flush()
        finally:
            rows.close()
    job.rows_total = job.rows_read = checker.read
    if not checker.read and not report:
        report.add(0, "", MSG_NO_ROWS)
        return None
    progress(phase="checking", percent=95, force=True, rows_read=checker.read, rows_total=checker.read)
    return {"read": checker.read, "unchanged": checker.unchanged, "new": checker.new}


class _BatchChecker:
    """Checks that need the database or the whole file, a batch at a time: uniqueness
    inside the file, references (one query per batch for values not seen before), the
    definition's domain rules, natural keys against stored records."""

    def __init__(self, definition: ImportDefinition, headers: list[str], mapping, report: _Report, writer):
        self.definition = definition
        self.report = report
        self.writer = writer
        self.header_of = {c.key: headers[i] for i, c in mapping}
        self.unique_cols = [c for c in definition.columns if c.unique and c.key in self.header_of]
        self.reference_cols = [c for c in definition.columns if c.reference and c.key in self.header_of]
        self.seen: dict[str, dict[Any, int]] = defaultdict(dict)
        self.resolved: dict[str, dict[Any, Any]] = defaultdict(dict)
        self.missing: dict[str, set] = defaultdict(set)
        self.pending: list[tuple[int, dict[str, Any]]] = []
        self.read = self.unchanged = self.new = 0

    def header(self, key: str) -> str:
        return self.header_of.get(key) or self.definition.column(key).header_zh

    def add(self, row_no: int, record: dict[str, Any]) -> None:
        self.read += 1
        for col in self.unique_cols:
            value = record.get(col.key)
            if value is not None:
                key = value.casefold() if isinstance(value, str) else value
                first = self.seen[col.key].setdefault(key, row_no)
                if first != row_no:
                    self.report.add(row_no, self.header_of[col.key], MSG_DUPLICATE_IN_FILE,
                                    {"col": self.header_of[col.key], "other": first})
        self.pending.append((row_no, record))
        if len(self.pending) >= self.definition.batch_size:
            self.flush()

    def flush(self) -> None:
        batch, self.pending = self.pending, []
        if not batch:
            return
        definition, report = self.definition, self.report
        for col in self.reference_cols:
            known, missing = self.resolved[col.key], self.missing[col.key]
            wanted = {r[col.key] for _, r in batch if r.get(col.key) is not None} - known.keys() - missing
            if wanted:
                found = definition.resolve(col, wanted)
                known.update(found)
                missing.update(wanted - found.keys())
            message = definition.reference_message(col)
            for row_no, record in batch:
                value = record.get(col.key)
                if value is None:
                    continue
                if value in known:
                    record[col.key] = known[value]
                else:
                    report.add(row_no, self.header_of[col.key], message, {"v": str(value)[:80]})
                    record[col.key] = None
        for row_no, record in batch:
            for key, message, params in definition.clean_record(record):
                report.add(row_no, self.header(key), message, params)
            if row_no not in report.rows_with_errors:  # the model sees values the checks above passed
                for key, message, params in definition.model_problems(record):
                    report.add(row_no, self.header(key) if key else "", message, params)
        fresh = []
        nk = definition.natural_key
        keys = [tuple(r.get(k) for k in nk) for _, r in batch] if nk else []
        stored = definition.existing([k for k in keys if None not in k]) if nk else {}
        for i, (row_no, record) in enumerate(batch):
            old = stored.get(keys[i]) if nk and None not in keys[i] else None
            if old is None:
                fresh.append(record)
                continue
            if row_no in report.rows_with_errors:
                continue
            # A column the file does not carry is not compared (nor written): a file with a
            # few columns says nothing about the others.
            diff = [d for d in definition.differences(record, old) if d in self.header_of]
            if diff:
                report.add(row_no, self.header(diff[0]), definition.existing_message(),
                           {"cols": "、".join(self.header(d) for d in diff)})
            else:
                self.unchanged += 1
        self.new += len(fresh)
        # Once anything is wrong the transaction will be rolled back: stop writing, keep checking.
        if self.writer is not None and not report and fresh:
            self.writer.add(fresh)
