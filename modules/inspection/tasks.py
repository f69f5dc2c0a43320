"""Thin tasks. The platform's periodic fan-out (zhengtong.notifications.periodic) sends
``inspection.overdue_warnings`` to every unit with the module on; tenant-schemas-celery runs
it in that unit's schema. Idempotent: a warning is given once per overdue step."""
from zhengtong.core.tenancy import unit_task


@unit_task("inspection.overdue_warnings", in_public=0)  # cases live in unit schemas only
def overdue_warnings() -> int:
    from .services import overdue_warnings_issue

    return overdue_warnings_issue()
