"""Thin tasks. The periodic fan-out (zhengtong.notifications.periodic) sends this one to each
active unit; tenant-schemas-celery runs it in that unit's schema."""
from zhengtong.core.tenancy import unit_task


@unit_task("zhengtong.approvals.check_deadlines", in_public={})  # requests live in unit schemas only
def check_deadlines() -> dict:
    from .services import deadlines_check

    return deadlines_check()
