"""Making an import job from an upload and running it: claim, check, write all or nothing."""
from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengtong.audit.models import AuditEvent
from zhengtong.audit.services import audit_denied, audit_record
from zhengtong.core.errors import Invalid, Refused, audited_refusal
from zhengtong.core.tenancy import current_unit, enabled_modules

from ..definitions import ImportDefinition, validation_messages
from ..models import ImportJob, stale_after
from ..reader import SpreadsheetError
from ..registry import get_import
from .outcome import (
    MSG_ALREADY_IMPORTED,
    MSG_CONFLICT,
    MSG_MODULE_OFF,
    MSG_NOT_ALLOWED,
    MSG_NOT_STUCK,
    MSG_OUT_OF_RANGE,
    MSG_REFUSED_WRITING,
    MSG_UNEXPECTED,
    _Report,
    _Stop,
)
from .progress import Progress, _Heartbeat
from .reading import _stream

if TYPE_CHECKING:
    from zhengtong.accounts.models import User

log = logging.getLogger("zhengtong.imports.services")


def inline_max_bytes() -> int:
    """Files up to this size are imported in the request; larger ones in Celery."""
    return getattr(settings, "IMPORTS_INLINE_MAX_BYTES", 256 * 1024)


def upload_max_bytes() -> int:
    return getattr(settings, "IMPORTS_UPLOAD_MAX_BYTES", 30 * 1024 * 1024)


# --------------------------------------------------------------------------- create

@audited_refusal("imports.run", object_type="imports.ImportJob")
def import_job_create(*, definition: ImportDefinition, actor: User, filename: str, data: bytes,
                      dry_run: bool = False) -> ImportJob:
    """Store the upload as a job, then run it: inline when small, else in Celery.

    Returns the job; its status says what happened (or is still happening)."""
    if not definition.may_import(actor):
        raise Refused(_(MSG_NOT_ALLOWED), detail=f"{definition.key}: no permission to import")
    if len(data) > upload_max_bytes():
        raise Invalid(
            _("The file is larger than %(mb)d MB; split it into smaller files (文件超过%(mb)dMB，请拆分后上传).")
            % {"mb": upload_max_bytes() // (1024 * 1024)})
    if not data:
        raise Invalid(_("The file is empty (文件为空)."))
    job = ImportJob(definition_key=definition.key, original_name=(filename or "upload")[:255], size=len(data),
                    sha256=hashlib.sha256(data).hexdigest(), dry_run=dry_run, created_by=actor,
                    created_at=timezone.now(), run_in_background=len(data) > inline_max_bytes())
    job.file.save(filename or "upload.xlsx", ContentFile(data), save=False)
    job.save()
    if job.run_in_background:
        from ..tasks import run_import_job

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


@audited_refusal("imports.retry", obj_arg="job")
def import_job_retry(*, job: ImportJob, actor: User) -> ImportJob:
    """Start a stuck job again: its worker died mid-run (no heartbeat for the stale limit)
    or its queued message was lost with a worker. Offered on the job page to whoever
    uploaded the file. The dead run wrote nothing (its transaction died with it), and the
    claim lets exactly one run take the job over, so a retry racing a late redelivery
    imports the file once."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if actor is None or job.created_by_id != actor.pk:
            raise Refused(detail="not the uploader")
        if not job.stuck:
            raise Invalid(_(MSG_NOT_STUCK))
        audit_record(action="imports.retry", actor=actor, obj=job,
                     before={"status": job.status, "phase": job.phase, "progress": job.progress,
                             "heartbeat_at": job.heartbeat_at.isoformat() if job.heartbeat_at else None},
                     detail=f"{job.definition_key}: stuck, started again")
        if job.run_in_background:
            from ..tasks import run_import_job

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
    if definition.module_key not in enabled_modules(current_unit()):
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
