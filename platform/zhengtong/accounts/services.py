"""Membership and roles: every write here is atomic and audited."""
from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context
from tenant_users.constants import TENANT_CACHE_NAME
from tenant_users.permissions.models import UserTenantPermissions

from zhengtong.audit.services import audit_denied, audit_record
from zhengtong.registry.registry import (
    AUDIT_ADMIN,
    DISTRICT_AUDIT_ADMIN,
    DISTRICT_OPERATOR,
    DISTRICT_ROLES,
    DISTRICT_SECURITY_ADMIN,
    DISTRICT_SYSTEM_ADMIN,
    DISTRICT_THREE_ADMINS,
    SECURITY_ADMIN,
    SYSTEM_ADMIN,
    THREE_ADMINS,
    UNIT_ADMIN,
    role_label,
    unit_roles,
)

from .models import User

ROLE_GRANTORS = (UNIT_ADMIN, SECURITY_ADMIN)  # who may grant roles in a unit
MEMBER_MANAGERS = (UNIT_ADMIN, SYSTEM_ADMIN)  # who may add or remove members


# The side of 三员 each administering role is on. The unit administrator manages members
# and the district operator runs units and modules — both system-side work — so neither may
# also be a security or an audit administrator (the auditor must not audit their own work).
ADMIN_SIDES = {
    SYSTEM_ADMIN: "system", UNIT_ADMIN: "system", DISTRICT_SYSTEM_ADMIN: "system", DISTRICT_OPERATOR: "system",
    SECURITY_ADMIN: "security", DISTRICT_SECURITY_ADMIN: "security",
    AUDIT_ADMIN: "audit", DISTRICT_AUDIT_ADMIN: "audit",
}


def check_three_admins(role_keys: Iterable[str]) -> None:
    """三员分立: no person holds two of system/security/audit administrator, nor an
    administering role of one side together with another side's."""
    keys = list(role_keys)
    three = [k for k in keys if k in THREE_ADMINS or k in DISTRICT_THREE_ADMINS]
    sides: dict[str, str] = {}
    for k in keys:
        if k in ADMIN_SIDES:
            sides.setdefault(ADMIN_SIDES[k], k)
    pair = three[:2] if len(three) > 1 else list(sides.values())[:2] if len(sides) > 1 else None
    if pair:
        raise ValidationError(
            _("%(a)s and %(b)s cannot be held by the same person (三员分立).")
            % {"a": role_label(pair[0]), "b": role_label(pair[1])},
            code="three_admins",
        )


def _valid_role_keys(unit) -> set[str]:
    roles = DISTRICT_ROLES if unit.is_district_portal else unit_roles()
    return {r.key for r in roles}


@transaction.atomic
def user_create(*, email: str, name: str = "", password: str | None = None, actor=None) -> User:
    with schema_context("public"):
        user = User.objects.create_user(email=email, password=password, name=name)
        if password is None:
            user.set_unusable_password()
        user.password_changed_at = timezone.now() if password else None
        user.save()
        audit_record(action="user.create", actor=actor, obj=user, after={"email": user.email, "name": name})
    return user


def member_roles_set(*, unit, user: User, role_keys: Iterable[str], actor, enforce_grantor: bool = True) -> list[str]:
    """Make ``user`` a member of ``unit`` holding exactly ``role_keys`` there.

    ``enforce_grantor=False`` is for platform code acting for the district (onboarding,
    invitations, seeding), where the check was made by the caller.
    """
    keys = sorted(set(role_keys))
    unknown = set(keys) - _valid_role_keys(unit)
    if unknown:
        raise ValidationError(_("Unknown role: %(r)s") % {"r": ", ".join(sorted(unknown))}, code="unknown_role")
    check_three_admins(keys)
    with schema_context(unit.schema_name):
        if enforce_grantor:
            # Checked and recorded before the write transaction, so the refusal stays
            # in the trail although nothing else is written.
            if actor is None or not actor.has_role(*ROLE_GRANTORS):
                audit_denied(action="role.grant", actor=actor, obj=user, detail="not a role grantor")
                raise PermissionDenied(_("You may not grant roles in this unit."))
            if actor.pk == user.pk:
                audit_denied(action="role.grant", actor=actor, obj=user, detail="grant to self refused")
                raise PermissionDenied(_("Nobody may change their own roles."))
        with transaction.atomic():
            if not unit.user_set.filter(pk=user.pk).exists():
                unit.add_user(user)
            perms = UserTenantPermissions.objects.get(profile=user)
            before = sorted(perms.groups.values_list("name", flat=True))
            groups = list(Group.objects.filter(name__in=keys))
            if len(groups) != len(keys):
                raise ValidationError(_("Roles are not set up in this unit yet; run migrate_platform."))
            perms.groups.set(groups)
            # Forget the per-schema cached roles on this instance.
            user.__dict__.pop(TENANT_CACHE_NAME, None)
            if before != keys:
                audit_record(action="role.change", actor=actor, obj=user, before={"roles": before},
                             after={"roles": keys})
    return keys
