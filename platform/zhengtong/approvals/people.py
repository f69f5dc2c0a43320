"""Who holds a step's role, and who may act for them.

A unit role is answered in the unit's schema, a district role ("district.…") in the public
schema — whatever schema is active when asked. Delegations live beside the role they
delegate (unit schema or public) and count only inside their period and while the
delegator still holds the role.
"""
from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context
from tenant_users.permissions.models import UserTenantPermissions

from zhengtong.accounts.models import User


def role_schema(role: str) -> str:
    """Schema where ``role`` is held: public for district roles, else the active unit."""
    return "public" if role.startswith("district.") else connection.schema_name


def holds(user, role: str) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    with schema_context(role_schema(role)):
        return user.has_role(role)


def holder_ids(role: str) -> set[int]:
    with schema_context(role_schema(role)):
        return set(UserTenantPermissions.objects.filter(groups__name=role).values_list("profile_id", flat=True))


def active_delegations(role: str, *, delegate=None, now: datetime | None = None):
    """Delegations of ``role`` in force now whose delegator still holds the role."""
    from .models import Delegation

    now = now or timezone.now()
    with schema_context(role_schema(role)):
        qs = Delegation.objects.filter(role=role, revoked_at__isnull=True, valid_from__lte=now, valid_until__gt=now)
        if delegate is not None:
            qs = qs.filter(delegate=delegate)
        holders = holder_ids(role)
        return [d for d in qs.select_related("delegator", "delegate") if d.delegator_id in holders
                and d.delegator.is_active and d.delegate.is_active]


def eligible_ids(role: str, *, now: datetime | None = None) -> set[int]:
    """Everyone who may act for ``role`` now: its holders and their current delegates."""
    ids = holder_ids(role)
    ids |= {d.delegate_id for d in active_delegations(role, now=now)}
    with schema_context("public"):
        return set(User.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))


def principals_for(user, role: str, *, now: datetime | None = None) -> list:
    """For whom ``user`` may act on ``role`` now: themselves if they hold it, then the
    delegators who handed it to them. Empty when they may not act at all."""
    out = []
    if holds(user, role):
        out.append(user)
    for d in active_delegations(role, delegate=user, now=now):
        out.append(d.delegator)
    return out
