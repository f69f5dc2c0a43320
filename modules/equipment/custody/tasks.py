"""Thin tasks. The platform's periodic fan-out sends ``equipment.custody_handover_reminders``
(PeriodicTask in the equipment manifest) to every unit with the module on; tenant-schemas-celery
runs it in that unit's schema. Idempotent per day (notification dedupe keys)."""
from zhengtong.celery import app


@app.task(name="equipment.custody_handover_reminders")
def handover_reminders() -> int:
    from django.db import connection

    from .services import handover_reminders as remind

    if connection.schema_name == "public":
        return 0  # hand-over tasks live in unit schemas only
    return remind()
