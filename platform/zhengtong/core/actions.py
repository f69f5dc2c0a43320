"""Running a service from a page: the one place that turns its outcome into what the person sees.

A view validates its form, then hands the service call to ``run_service``. A refusal, invalid
input or a conflict becomes error messages on the same page (nothing was written, the form keeps
what was typed); success adds the success message. The view decides only where to go next::

    done, case = run_service(request, lambda: services.case_assign(actor=request.user, case=case, ...),
                             success=_("Assigned."))
    if done:
        return redirect(case)
    # fall through: render the form again, the messages say why

A page that answers with the outcome itself (the reasons in the page, a 403/400/409 status)
uses ``attempt``, which classifies the same way and writes no message.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar, Generic, TypeVar

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from .errors import Conflict
from .feedback import reasons

T = TypeVar("T")


@dataclass
class Outcome(Generic[T]):
    """What became of a service call: ``kind`` is ok, refused (403), invalid (400) or conflict (409)."""

    kind: str
    result: T | None = None
    reasons: list[str] = field(default_factory=list)

    STATUS: ClassVar[dict[str, int]] = {"ok": 200, "refused": 403, "invalid": 400, "conflict": 409}

    @property
    def done(self) -> bool:
        return self.kind == "ok"

    @property
    def status(self) -> int:
        return self.STATUS[self.kind]

    @property
    def text(self) -> str:
        return " ".join(self.reasons)


def attempt(call: Callable[[], T]) -> Outcome[T]:
    """Run ``call`` and say how it went. ``Refused`` is a ``PermissionDenied`` and ``Invalid`` a
    ``ValidationError`` (core.errors), so services still raising Django's own are read the same
    way. Anything else is a bug and propagates (500, logged)."""
    try:
        result = call()
    except Conflict as exc:
        return Outcome("conflict", reasons=[exc.message or _("Someone changed this in the meantime; reload and "
                                                             "try again.")])
    except PermissionDenied as exc:
        return Outcome("refused", reasons=reasons(exc))
    except ValidationError as exc:
        return Outcome("invalid", reasons=reasons(exc))
    return Outcome("ok", result)


def run_service(request, call: Callable[[], T], *, success: str | None = None) -> tuple[bool, T | None]:
    """Run ``call``; return ``(True, result)`` or ``(False, None)`` after putting the reasons on
    the page. Anything else the service raises is a bug and propagates (500, logged)."""
    outcome = attempt(call)
    for reason in outcome.reasons:
        messages.error(request, reason)
    if outcome.done and success:
        messages.success(request, success)
    return outcome.done, outcome.result
