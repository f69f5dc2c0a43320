"""Reads of issued documents. A person's downloads are their own: in this unit (schema), only
what they requested; nobody else's, not even an administrator's view of them."""
from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from .models import IssuedDocument


def my_documents(*, user) -> QuerySet[IssuedDocument]:
    if not user.is_authenticated:
        return IssuedDocument.objects.none()
    return IssuedDocument.objects.filter(requested_by=user).order_by("-requested_at", "-id")


def my_document_get(*, user, pk: int) -> IssuedDocument:
    """One of the user's own documents in this unit, or 404 (not 403: do not confirm it exists)."""
    try:
        return my_documents(user=user).get(pk=pk)
    except IssuedDocument.DoesNotExist:
        raise Http404 from None
