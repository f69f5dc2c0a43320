"""Running an import: upload → read and convert every row → check references, natural
keys and domain rules → commit all or nothing, audited.

The work is the same inline (small files, in the request) and in Celery (large files);
either way the outcome lands on the ImportJob row the user is looking at.

Re-running a file never duplicates: an identical file (same SHA-256) that was already
imported is refused as a whole, and rows whose natural key exists are compared with
what is stored — identical rows count as "unchanged", different ones are refused with
the differing columns named. We refuse rather than update because an import creates
records; changing existing ones has its own rules in each module (for asset cards:
custodian changes by the asset officer only, value changes are audited field by field).
"""
from __future__ import annotations

import hashlib
import logging
import queue
import threading
import time
from collections import defaultdict
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from zhengtong.audit.models import AuditEvent
from zhengtong.audit.services import audit_denied, audit_record
from zhengtong.registry.middleware import enabled_modules

from .definitions import (
    MSG_DUPLICATE_IN_FILE,
    CellError,
    Column,
    ImportDefinition,
    RowError,
    normalise_header,
    validation_messages,
)
from .models import ImportJob, stale_after
from .reader import SpreadsheetError, open_sheet
from .registry import get_import

log = logging.getLogger(__name__)

MAX_STORED_ERRORS = 1000  # the report shows these; the count covers all


def inline_max_bytes() -> int:
    """Files up to this size are imported in the request; larger ones in Celery."""
    return getattr(settings, "IMPORTS_INLINE_MAX_BYTES", 256 * 1024)


def upload_max_bytes() -> int:
    return getattr(settings, "IMPORTS_UPLOAD_MAX_BYTES", 30 * 1024 * 1024)


# --------------------------------------------------------------------------- progress

class Progress:
    """Reports progress on the job row while the import runs.

    Outside a transaction a plain UPDATE is visible at once. Inside the import's
    transaction it would not be (and would lock the row), so progress goes through a
    second, autocommit connection that names the unit's schema explicitly — never via
    search_path, which that connection does not share with Django's.
    """

    def __init__(self, job: ImportJob):
        self.job_id = job.pk
        self.schema = connection.schema_name
        self._side = None
        self._last = 0.0

    def __call__(self, *, phase: str, percent: int, force: bool = False, **fields: int) -> None:
        now = time.monotonic()
        if not force and now - self._last < 0.5:
            return
        self._last = now
        values = {"phase": phase, "progress": max(0, min(100, int(percent))), "heartbeat_at": timezone.now(),
                  **fields}
        if not connection.in_atomic_block:
            ImportJob.objects.filter(pk=self.job_id).update(**values)
            return
        try:
            self._side_update(values)
        except Exception:  # progress is a courtesy; never fail the import for it
            log.warning("import progress update failed", exc_info=True)

    def _side_update(self, values: dict[str, Any]) -> None:
        if self._side is None:
            self._side = _side_connection()
        _side_job_update(self._side, self.schema, self.job_id, values)

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None


def _side_connection():
    """An autocommit connection of its own, to the same database as Django's."""
    import psycopg

    s = connection.settings_dict
    params = {"dbname": s["NAME"], "user": s["USER"], "password": s["PASSWORD"], "host": s["HOST"],
              "port": s["PORT"]}
    # lock_timeout: the import's own transaction holds the job row once it records its
    # outcome; waiting for it here would wait on our own import, so the update is skipped.
    return psycopg.connect(autocommit=True, options="-c lock_timeout=200", **{k: v for k, v in params.items() if v})


def _side_job_update(side, schema: str, job_id: int, values: dict[str, Any]) -> None:
    from psycopg import sql

    assignments = sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(k)) for k in values)
    side.execute(
        sql.SQL("UPDATE {}.{} SET {} WHERE id = %s AND status = %s").format(
            sql.Identifier(schema), sql.Identifier(ImportJob._meta.db_table), assignments),
        [*values.values(), job_id, ImportJob.Status.RUNNING],
    )


class _Heartbeat:
    """Shows that the run is alive: a thread beats the job's heartbeat every quarter of
    the stale limit, however long a batch or a wait on a lock takes. When the process
    dies (a SIGKILL, the OOM killer) the beats stop, the job counts as stuck after the
    limit, and a redelivered task or the person's retry may claim it again; the killed
    run's transaction died with its connection, so nothing of it was written."""

    def __init__(self, job: ImportJob):
        self.job_id, self.schema = job.pk, connection.schema_name
        self.interval = max(0.2, stale_after().total_seconds() / 4)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name="import-heartbeat", daemon=True)

    def __enter__(self) -> _Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self.thread.join()

    def _beat(self) -> None:
        side = None
        while not self.stopped.wait(self.interval):
            try:
                side = side or _side_connection()
                _side_job_update(side, self.schema, self.job_id, {"heartbeat_at": timezone.now()})
            except Exception:  # a skipped beat (lock timeout, lost connection): try again next time
                log.warning("import heartbeat failed", exc_info=True)
                if side is not None and side.closed:
                    side = None
        if side is not None:
            side.close()


# --------------------------------------------------------------------------- outcome

class _Report:
    """Problems found so far: all counted, the first MAX_STORED_ERRORS kept."""

    def __init__(self):
        self.errors: list[RowError] = []
        self.count = 0
        self.rows_with_errors: set[int] = set()

    def add(self, row: int, column: str, message: str, params: dict | None = None) -> None:
        self.count += 1
        self.rows_with_errors.add(row)
        if len(self.errors) < MAX_STORED_ERRORS:
            self.errors.append(RowError(row, column, message, params))

    def __bool__(self) -> bool:
        return self.count > 0


class _Stop(Exception):
    """Leave the import's transaction without writing (problems found, or a dry run)."""


MSG_MISSING_COLUMN = gettext_noop("Missing column (缺少列).")
MSG_DUPLICATE_COLUMN = gettext_noop("The column appears twice (列重复).")
MSG_NO_ROWS = gettext_noop("The file has no data rows (文件没有数据行).")
MSG_ALREADY_IMPORTED = gettext_noop(
    "This file was already imported on %(when)s by %(who)s (import #%(job)d); nothing was imported again "
    "(该文件已于%(when)s由%(who)s导入（第%(job)d号导入），未重复导入).")
MSG_NOT_ALLOWED = gettext_noop("You may not import this data (您无权导入此类数据).")
MSG_MODULE_OFF = gettext_noop("The module is switched off for this unit (本单位未启用该模块).")
MSG_CONFLICT = gettext_noop(
    "Someone else changed the same records while this file was being imported; nothing was imported. Upload "
    "the file again (导入期间他人修改了相同的数据，未导入任何数据，请重新上传).")
MSG_UNEXPECTED = gettext_noop(
    "The import stopped on an unexpected error; nothing was imported (导入因意外错误中止，未写入任何数据).")
MSG_UNKNOWN_COLUMNS = gettext_noop("These columns are not imported: %(cols)s (以下列不会导入).")
MSG_COLUMNS_READ = gettext_noop("Columns read from the file: %(cols)s (从文件读取的列).")
MSG_COLUMNS_ABSENT = gettext_noop(
    "Not in the file, so left as they are on records already stored (new records take their defaults): "
    "%(cols)s (文件中没有这些列：已有记录的这些数据保持不变，新记录取默认值).")
MSG_REFUSED_WRITING = gettext_noop(
    "Refused while writing; nothing was imported: %(reason)s (写入时被拒绝，未导入任何数据).")
MSG_OUT_OF_RANGE = gettext_noop(
    "A value does not fit what the data can hold (too long or too large); nothing was imported "
    "(有数值超出可存储范围（过长或过大），未导入任何数据).")


# --------------------------------------------------------------------------- create

def import_job_create(*, definition: ImportDefinition, actor, filename: str, data: bytes,
                      dry_run: bool = False) -> ImportJob:
    """Store the upload as a job, then run it: inline when small, else in Celery.

    Returns the job; its status says what happened (or is still happening)."""
    if not definition.may_import(actor):
        audit_denied(action="imports.run", actor=actor, object_type="imports.ImportJob",
                     object_repr=definition.key, detail="no permission to import")
        raise PermissionDenied(_(MSG_NOT_ALLOWED))
    if len(data) > upload_max_bytes():
        raise ValidationError(
            _("The file is larger than %(mb)d MB; split it into smaller files (文件超过%(mb)dMB，请拆分后上传).")
            % {"mb": upload_max_bytes() // (1024 * 1024)})
    if not data:
        raise ValidationError(_("The file is empty (文件为空)."))
    job = ImportJob(definition_key=definition.key, original_name=(filename or "upload")[:255], size=len(data),
                    sha256=hashlib.sha256(data).hexdigest(), dry_run=dry_run, created_by=actor,
                    created_at=timezone.now(), run_in_background=len(data) > inline_max_bytes())
    job.file.save(filename or "upload.xlsx", ContentFile(data), save=False)
    job.save()
    if job.run_in_background:
        from .tasks import run_import_job

        transaction.on_commit(lambda: run_import_job.delay(job.pk))
        return job
    return import_job_run(job_id=job.pk)


# --------------------------------------------------------------------------- run

def _claim(job_id: int) -> datetime | None:
    """Mark the job running unless another run has it (a redelivered task, a double click).
    A running job without a heartbeat for ``stale_after()`` belonged to a dead worker and
    is taken over. Returns the claim's start time, which names this run."""
    now = timezone.now()
    stale = now - stale_after()
    claimed = (
        ImportJob.objects.filter(pk=job_id)
        .filter(Q(status=ImportJob.Status.PENDING)
                | Q(status=ImportJob.Status.RUNNING) & (Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True)))
        .update(status=ImportJob.Status.RUNNING, started_at=now, heartbeat_at=now, phase="reading", progress=0,
                rows_read=0)
    )
    return now if claimed else None


class _Superseded(Exception):
    """Another run took the job over (this one was presumed dead) or finished it first."""


def import_job_run(*, job_id: int) -> ImportJob:
    """Run one job to its end. Idempotent: a job that is finished, or running with a live
    heartbeat, is left alone (the caller sees it unfinished and may come back later)."""
    claimed_at = _claim(job_id)
    if claimed_at is None:
        return ImportJob.objects.get(pk=job_id)
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    progress = Progress(job)
    report = _Report()
    try:
        with _Heartbeat(job):
            status = _run(job, report, progress, claimed_at)
    except _Superseded:
        log.warning("import job %s was taken over by another run; this one wrote nothing", job_id)
        return ImportJob.objects.get(pk=job_id)
    except Exception:
        log.exception("import job %s failed", job_id)
        report = _Report()
        report.add(0, "", MSG_UNEXPECTED)
        status = ImportJob.Status.FAILED
    finally:
        progress.close()
    if status != ImportJob.Status.DONE:
        # DONE was saved and audited inside the import's transaction; every other outcome
        # wrote nothing, and is recorded here, after that transaction rolled back.
        _finish(job, status, report)
        audit_record(action="imports.run", actor=job.created_by, obj=job, after=_audit_summary(job),
                     result=AuditEvent.Result.SUCCESS if status == ImportJob.Status.CHECKED
                     else AuditEvent.Result.FAILURE,
                     detail=f"{job.definition_key}: {status}")
    job.refresh_from_db()
    return job


MSG_NOT_STUCK = gettext_noop(
    "This import is not stuck: it is running or finished (该导入并未中断：正在运行或已结束).")


def import_job_retry(*, job: ImportJob, actor) -> ImportJob:
    """Start a stuck job again: its worker died mid-run (no heartbeat for the stale limit)
    or its queued message was lost with a worker. Offered on the job page to whoever
    uploaded the file. The dead run wrote nothing (its transaction died with it), and the
    claim lets exactly one run take the job over, so a retry racing a late redelivery
    imports the file once."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if actor is None or job.created_by_id != actor.pk:
            raise PermissionDenied
        if not job.stuck:
            raise ValidationError(_(MSG_NOT_STUCK))
        audit_record(action="imports.retry", actor=actor, obj=job,
                     before={"status": job.status, "phase": job.phase, "progress": job.progress,
                             "heartbeat_at": job.heartbeat_at.isoformat() if job.heartbeat_at else None},
                     detail=f"{job.definition_key}: stuck, started again")
        if job.run_in_background:
            from .tasks import run_import_job

            transaction.on_commit(lambda: run_import_job.delay(job.pk))
    if job.run_in_background:
        return job
    return import_job_run(job_id=job.pk)


def _finish(job: ImportJob, status: str, report: _Report) -> None:
    job.status = status
    job.error_count = report.count
    job.errors = [e.as_json() for e in report.errors]
    job.progress = 100
    job.phase = "finished"
    job.finished_at = timezone.now()
    if status != ImportJob.Status.DONE:
        job.created_count = 0
    job.save(update_fields=["status", "error_count", "errors", "progress", "phase", "finished_at", "created_count",
                            "unchanged_count", "rows_total", "rows_read", "notes", "detail", "heartbeat_at"])


def _audit_summary(job: ImportJob) -> dict[str, Any]:
    return {"import": job.definition_key, "file": job.original_name, "sha256": job.sha256, "rows": job.rows_total,
            "created": job.created_count, "unchanged": job.unchanged_count, "problems": job.error_count,
            "check_only": job.dry_run, **({"detail": job.detail} if job.detail else {})}


def _run(job: ImportJob, report: _Report, progress: Progress, claimed_at: datetime) -> str:
    definition = get_import(job.definition_key)
    actor = job.created_by
    if definition is None or actor is None or not actor.is_active:
        report.add(0, "", MSG_NOT_ALLOWED)
        return ImportJob.Status.FAILED
    if definition.module_key not in enabled_modules(_current_unit()):
        report.add(0, "", MSG_MODULE_OFF)
        return ImportJob.Status.FAILED
    # Roles may have changed since the upload (a queued job runs later): check again.
    if not definition.may_import(actor):
        audit_denied(action="imports.run", actor=actor, obj=job, detail="no permission to import")
        report.add(0, "", MSG_NOT_ALLOWED)
        return ImportJob.Status.FAILED
    with job.file.open("rb") as f:
        data = f.read()
    try:
        # One transaction from the first row to the last: rows are written batch by batch
        # while the rest of the file is still being read, and any problem anywhere rolls
        # back everything (all or nothing).
        with transaction.atomic():
            _lock(definition)
            # Under the lock: a run presumed dead that was in fact only slow may have
            # finished this job, or a retry may have taken it over; then this run stops.
            if not ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.RUNNING,
                                            started_at=claimed_at).exists():
                raise _Superseded
            if not job.dry_run and (earlier := _already_imported(job)):
                report.add(0, "", MSG_ALREADY_IMPORTED, _earlier_params(earlier))
                raise _Stop
            writer = None if job.dry_run else definition.writer(actor=actor)
            counts = _stream(job, definition, data, report, progress, writer)
            if counts is None or report:
                raise _Stop
            job.unchanged_count = counts["unchanged"]
            if writer is None:  # check only
                raise _Stop
            progress(phase="writing", percent=95, force=True)
            result = writer.finish()
            job.created_count = result.created
            job.detail = result.detail or {}
            _finish(job, ImportJob.Status.DONE, report)
            audit_record(action="imports.run", actor=actor, obj=job, after=_audit_summary(job),
                         detail=f"{job.definition_key}: done")
            return ImportJob.Status.DONE
    except _Stop:
        return ImportJob.Status.INVALID if report else ImportJob.Status.CHECKED
    except SpreadsheetError as exc:  # raised part-way through the file
        report.add(0, "", exc.message, exc.params)
        return ImportJob.Status.INVALID
    except IntegrityError:
        log.warning("import job %s hit a conflicting write", job.pk, exc_info=True)
        report.add(0, "", MSG_CONFLICT)
        return ImportJob.Status.INVALID
    except ValidationError as exc:
        # A module's service refused a record the checks above let through (its own rules
        # at write time): the transaction rolled back; say why instead of "unexpected".
        for name, messages in validation_messages(exc):
            for message in messages:
                report.add(0, _column_header(definition, name), MSG_REFUSED_WRITING, {"reason": message})
        return ImportJob.Status.INVALID
    except DataError:
        log.warning("import job %s wrote a value the database refused", job.pk, exc_info=True)
        report.add(0, "", MSG_OUT_OF_RANGE)
        return ImportJob.Status.INVALID


def _column_header(definition: ImportDefinition, name: str) -> str:
    return next((c.header_zh for c in definition.columns if c.key == name), "")


def _current_unit():
    from tenants.models import Unit

    unit = getattr(connection, "tenant", None)
    if isinstance(unit, Unit):
        return unit
    # schema_context() and some task runners leave a stand-in tenant: look the unit up.
    return Unit.objects.filter(schema_name=connection.schema_name).first()


def _lock(definition: ImportDefinition) -> None:
    # One import per definition and unit at a time: the natural-key and duplicate-file
    # checks stay true until this transaction commits.
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema() || %s))", ["." + definition.lock_key()])


def _already_imported(job: ImportJob) -> ImportJob | None:
    return (ImportJob.objects.filter(definition_key=job.definition_key, sha256=job.sha256,
                                     status=ImportJob.Status.DONE, dry_run=False)
            .exclude(pk=job.pk).select_related("created_by").order_by("finished_at").first())


def _earlier_params(earlier: ImportJob) -> dict[str, Any]:
    when = timezone.localtime(earlier.finished_at or earlier.created_at).strftime("%Y-%m-%d %H:%M")
    who = earlier.created_by.get_short_name() if earlier.created_by else "—"
    return {"when": when, "who": who, "job": earlier.pk}


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


# --------------------------------------------------------------------------- showing

def render_message(message: str, params: dict | None) -> str:
    """A stored msgid + params, in the active language."""
    text = _(message)
    if params:
        try:
            return text % params
        except (KeyError, ValueError, TypeError):
            return text
    return text


# --------------------------------------------------------------------------- exports

def export_prepare(*, definition, user, params, fmt: str):
    """The rows ``user`` may see with the list's filters, after auditing the export.

    Returns an iterator over the objects (read in chunks, so 100,000 rows stream in
    constant memory). The audit record is written before any byte leaves."""
    if fmt not in ("xlsx", "csv"):
        raise ValidationError(_("Unknown format (未知格式)."))
    queryset = definition.queryset(user=user, params=params)
    count = queryset.count()
    audit_record(action="imports.export", actor=user, object_type=f"export:{definition.key}",
                 object_repr=definition.name_zh, after={"format": fmt, "rows": count,
                                                        "filters": definition.filters(params)})
    return queryset.iterator(chunk_size=2000)
