"""Exporting the rows of an import's list (the same columns, read back)."""
from __future__ import annotations

from django.utils.translation import gettext as _

from zhengtong.audit.services import audit_record
from zhengtong.core.errors import Invalid


def export_prepare(*, definition, user, params, fmt: str):
    """The rows ``user`` may see with the list's filters, after auditing the export.

    Returns an iterator over the objects (read in chunks, so 100,000 rows stream in
    constant memory). The audit record is written before any byte leaves."""
    if fmt not in ("xlsx", "csv"):
        raise Invalid(_("Unknown format (未知格式)."))
    queryset = definition.queryset(user=user, params=params)
    count = queryset.count()
    audit_record(action="imports.export", actor=user, object_type=f"export:{definition.key}",
                 object_repr=definition.name_zh, after={"format": fmt, "rows": count,
                                                        "filters": definition.filters(params)})
    return queryset.iterator(chunk_size=2000)
