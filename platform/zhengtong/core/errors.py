"""The platform's one vocabulary for a service saying "no" (issue 16, docs/architecture.md).

Every service in the platform and the modules refuses with one of these three, and nothing
else decides what the person sees:

- ``Refused``  — this person may not do this (role, object permission, separation of duties,
  a unit they do not belong to). Pages show the reason (or a 403 where there is nothing to
  show); the API answers 403. A refusal is always written to the audit trail
  (``audited_refusal``).
- ``Invalid``  — the input, or the object's present state, does not allow it (a wrong status,
  a value out of range, a missing reason). Pages show the reasons next to the form; the API
  answers 400. It is a ``ValidationError``, so ``message_dict``/``messages`` work as usual.
- ``Conflict`` — someone changed the object first (a stale version, a concurrent decision).
  Pages ask to reload; the API answers 409.

``Refused`` is a ``PermissionDenied``: code that only knows Django's exceptions (the API's
exception handler, the 403 handler) treats it rightly without knowing this module.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import PermissionDenied, ValidationError

F = TypeVar("F", bound=Callable)


class Refused(PermissionDenied):
    """An attempt the rules do not allow this person. ``message`` is shown to them (Chinese
    and English); ``detail`` goes into the audit trail and may say more than they may see;
    ``code`` names the rule that refused (``"own_request"``), for code and tests to tell
    refusals apart — the audit detail when no ``detail`` is given."""

    def __init__(self, message: str = "", *, detail: str = "", code: str = ""):
        super().__init__(message)
        self.message = str(message)
        self.code = code
        self.detail = detail or code or self.message


class Invalid(ValidationError):
    """Bad input or a state that does not allow the action; the person can fix it."""


class Conflict(Exception):
    """The object changed since the person loaded it; nothing was written."""

    def __init__(self, message: str = ""):
        super().__init__(message)
        self.message = str(message)


def audited_refusal(action: str, obj_arg: str | None = None, object_type: str = "") -> Callable[[F], F]:
    """Record a ``Refused`` (or a bare ``PermissionDenied``) raised by the wrapped service as a
    denied audit event, then let it propagate.

    Put it *above* ``@transaction.atomic``: the refused write is rolled back first, then the
    refusal is written outside that transaction — inside it, the rollback would erase the trace
    as well. ``obj_arg`` names the keyword argument holding the object the attempt was about, or
    its primary key with ``object_type`` naming the model (the event then shows on that object's
    history), or an attribute of one (``"attachment.owner"``); without one the event names
    ``object_type`` (or the action) instead. The actor is the ``actor`` keyword argument, as services take it.
    ``action`` and ``object_type`` may name keyword arguments in braces, filled in from the call
    (``"approvals.{decision}"``: one decorator for the approve, reject and return events).
    """
    # Imported here, not at the top: models may import this module before the apps are ready.
    from zhengtong.audit.services import audit_denied

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except PermissionDenied as exc:
                done, kind = _filled(action, kwargs), _filled(object_type, kwargs)
                obj = _argument(kwargs, obj_arg) if obj_arg else None
                extra = {} if obj is not None else {"object_type": kind or done.split(".")[0],
                                                    "object_id": done}
                if obj is not None and not hasattr(obj, "_meta"):  # named by its primary key
                    obj, extra = None, {"object_type": kind, "object_id": str(obj)}
                detail = getattr(exc, "detail", "") or str(exc)
                audit_denied(action=done, actor=kwargs.get("actor"), obj=obj, detail=detail, **extra)
                raise

        return wrapper  # type: ignore[return-value]

    return decorate


def _argument(kwargs: dict, path: str):
    name, *attributes = path.split(".")
    value = kwargs.get(name)
    for attribute in attributes:
        value = getattr(value, attribute, None)
    return value


def _filled(template: str, kwargs: dict) -> str:
    return template.format_map(kwargs) if "{" in template else template
