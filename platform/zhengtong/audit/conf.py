"""The trail's settings. Each may be set in Django settings or, like the rest of the
project's configuration, by environment variable."""
from __future__ import annotations

import os

from django.conf import settings


def _setting(name: str, default=None):
    value = getattr(settings, name, None)
    return value if value is not None else os.environ.get(name, default)


def app_role() -> str | None:
    """The database role the web and worker processes log in as, when the deployment
    separates it from the owner role that runs migrations (docs/audit.md)."""
    return _setting("ZT_DB_APP_ROLE") or None


def configured_retention_days() -> int:
    """ZT_AUDIT_RETENTION_DAYS: how long events are kept (default and minimum 183)."""
    return int(_setting("ZT_AUDIT_RETENTION_DAYS", 183))


def export_max_rows() -> int:
    """xlsx holds 1,048,576 rows per sheet, header included; CSV has no limit."""
    return int(_setting("ZT_AUDIT_XLSX_MAX_ROWS", 1_048_575))
