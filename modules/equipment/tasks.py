"""Thin tasks. The platform's periodic fan-out sends ``equipment.maintenance_schedule`` to every
unit with the module on; tenant-schemas-celery runs it in that unit's schema. Daily and
idempotent: rerunning creates nothing new and warns about each overdue task once."""
from zhengtong.core.tenancy import unit_task


@unit_task("equipment.maintenance_schedule", in_public=0)  # devices live in unit schemas only
def maintenance_schedule() -> int:
    from . import services

    created = services.maintenance_schedule()
    services.overdue_warn()
    return created
