"""Thin tasks. The platform's periodic fan-out (zhengtong.notifications.periodic) sends
``assets.depreciation_run`` to every unit with the module on; tenant-schemas-celery runs it
in that unit's schema. Sent daily and idempotent, so each month's charge is booked on the
month's first day even if a run was missed."""
from zhengtong.celery import app


@app.task(name="assets.depreciation_run")
def depreciation_run() -> int:
    from django.db import connection

    from .warnings import depreciation_run_reported

    if connection.schema_name == "public":
        return 0  # asset cards live in unit schemas only
    # A failure is recorded in the unit's audit trail and sent to its asset officers
    # (modules/assets/warnings.py) rather than raised: the other units' runs go on.
    changed = depreciation_run_reported()
    if changed:  # the district roll-up's net values follow the month's charge
        from tenants.models import Unit

        from .district.services import unit_summary_refresh

        unit_summary_refresh(unit=Unit.objects.get(schema_name=connection.schema_name))
    return changed or 0


@app.task(name="assets.quota_check")
def quota_check() -> int:
    """Daily: warn the asset officers when the books exceed an approved quota (once per figure)."""
    from django.db import connection

    from .warnings import quota_over_check

    if connection.schema_name == "public":
        return 0
    return len(quota_over_check())
