"""Thin task. The platform's periodic fan-out sends ``assets.stocktake_deadline_warnings`` to
every unit with the assets module on; tenant-schemas-celery runs it in that unit's schema.
Idempotent: one warning per campaign and threshold (services.deadline_warnings_issue)."""
from zhengtong.celery import app


@app.task(name="assets.stocktake_deadline_warnings")
def stocktake_deadline_warnings() -> int:
    from django.db import connection

    from .services import deadline_warnings_issue

    if connection.schema_name == "public":
        return 0  # campaigns live in unit schemas only
    return deadline_warnings_issue()
