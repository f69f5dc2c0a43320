"""Thin tasks. The platform's periodic fan-out (zhengtong.notifications.periodic) sends
``assets.depreciation_run`` to every unit with the module on; tenant-schemas-celery runs it
in that unit's schema. Sent daily and idempotent, so each month's charge is booked on the
month's first day even if a run was missed."""
from zhengtong.core.tenancy import current_unit, unit_task


@unit_task("assets.depreciation_run", in_public=0)  # asset cards live in unit schemas only
def depreciation_run() -> int:
    from .warnings import depreciation_run_reported

    # A failure is recorded in the unit's audit trail and sent to its asset officers
    # (modules/assets/warnings.py) rather than raised: the other units' runs go on.
    changed = depreciation_run_reported()
    if changed:  # the district roll-up's net values follow the month's charge
        from .district.services import unit_summary_refresh

        unit_summary_refresh(unit=current_unit())
    return changed or 0


@unit_task("assets.quota_check", in_public=0)
def quota_check() -> int:
    """Daily: warn the asset officers when the books exceed an approved quota (once per figure)."""
    from .warnings import quota_over_check

    return len(quota_over_check())
