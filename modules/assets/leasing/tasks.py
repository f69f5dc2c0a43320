"""Thin tasks, fanned out per unit by the platform's periodic tick (manifest PeriodicTask);
tenant-schemas-celery runs each in the unit's schema. Idempotent."""
from zhengtong.core.tenancy import unit_task


@unit_task("assets.lending_expiry_warnings", in_public=0)  # contracts live in unit schemas only
def lending_expiry_warnings() -> int:
    from .services import expiry_warnings_issue

    return expiry_warnings_issue()
