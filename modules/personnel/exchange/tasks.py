"""Thin periodic task of the cross-unit handshake, fanned out per unit by the platform's tick
(declared in the personnel manifest): each unit completes its own approved transfers out
whose effective date has come. Idempotent: a completed transfer is no longer approved."""
from zhengtong.core.tenancy import current_unit, unit_task


@unit_task("personnel.exchange_complete_due", in_public=0)
def exchange_complete_due() -> int:
    from .services import exchange_complete_due as complete_due

    unit = current_unit()
    return complete_due(unit=unit) if unit else 0
