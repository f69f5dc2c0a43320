"""Reports as the worker makes them, run in-process: request a report in a unit and render it
with the task's body (document_generate), keeping the file's bytes and path. Files written
this way outlive the test's rolled-back transaction: pass the ``issued_files`` fixture
(tests/conftest.py), which removes them."""
from __future__ import annotations

from pathlib import Path

from django_tenants.utils import tenant_context

from zhengtong.reports import services
from zhengtong.reports.models import IssuedDocument


def generate(unit, document, issued_files) -> IssuedDocument:
    """Run the task's body in the unit, as the worker does; keep the file's bytes and path (the
    storage resolves paths in the schema that is active, so read them while in the unit)."""
    with tenant_context(unit):
        doc = services.document_generate(document_id=document.pk)
        doc.pdf, doc.path = b"", None
        if doc.file:
            doc.path = Path(doc.file.path)
            issued_files.append(doc.path)
            doc.pdf = doc.path.read_bytes()
    return doc


def request(unit, user, params=None, key="assets.register") -> IssuedDocument:
    """``user`` asks for the report ``key`` in ``unit`` (queued, not yet rendered)."""
    with tenant_context(unit):
        return services.document_request(actor=user, unit=unit, report_key=key, parameters=params or {})
