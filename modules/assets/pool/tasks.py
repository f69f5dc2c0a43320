"""Thin tasks, fanned out per unit by the platform's periodic tick (manifest PeriodicTask);
tenant-schemas-celery runs each in the unit's schema. Idempotent."""
from zhengtong.celery import app


@app.task(name="assets.idle_flagging")
def idle_flagging() -> int:
    from django.db import connection

    from .services import idle_flags_refresh

    if connection.schema_name == "public":
        return 0  # asset cards live in unit schemas only
    return idle_flags_refresh()
