"""Thin tasks. The platform's periodic fan-out sends ``equipment.custody_handover_reminders``
(PeriodicTask in the equipment manifest) to every unit with the module on; tenant-schemas-celery
runs it in that unit's schema. Idempotent per day (notification dedupe keys)."""
from zhengtong.core.tenancy import unit_task


@unit_task("equipment.custody_handover_reminders", in_public=0)  # hand-over tasks live in unit schemas only
def handover_reminders() -> int:
    from .services import handover_reminders as remind

    return remind()
