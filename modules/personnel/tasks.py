"""Thin tasks, fanned out per unit by the platform's periodic tick (tenant-schemas-celery runs
each in its unit's schema). Both are idempotent: a move is applied once, a reminder is sent
once per (secondment, days before)."""
from zhengtong.celery import app


@app.task(name="personnel.transfers_apply_due")
def transfers_apply_due() -> dict:
    from django.db import connection

    from .services import transfer_apply_due

    if connection.schema_name == "public":
        return {}
    return transfer_apply_due()


@app.task(name="personnel.secondments_check")
def secondments_check() -> dict:
    from django.db import connection

    from .services import secondments_check as check

    if connection.schema_name == "public":
        return {}
    return check()
