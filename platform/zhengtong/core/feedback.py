"""Telling a person why their action was refused, the same way on every page.

Services refuse with ValidationError (one or more bilingual messages), PermissionDenied or a
module's own refusal carrying ``.message``; views turn them into Django messages here.
"""
from django.contrib import messages
from django.utils.translation import gettext as _


def reasons(exc: Exception) -> list[str]:
    """Every reason ``exc`` gives, as the person reads them."""
    found = getattr(exc, "messages", None)  # ValidationError: all of them, dict errors included
    return list(found) if found else [getattr(exc, "message", None) or str(exc) or _("You may not do this.")]


def error_messages(request, exc: Exception) -> None:
    """Every reason ``exc`` gives, as an error message on the next page."""
    for reason in reasons(exc):
        messages.error(request, reason)


def form_error_messages(request, form) -> None:
    """A bound form's errors as messages, each prefixed with its field's label."""
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)
