"""Thin tasks, fanned out per unit by the platform's periodic tick (manifest PeriodicTask);
tenant-schemas-celery runs each in the unit's schema. Idempotent."""
from zhengtong.core.tenancy import unit_task


@unit_task("assets.idle_flagging", in_public=0)  # asset cards live in unit schemas only
def idle_flagging() -> int:
    from .services import idle_flags_refresh

    return idle_flags_refresh()
