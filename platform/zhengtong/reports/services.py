"""Writes on issued documents: request a report (numbered, audited, queued on commit),
generate it (the Celery task's work), record downloads and verifications."""
from __future__ import annotations

import hashlib
import logging
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from zhengtong.audit.services import audit_record
from zhengtong.core.errors import Invalid, Refused, audited_refusal

from .models import DocumentSequence, IssuedDocument
from .pipeline import DocumentHeader, render_table_report
from .registry import AvailableReport, find_report, reports_for

if TYPE_CHECKING:
    from zhengtong.accounts.models import User

log = logging.getLogger(__name__)

# "JYJ-2026-000123": the unit's short name, the year, a sequence per unit and year.
NUMBER_RE = re.compile(r"[A-Z][A-Z0-9-]{0,30}-\d{4}-\d{6,}")
VERIFY_MAX_BYTES = 200 * 1024 * 1024


def is_member(user, unit) -> bool:
    return bool(user.is_authenticated and unit is not None and unit.user_set.filter(pk=user.pk).exists())


def number_prefix(unit) -> str:
    return (unit.slug or connection.schema_name).upper()


def next_document_number(*, unit, year: int) -> tuple[str, int]:
    """Take the next number of ``year`` in the current schema. One statement: concurrent
    requests queue on the year's row and never get the same number, even for the first
    document of a year."""
    table = connection.ops.quote_name(DocumentSequence._meta.db_table)
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {table} (year, last) VALUES (%s, 1) "
            f"ON CONFLICT (year) DO UPDATE SET last = {table}.last + 1 RETURNING last", [year])
        seq = cur.fetchone()[0]
    return f"{number_prefix(unit)}-{year}-{seq:06d}", seq


@audited_refusal("reports.document.request", obj_arg="report_key", object_type="reports.report")
def document_request(*, actor: User, unit, report_key: str, parameters: dict | None = None,
                     language: str | None = None) -> IssuedDocument:
    """Number a new document and queue its rendering. Raises Refused (audited) when the
    report is not offered to ``actor`` here, Invalid for bad parameters."""
    report = find_report(report_key)
    allowed = report is not None and is_member(actor, unit) and any(
        r.key == report_key for r in reports_for(user=actor, unit=unit))
    if not allowed:
        raise Refused(_("You may not request this report."), detail="report not available to this user")
    params = clean_parameters(report, parameters or {})
    return _document_create(actor=actor, unit=unit, report=report, params=params,
                            language=language or translation.get_language() or "zh-hans")


def clean_parameters(report: AvailableReport, data: dict) -> dict:
    form_class = report.form_class()
    if form_class is None:
        return {}
    form = form_class(data=data)
    if not form.is_valid():
        raise Invalid(form.errors.as_data())
    return dict(form.cleaned_data)


@transaction.atomic
def _document_create(*, actor: User, unit, report: AvailableReport, params: dict, language: str) -> IssuedDocument:
    from .tasks import generate_document

    now = timezone.now()
    year = timezone.localtime(now).year
    number, seq = next_document_number(unit=unit, year=year)
    with translation.override(language):
        title = report.name
    document = IssuedDocument.objects.create(
        number=number, year=year, sequence=seq, report_key=report.key, title=title, parameters=params,
        language=language, requested_by=actor, requested_at=now)
    audit_record(action="reports.document.request", actor=actor, obj=document,
                 after={"number": number, "report": report.key, "parameters": params})
    # After commit: the worker must find the row, and a rolled-back request sends nothing.
    document_id = document.pk
    transaction.on_commit(lambda: generate_document.delay(document_id))
    return document


def _set_progress(document_id: int, percent: int, phase: str) -> None:
    # Autocommit (no transaction is open in the task): the requester's page sees it at once.
    IssuedDocument.objects.filter(pk=document_id, status=IssuedDocument.Status.RUNNING).update(
        progress=max(1, min(99, percent)), phase=phase[:120])


def document_generate(*, document_id: int) -> IssuedDocument:
    """Render a requested document in the current schema (the task's body). Idempotent: a
    document already issued is left alone; a redelivered task renders again under the same
    number."""
    with transaction.atomic():
        document = IssuedDocument.objects.select_for_update().select_related("requested_by").get(pk=document_id)
        if document.status == IssuedDocument.Status.DONE:
            return document
        document.status = IssuedDocument.Status.RUNNING
        document.started_at = timezone.now()
        document.progress, document.phase, document.error = 1, _("Starting"), ""
        document.save(update_fields=["status", "started_at", "progress", "phase", "error"])

    unit = connection.tenant
    requester = document.requested_by
    workdir = Path(tempfile.mkdtemp(prefix="zt-doc-"))
    try:
        with translation.override(document.language):
            report = find_report(document.report_key)
            if report is None:
                raise RuntimeError(f"no report {document.report_key!r} is registered")
            if not requester.is_active or not is_member(requester, unit):
                raise PermissionDenied("the requester no longer belongs to this unit")
            _set_progress(document.pk, 1, _("Reading the data"))
            content = report.builder()(user=requester, params=document.parameters)
            header = DocumentHeader(
                unit_name=unit.name, title=document.title, number=document.number,
                generated_at=timezone.localtime(document.started_at).strftime("%Y-%m-%d %H:%M"),
                prepared_by=requester.get_full_name())
            rendered = render_table_report(
                content, header=header, target=workdir / "document.pdf",
                progress=lambda pct, phase: _set_progress(document.pk, pct, phase))
        with transaction.atomic():
            document = IssuedDocument.objects.select_for_update().get(pk=document_id)
            if document.status == IssuedDocument.Status.DONE:  # another delivery finished first
                return document
            with open(rendered.path, "rb") as fh:
                document.file.save(f"{document.number}.pdf", File(fh), save=False)
            document.sha256, document.size, document.pages = rendered.sha256, rendered.size, rendered.pages
            document.rows = rendered.rows
            document.status, document.progress, document.phase = IssuedDocument.Status.DONE, 100, ""
            document.finished_at = timezone.now()
            document.save()
            audit_record(action="reports.document.issue", actor=requester, obj=document,
                         after={"number": document.number, "sha256": document.sha256, "pages": document.pages,
                                "rows": document.rows, "chunks": rendered.chunks, "passes": rendered.passes})
        return document
    except Exception as exc:
        log.exception("report %s failed", document.number)
        with transaction.atomic():
            IssuedDocument.objects.filter(pk=document_id).exclude(status=IssuedDocument.Status.DONE).update(
                status=IssuedDocument.Status.FAILED, phase="", error=f"{type(exc).__name__}: {exc}"[:2000],
                finished_at=timezone.now())
            audit_record(action="reports.document.issue", actor=requester, obj=document,
                         result="failure", detail=f"{type(exc).__name__}: {exc}"[:2000])
        document.refresh_from_db()
        return document
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def document_downloaded(*, actor: User, document: IssuedDocument) -> None:
    audit_record(action="reports.document.download", actor=actor, obj=document,
                 after={"number": document.number, "sha256": document.sha256})


@dataclass(frozen=True)
class Verification:
    sha256: str
    is_pdf: bool
    original: IssuedDocument | None  # the document this file is an unmodified copy of
    claimed_number: str = ""  # the number the file carries, when it is not an original
    claimed: IssuedDocument | None = None  # that document, if this unit issued it

    @property
    def is_original(self) -> bool:
        return self.original is not None


def _pdf_string(raw: bytes) -> str:
    """Decode a PDF literal string body (pypdf writes "-" as the octal escape \\055)."""
    out, i = bytearray(), 0
    while i < len(raw):
        c = raw[i]
        if c == 0x5C and i + 1 < len(raw):  # backslash
            m = re.match(rb"[0-7]{1,3}", raw[i + 1:i + 4])
            if m:
                out.append(int(m.group(0), 8) & 0xFF)
                i += 1 + len(m.group(0))
                continue
            out.append(raw[i + 1])
            i += 2
            continue
        out.append(c)
        i += 1
    return out.decode("latin-1")


def claimed_number(head: bytes, tail: bytes) -> str:
    """The document number a PDF says it is (our /ZtDocumentNumber entry, else /Subject).

    Read from raw bytes, not by parsing the PDF: an uploaded file is untrusted, and the
    document information dictionary of our files is near the end, uncompressed."""
    for blob in (tail, head):
        for key in (rb"/ZtDocumentNumber", rb"/Subject"):
            for m in re.finditer(key + rb"\s*(?:\(((?:[^()\\]|\\.){1,200})\)|<([0-9A-Fa-f\s]{2,400})>)", blob):
                if m.group(1) is not None:
                    value = _pdf_string(m.group(1))
                else:
                    try:
                        value = bytes.fromhex(m.group(2).decode("ascii")).decode("latin-1")
                    except ValueError:
                        continue
                if NUMBER_RE.fullmatch(value):
                    return value
    return ""


def document_verify(*, actor: User | None, upload: IO[bytes]) -> Verification:
    """Is ``upload`` byte for byte a document issued in this unit (schema)?"""
    digest = hashlib.sha256()
    head, tail, size = b"", b"", 0
    for block in iter(lambda: upload.read(1 << 20), b""):
        if not head:
            head = block[:65536]
        tail = (tail + block)[-65536:]
        size += len(block)
        if size > VERIFY_MAX_BYTES:
            raise Invalid(_("The file is too large to be one of our documents (文件过大，不是本系统出具的文件)."))
        digest.update(block)
    sha = digest.hexdigest()
    original = IssuedDocument.objects.filter(sha256=sha, status=IssuedDocument.Status.DONE).first()
    claimed, claimed_doc = "", None
    if original is None:
        claimed = claimed_number(head, tail)
        if claimed:
            claimed_doc = IssuedDocument.objects.filter(number=claimed).first()
    result = Verification(sha256=sha, is_pdf=head.startswith(b"%PDF-"), original=original,
                          claimed_number=claimed, claimed=claimed_doc)
    audit_record(action="reports.document.verify", actor=actor, obj=original or claimed_doc,
                 object_type="" if (original or claimed_doc) else "reports.issueddocument",
                 detail=f"sha256={sha} original={'yes' if original else 'no'} claimed={claimed or '-'}")
    return result
