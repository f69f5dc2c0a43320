"""Running a service from a page: the one place that turns its outcome into what the person sees.

A view validates its form, then hands the service call to ``run_service``. A refusal, invalid
input or a conflict becomes error messages on the same page (nothing was written, the form keeps
what was typed); success adds the success message. The view decides only where to go next::

    done, case = run_service(request, lambda: services.case_assign(actor=request.user, case=case, ...),
                             success=_("Assigned."))
    if done:
        return redirect(case)
    # fall through: render the form again, the messages say why
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from .errors import Conflict
from .feedback import error_messages

T = TypeVar("T")

# What a service may answer instead of doing the work. Refused is a PermissionDenied and Invalid a
# ValidationError (core.errors), so services not yet moved to those names are handled the same way.
REFUSALS = (ValidationError, PermissionDenied, Conflict)


def run_service(request, call: Callable[[], T], *, success: str | None = None) -> tuple[bool, T | None]:
    """Run ``call``; return ``(True, result)`` or ``(False, None)`` after putting the reasons on
    the page. Anything else the service raises is a bug and propagates (500, logged)."""
    try:
        result = call()
    except Conflict as exc:
        messages.error(request, exc.message or _("Someone changed this in the meantime; reload and try again."))
        return False, None
    except REFUSALS as exc:
        error_messages(request, exc)
        return False, None
    if success:
        messages.success(request, success)
    return True, result
