"""How the API reports errors: the one place a service's outcome becomes an HTTP status.

Services say no with ``zhengtong.core.errors``: ``Refused`` (a ``PermissionDenied``) is 403
with the service's bilingual reason as ``detail``; ``Invalid`` (a ``ValidationError``, like
model ``full_clean``'s) is 400 with the messages per field (``non_field_errors`` for the
rest); ``Conflict`` is 409 with ``detail`` — as is a ``ValidationError`` whose code is
"conflict" (optimistic locking: someone saved the object after the caller read it). DRF only
knows its own exceptions and would turn Django's into a 500 or a reason-less 403. An update that does not
say which version it read is refused with 428 (``PreconditionRequired``): without it the update
could only overwrite whatever is there now. A refused write (403) by a signed-in caller
is written to the unit's audit trail: the service's transaction has already rolled back, so
the refusal is recorded outside it, as ``audit_denied`` requires.
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from zhengtong.audit.services import audit_denied
from zhengtong.core.errors import Conflict

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


class StaleWrite(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_code = "precondition_required"
    default_detail = _("Send the version you read (field \"version\") with every update, so that a change someone "
                       "made in the meantime is not overwritten; read the record again to get it "
                       "(修改时须提供读取时的版本号（version字段），以免覆盖他人在此期间的修改；请重新读取后再提交).")


def _as_drf(exc: Exception) -> Exception:
    if isinstance(exc, Conflict):
        return StaleWrite(exc.message or None)
    if isinstance(exc, PermissionDenied):
        reason = getattr(exc, "message", "") or str(exc)
        return exceptions.PermissionDenied(reason or None)
    if not isinstance(exc, DjangoValidationError):
        return exc
    if getattr(exc, "code", None) == "conflict":
        return StaleWrite(" ".join(exc.messages))
    if hasattr(exc, "error_dict"):
        detail = {("non_field_errors" if k == "__all__" else k): v for k, v in exc.message_dict.items()}
    else:
        detail = {"non_field_errors": exc.messages}
    return exceptions.ValidationError(detail)


def exception_handler(exc, context):
    exc = _as_drf(exc)
    response = drf_exception_handler(exc, context)
    request = context.get("request")
    view = context.get("view")
    if (response is not None and response.status_code == status.HTTP_403_FORBIDDEN and request is not None
            and request.method in UNSAFE and getattr(request.user, "is_authenticated", False)):
        _audit_refusal(request, view, response)
    return response


def _audit_refusal(request, view, response) -> None:
    model = getattr(view, "permission_model", None) or getattr(getattr(view, "queryset", None), "model", None)
    area = getattr(view, "module_key", "") or "platform"
    action = getattr(view, "action", None) or request.method.lower()
    reason = response.data.get("detail", "") if isinstance(response.data, dict) else ""
    audit_denied(
        action=f"api.{area}.{action}",
        actor=request.user,
        object_type=model._meta.label if model is not None else "",
        object_id=str((getattr(view, "kwargs", None) or {}).get("pk", "")),
        detail=f"{request.method} {request.path}: {reason}"[:500],
    )
