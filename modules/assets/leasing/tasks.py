"""Thin tasks, fanned out per unit by the platform's periodic tick (manifest PeriodicTask);
tenant-schemas-celery runs each in the unit's schema. Idempotent."""
from zhengtong.celery import app


@app.task(name="assets.lending_expiry_warnings")
def lending_expiry_warnings() -> int:
    from django.db import connection

    from .services import expiry_warnings_issue

    if connection.schema_name == "public":
        return 0  # contracts live in unit schemas only
    return expiry_warnings_issue()
