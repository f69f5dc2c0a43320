"""Thin task. The platform's periodic fan-out sends ``assets.stocktake_deadline_warnings`` to
every unit with the assets module on; tenant-schemas-celery runs it in that unit's schema.
Idempotent: one warning per campaign and threshold (warnings.deadline_warnings_issue)."""
from zhengtong.core.tenancy import unit_task


@unit_task("assets.stocktake_deadline_warnings", in_public=0)  # campaigns live in unit schemas only
def stocktake_deadline_warnings() -> int:
    from .warnings import deadline_warnings_issue

    return deadline_warnings_issue()
