"""Thin tasks. The platform's periodic fan-out (zhengtong.notifications.periodic) sends
``inspection.overdue_warnings`` to every unit with the module on; tenant-schemas-celery runs
it in that unit's schema. Idempotent: a warning is given once per overdue step."""
from zhengtong.celery import app


@app.task(name="inspection.overdue_warnings")
def overdue_warnings() -> int:
    from django.db import connection

    from .services import overdue_warnings_issue

    if connection.schema_name == "public":
        return 0  # cases live in unit schemas only
    return overdue_warnings_issue()
