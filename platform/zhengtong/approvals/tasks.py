"""Thin tasks. The periodic fan-out (zhengtong.notifications.periodic) sends this one to each
active unit; tenant-schemas-celery runs it in that unit's schema."""
from zhengtong.celery import app


@app.task(name="zhengtong.approvals.check_deadlines")
def check_deadlines() -> dict:
    from django.db import connection

    from .services import deadlines_check

    if connection.schema_name == "public":
        return {}  # requests live in unit schemas only
    return deadlines_check()
