"""Thin tasks. The platform's periodic fan-out sends ``equipment.maintenance_schedule`` to every
unit with the module on; tenant-schemas-celery runs it in that unit's schema. Daily and
idempotent: rerunning creates nothing new and warns about each overdue task once."""
from zhengtong.celery import app


@app.task(name="equipment.maintenance_schedule")
def maintenance_schedule() -> int:
    from django.db import connection

    from . import services

    if connection.schema_name == "public":
        return 0  # devices live in unit schemas only
    created = services.maintenance_schedule()
    services.overdue_warn()
    return created
