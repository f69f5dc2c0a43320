"""Thin tasks of the roll-up summaries. They take the unit's id and name its schema in their
SQL, so it does not matter which schema the worker runs them in."""
from zhengtong.celery import app


@app.task(name="assets.rollup_refresh")
def rollup_refresh(unit_id: int) -> int:
    from tenants.models import Unit

    from .services import unit_summary_refresh

    unit = Unit.objects.filter(pk=unit_id).exclude(schema_name="public").first()
    if unit is None:  # removed meanwhile: nothing to add up
        return 0
    return unit_summary_refresh(unit=unit).cards
