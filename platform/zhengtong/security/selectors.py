"""Reads for the security area."""
from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import QuerySet, Subquery
from django.db.models.functions import Lower
from django.utils import timezone
from django_tenants.utils import get_public_schema_name
from tenant_users.permissions.models import UserTenantPermissions

from zhengtong.registry.registry import (
    DISTRICT_OPERATOR,
    DISTRICT_THREE_ADMINS,
    THREE_ADMINS,
    UNIT_ADMIN,
)

from .models import SecurityPolicy

# Holders of these roles — in any unit or in the district — must use a second factor: every
# role that grants roles (the unit administrator and the security administrators:
# accounts.services.ROLE_GRANTORS; the district operator, who invites with roles), changes
# security settings (the security administrators) or administers (the three administrators).
TWO_FACTOR_ROLES = (*THREE_ADMINS, UNIT_ADMIN, *DISTRICT_THREE_ADMINS, DISTRICT_OPERATOR)

# What the security administrator's "role changes" page lists from the trail.
ROLE_EVENTS = ("role.change", "role.request", "role.confirm", "role.refuse", "role.grant", "invitation.create")


def security_policy() -> SecurityPolicy:
    """The platform-wide policy; the level-3 defaults when nobody has saved one yet.

    Read on every request (one primary-key lookup) rather than cached in the process:
    a policy change must apply at once in every web worker.
    """
    return SecurityPolicy.objects.filter(pk=1).first() or SecurityPolicy(pk=1)


def two_factor_required(user) -> bool:
    """Whether ``user`` holds, anywhere, a role that needs a second factor.

    The session cookie is valid on every unit's host (one login for all units), so the
    question is about the person, not the unit being visited: an audit admin of unit A
    browsing unit B as a custodian still carries a session that could reach A. Answered
    with one query over the schemas of the units the person belongs to.
    """
    if not getattr(user, "is_authenticated", False):
        return False
    schemas = list(user.tenants.values_list("schema_name", flat=True))
    if not schemas:
        return False
    perms = UserTenantPermissions._meta.db_table
    through = UserTenantPermissions.groups.through._meta.db_table
    groups = Group._meta.db_table
    parts = []
    for schema in sorted(set(schemas)):
        # Schema names come from the units table and were validated by django-tenants
        # when the unit was created; quoting keeps them identifiers all the same.
        q = connection.ops.quote_name(schema)
        parts.append(
            f"SELECT 1 FROM {q}.{perms} p "
            f"LEFT JOIN {q}.{through} pg ON pg.usertenantpermissions_id = p.id "
            f"LEFT JOIN {q}.{groups} g ON g.id = pg.group_id "
            f"WHERE p.profile_id = %s AND (p.is_superuser OR p.is_staff OR g.name = ANY(%s))"
        )
    sql = "SELECT EXISTS (" + " UNION ALL ".join(parts) + ")"
    params: list = []
    for _ in parts:
        params += [user.pk, list(TWO_FACTOR_ROLES)]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return bool(cur.fetchone()[0])


def locked_out_attempts(*, unit) -> QuerySet:
    """Sign-in lockouts the security admin of ``unit`` may lift.

    Attempts are keyed by the account's e-mail (see lockout.py) and lock it on every host.
    A unit's security admin sees the lockouts of the unit's own members; the district's
    security admin sees every one (including accounts that belong to no unit).
    """
    from axes.models import AccessAttempt

    from zhengtong.accounts.models import User

    policy = security_policy()
    qs = AccessAttempt.objects.filter(failures_since_start__gte=policy.lockout_threshold)
    if policy.lockout_minutes:
        # Older attempts have cooled off: axes no longer counts them.
        qs = qs.filter(attempt_time__gte=timezone.now() - timedelta(minutes=policy.lockout_minutes))
    if unit.schema_name != get_public_schema_name():
        members = User.objects.filter(tenants=unit).annotate(key=Lower("email")).values("key")
        qs = qs.filter(username__in=Subquery(members))
    return qs.order_by("-attempt_time")


def role_changes(*, unit, limit: int = 200) -> list:
    """Role changes, requests, confirmations, refusals and role invitations in the trail of
    ``unit`` (the district's own on the district portal), newest first."""
    from django_tenants.utils import schema_context

    from zhengtong.audit.models import AuditEvent

    with schema_context(unit.schema_name):
        return list(AuditEvent.objects.filter(action__in=ROLE_EVENTS).order_by("-id")[:limit])


def role_requests_pending(*, unit) -> QuerySet:
    """Waiting 三员 changes: the unit's own, or every unit's on the district portal."""
    from zhengtong.accounts.models import RoleRequest

    qs = RoleRequest.objects.filter(status=RoleRequest.Status.PENDING).select_related("unit", "user", "requested_by")
    if unit.schema_name != get_public_schema_name():
        qs = qs.filter(unit=unit)
    return qs.order_by("requested_at", "id")
