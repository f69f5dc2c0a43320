"""What every inspection service shares: refusing an attempt (with a message the person
understands, and a trace in the audit trail that survives the rolled-back write)."""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import PermissionDenied

from zhengtong.audit.services import audit_denied

F = TypeVar("F", bound=Callable)


class Refused(PermissionDenied):
    """An attempt the rules do not allow. ``message`` is shown to the person (Chinese and
    English); ``detail`` goes into the audit trail."""

    def __init__(self, message: str, *, detail: str = ""):
        super().__init__(message)
        self.message = str(message)
        self.detail = detail or self.message


def audited_refusal(action: str, obj_arg: str | None = "case") -> Callable[[F], F]:
    """Record a ``Refused`` raised by the wrapped service as a denied audit event.

    Put it *above* ``@transaction.atomic``: the refused write is rolled back first, then the
    refusal is written outside it — otherwise the rollback would erase the trace as well.
    The event is attached to the case (``obj_arg``), so it also shows on the case timeline.
    """

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except Refused as exc:
                obj = kwargs.get(obj_arg) if obj_arg else None
                extra = {} if obj is not None else {"object_type": "inspection", "object_id": action}
                audit_denied(action=action, actor=kwargs.get("actor"), obj=obj, detail=exc.detail, **extra)
                raise

        return wrapper  # type: ignore[return-value]

    return decorate


def has_any_role(user, *keys: str) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.has_role(*keys))
