"""Issued PDF documents. The app is in SHARED_APPS and TENANT_APPS: a unit's documents live in
its own schema (and its files under MEDIA_ROOT/<schema>/), district documents in public."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def document_file_path(document: IssuedDocument, filename: str) -> str:
    # The storage (TenantFileSystemStorage) prefixes the schema name.
    return f"reports/{document.year}/{document.number}.pdf"


class DocumentSequence(models.Model):
    """The last document number issued in a year, in this unit (one row per year)."""

    year = models.PositiveSmallIntegerField(unique=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class IssuedDocument(models.Model):
    """One requested report: its number, its progress and, once rendered, its file and hash.

    The number is taken when the report is requested (it is printed on every page), so a
    report that fails keeps its number and says so: numbers are never reused.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Generating")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    number = models.CharField(_("document number"), max_length=48, unique=True)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    report_key = models.CharField(_("report"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    parameters = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=16, default="zh-hans")
    # Users live in the public schema; the FK crosses schemas through the search_path.
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False, verbose_name=_("requested by"),
                                     on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    phase = models.CharField(max_length=120, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    file = models.FileField(upload_to=document_file_path, blank=True, max_length=200)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True, db_index=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    rows = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["year", "sequence"], name="reports_document_year_seq")]
        indexes = [models.Index(fields=["requested_by", "-requested_at"], name="reports_doc_requester")]
        verbose_name = _("issued document")
        verbose_name_plural = _("issued documents")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def download_name(self) -> str:
        return f"{self.number}-{self.title}.pdf"
