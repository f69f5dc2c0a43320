"""What every inspection service shares. Refusals are the platform's (zhengtong.core.errors:
``Refused`` for "not allowed to this person", audited by ``audited_refusal``)."""
from __future__ import annotations


def has_any_role(user, *keys: str) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.has_role(*keys))
