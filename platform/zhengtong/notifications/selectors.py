from __future__ import annotations

from django.db.models import QuerySet
from django_tenants.utils import schema_context

from .models import Notification


def inbox(user, *, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's items from every unit (public schema; evaluate inside the caller's use)."""
    qs = Notification.objects.filter(recipient=user).select_related("unit")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def unread_count(user) -> int:
    if user is None or not user.is_authenticated:
        return 0
    with schema_context("public"):
        return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
