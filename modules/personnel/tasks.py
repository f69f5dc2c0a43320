"""Thin tasks, fanned out per unit by the platform's periodic tick (tenant-schemas-celery runs
each in its unit's schema). Both are idempotent: a move is applied once, a reminder is sent
once per (secondment, days before)."""
from zhengtong.core.tenancy import unit_task


@unit_task("personnel.transfers_apply_due", in_public={})
def transfers_apply_due() -> dict:
    from .services import transfer_apply_due

    return transfer_apply_due()


@unit_task("personnel.secondments_check", in_public={})
def secondments_check() -> dict:
    from .services import secondments_check as check

    return check()
