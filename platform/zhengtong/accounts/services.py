"""Membership and roles: every write here is atomic and audited."""
from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context
from tenant_users.constants import TENANT_CACHE_NAME
from tenant_users.permissions.models import UserTenantPermissions

from zhengtong.audit.services import audit_record
from zhengtong.core.errors import Invalid, Refused, audited_refusal
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

from .models import RoleRequest, User

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
        raise Invalid(
            _("%(a)s and %(b)s cannot be held by the same person (三员分立).")
            % {"a": role_label(pair[0]), "b": role_label(pair[1])},
            code="three_admins",
        )


def _valid_role_keys(unit) -> set[str]:
    roles = DISTRICT_ROLES if unit.is_district_portal else unit_roles()
    return {r.key for r in roles}


@transaction.atomic
def user_create(*, email: str, name: str = "", password: str | None = None,
                actor: User | None = None) -> User:
    with schema_context("public"):
        user = User.objects.create_user(email=email, password=password, name=name)
        if password is None:
            user.set_unusable_password()
        user.password_changed_at = timezone.now() if password else None
        user.save()
        audit_record(action="user.create", actor=actor, obj=user, after={"email": user.email, "name": name})
    return user


def member_roles_set(*, unit, user: User, role_keys: Iterable[str], actor: User | None,
                     enforce_grantor: bool = True,
                     three_admins_asked_by=None) -> list[str]:
    """Make ``user`` a member of ``unit`` holding ``role_keys`` there; returns the roles held now.

    A change of the 三员 roles (system, security, audit administrator) of a unit is not made
    here when a person asks for it: it becomes a RoleRequest that the district security
    administrator confirms (role_request_decide) — GB/T 22239-2019 level 3, approval by level
    and separated administrator duties; the other roles change at once. The asker is
    ``actor`` when ``enforce_grantor`` (the roles page), or ``three_admins_asked_by`` (the
    person who sent an invitation).

    ``enforce_grantor=False`` is for platform code acting for the district (onboarding,
    invitations, seeding), where the check was made by the caller.
    """
    keys = sorted(set(role_keys))
    unknown = set(keys) - _valid_role_keys(unit)
    if unknown:
        raise Invalid(_("Unknown role: %(r)s") % {"r": ", ".join(sorted(unknown))}, code="unknown_role")
    check_three_admins(keys)
    asker = actor if enforce_grantor else three_admins_asked_by
    with schema_context(unit.schema_name):
        if enforce_grantor:
            # Checked before the write transaction, so the refusal stays in the unit's trail
            # although nothing else is written.
            _may_grant_roles(actor=actor, user=user)
        with transaction.atomic():
            member = unit.user_set.filter(pk=user.pk).exists()
            before = _roles_held(user) if member else []
            held_three = sorted(set(before) & UNIT_THREE_ADMINS)
            asked_three = sorted(set(keys) & UNIT_THREE_ADMINS)
            now_keys = keys
            if asker is not None and held_three != asked_three and not unit.is_district_portal:
                now_keys = sorted((set(keys) - UNIT_THREE_ADMINS) | set(held_three))
                check_three_admins(now_keys)
            if not member:
                unit.add_user(user)
            _roles_write(user=user, keys=now_keys, before=before, actor=actor)
            if now_keys != keys:
                _role_request_put(unit=unit, user=user, asked=asked_three, held=held_three, asker=asker)
    return now_keys


UNIT_THREE_ADMINS = frozenset(THREE_ADMINS)


@audited_refusal("role.grant", obj_arg="user")
def _may_grant_roles(*, actor: User | None, user: User) -> None:
    if actor is None or not actor.has_role(*ROLE_GRANTORS):
        raise Refused(_("You may not grant roles in this unit."), detail="not a role grantor")
    if actor.pk == user.pk:
        raise Refused(_("Nobody may change their own roles."), detail="grant to self refused")


def _roles_held(user: User) -> list[str]:
    """The roles ``user`` holds in the current schema, read afresh (not the cached ones)."""
    perms = UserTenantPermissions.objects.get(profile=user)
    return sorted(perms.groups.values_list("name", flat=True))


def _roles_write(*, user: User, keys: list[str], before: list[str], actor: User | None, detail: str = "") -> None:
    """Set the roles in the current schema and record the change (nothing if none)."""
    perms = UserTenantPermissions.objects.get(profile=user)
    groups = list(Group.objects.filter(name__in=keys))
    if len(groups) != len(keys):
        raise Invalid(_("Roles are not set up in this unit yet; run migrate_platform."))
    perms.groups.set(groups)
    # Forget the per-schema cached roles on this instance, and whether the person needs the
    # second factor anywhere (recomputed from every unit on their next request).
    user.__dict__.pop(TENANT_CACHE_NAME, None)
    User.objects.filter(pk=user.pk).update(second_factor_role_held=None)
    user.second_factor_role_held = None
    if before != keys:
        audit_record(action="role.change", actor=actor, obj=user, before={"roles": before}, after={"roles": keys},
                     detail=detail)


def _role_request_put(*, unit, user: User, asked: list[str], held: list[str], asker) -> RoleRequest:
    """Record (or replace) the person's waiting 三员 change in ``unit``; in the unit's trail."""
    with schema_context("public"):
        RoleRequest.objects.filter(unit=unit, user=user, status=RoleRequest.Status.PENDING).update(
            status=RoleRequest.Status.REPLACED, decided_at=timezone.now())
        request = RoleRequest.objects.create(unit=unit, user=user, role_keys=asked, before_keys=held,
                                             requested_by=asker if getattr(asker, "pk", None) else None)
    audit_record(action="role.request", actor=asker, obj=user, before={"roles": held}, after={"roles": asked},
                 detail=f"request {request.pk}: waits for the district security administrator")
    return request


def role_request_pending(*, unit, user: User) -> RoleRequest | None:
    with schema_context("public"):
        return RoleRequest.objects.filter(unit=unit, user=user, status=RoleRequest.Status.PENDING).first()


def role_request_decide(*, request_id: int, actor: User, confirm: bool) -> RoleRequest:
    """The district security administrator confirms or refuses a waiting 三员 change.

    Two people at two levels: the confirmer is neither the person who asked nor the
    person concerned. Confirming sets the person's 三员 roles in the unit to those asked
    for, keeps their other roles, and writes role.confirm and role.change into the unit's
    trail (and role.confirm into the district's); refusing writes role.refuse.
    """
    action = "role.confirm" if confirm else "role.refuse"
    with schema_context("public"):
        request = RoleRequest.objects.select_related("unit", "user", "requested_by").filter(pk=request_id).first()
        if request is None or request.status != RoleRequest.Status.PENDING:
            raise Invalid(_("This request was already decided or replaced (该申请已处理或已被新申请取代)."),
                          code="decided")
        _may_decide_role_request(actor=actor, request=request, action=action)
    unit, user = request.unit, request.user
    with transaction.atomic():
        with schema_context("public"):
            request = RoleRequest.objects.select_for_update().get(pk=request.pk)
            if request.status != RoleRequest.Status.PENDING:
                raise Invalid(_("This request was already decided or replaced (该申请已处理或已被新申请取代)."),
                              code="decided")
            request.status = RoleRequest.Status.CONFIRMED if confirm else RoleRequest.Status.REFUSED
            request.decided_by = actor
            request.decided_at = timezone.now()
            request.save(update_fields=["status", "decided_by", "decided_at"])
            audit_record(action=action, actor=actor, obj=user, object_repr=f"{unit.name} · {user.email}",
                         before={"roles": request.before_keys}, after={"roles": request.role_keys},
                         detail=f"request {request.pk}")
        with schema_context(unit.schema_name):
            asked_by = request.requested_by.email if request.requested_by else "-"
            detail = f"request {request.pk}, asked by {asked_by}"
            audit_record(action=action, actor=actor, obj=user, before={"roles": request.before_keys},
                         after={"roles": request.role_keys}, detail=detail)
            if confirm:
                if not unit.user_set.filter(pk=user.pk).exists():
                    raise Invalid(_("%(who)s is no longer a member of %(unit)s (该人员已不是本单位成员).")
                                  % {"who": user, "unit": unit.name}, code="not_member")
                before = _roles_held(user)
                keys = sorted((set(before) - UNIT_THREE_ADMINS) | set(request.role_keys))
                check_three_admins(keys)
                _roles_write(user=user, keys=keys, before=before, actor=actor, detail=detail)
    return request


@audited_refusal("{action}", obj_arg="request.user")
def _may_decide_role_request(*, actor: User | None, request: RoleRequest, action: str) -> None:
    """Two people at two levels: the district security administrator, neither the asker nor
    the person concerned. A refusal goes into the district's trail."""
    from zhengtong.security.services import is_district_security_admin

    if not is_district_security_admin(actor):
        raise Refused(_("Only the district security administrator confirms administrator roles."),
                      detail=f"request {request.pk}: not the district security admin")
    if actor.pk in (request.user_id, request.requested_by_id):
        raise Refused(_("Administrator roles are confirmed by someone other than the person who asked and the "
                        "person concerned (三员授权须由申请人和被授权人以外的人确认)."),
                      detail=f"request {request.pk}: own request or own roles")
