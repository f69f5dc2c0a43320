"""One row per uploaded file: what was uploaded, how far the import got, what came of it.

The row is the user's view of a long import (status and progress, polled by the job
page) and the record of what the file was (its SHA-256 refuses a second import of the
same file). Jobs live in the unit's schema, next to the data they wrote.
"""
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def stale_after() -> timedelta:
    """How long a job may go without a sign of life before it counts as stuck.

    A running import beats its heartbeat every quarter of this (a thread of its own, so a
    slow batch or a wait on a lock still beats); a worker that died stops beating."""
    return timedelta(seconds=getattr(settings, "IMPORTS_STALE_AFTER", 120))


def upload_path(job: "ImportJob", filename: str) -> str:
    # Stored under the unit's media folder (tenant storage); never the person's file name.
    suffix = ".csv" if filename.lower().endswith(".csv") else ".xlsx"
    return f"imports/{job.created_at:%Y/%m}/{uuid.uuid4().hex}{suffix}"


class ImportJob(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        INVALID = "invalid", _("Not imported: problems found")
        DONE = "done", _("Imported")
        CHECKED = "checked", _("Checked, no problems (nothing written)")
        FAILED = "failed", _("Failed, nothing written")

    FINISHED = (Status.INVALID, Status.DONE, Status.CHECKED, Status.FAILED)

    definition_key = models.CharField(_("import"), max_length=64)
    file = models.FileField(_("file"), upload_to=upload_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.BigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64, db_index=True)
    dry_run = models.BooleanField(_("check only"), default=False)
    run_in_background = models.BooleanField(default=False)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    phase = models.CharField(_("phase"), max_length=32, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_read = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    error_count = models.PositiveIntegerField(_("problems"), default=0)
    errors = models.JSONField(default=list, blank=True)  # first problems: {row, column, message, params}
    notes = models.JSONField(default=list, blank=True)  # e.g. columns that were not imported
    detail = models.JSONField(default=dict, blank=True)  # what the commit reported (number range...)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False, verbose_name=_("uploaded by"),
                                   null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("uploaded at"))
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Touched by every progress report: a "running" job whose heartbeat stopped long ago
    # belongs to a worker that died, and may be claimed again.
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [models.Index(fields=["definition_key", "sha256", "status"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.original_name}"

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def stuck(self) -> bool:
        """Running without a heartbeat for too long (its worker died), or waiting in the
        background queue for too long (its message was lost with a worker)."""
        limit = timezone.now() - stale_after()
        if self.status == self.Status.RUNNING:
            return (self.heartbeat_at or self.started_at or self.created_at) < limit
        return self.status == self.Status.PENDING and self.created_at < limit
