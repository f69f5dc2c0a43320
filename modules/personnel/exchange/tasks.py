"""Thin periodic task of the cross-unit handshake, fanned out per unit by the platform's tick
(declared in the personnel manifest): each unit completes its own approved transfers out
whose effective date has come. Idempotent: a completed transfer is no longer approved."""
from zhengtong.celery import app


@app.task(name="personnel.exchange_complete_due")
def exchange_complete_due() -> int:
    from django.db import connection

    from tenants.models import Unit

    from .services import exchange_complete_due as complete_due

    if connection.schema_name == "public":
        return 0
    unit = Unit.objects.filter(schema_name=connection.schema_name).first()
    return complete_due(unit=unit) if unit else 0
