"""Who may act in the custody sub-app, and who may hold what (an active member of this unit)."""
from __future__ import annotations

from django.utils.translation import gettext as _

from zhengtong.core.errors import Invalid, Refused

from ..declarations import MODULE_ADMIN, UNIT_ADMIN


def _member_here(user) -> bool:
    """Does ``user`` belong to the unit whose schema is active? (per-unit permissions row)"""
    from tenant_users.permissions.models import UserTenantPermissions

    return bool(user and user.is_active and UserTenantPermissions.objects.filter(profile_id=user.pk).exists())


def _require(actor, perm: str, message: str) -> None:
    if actor is None or not actor.is_authenticated or not actor.has_perm(perm):
        raise Refused(message)


def _name(user) -> str:
    return (user.get_short_name() or user.email) if user is not None else "—"


def _holder_check(person) -> None:
    if person is None or not _member_here(person):
        raise Invalid(_("The holder must be an active member of this unit (保管人必须是本单位的在职成员)."))


def is_module_admin(user) -> bool:
    """Module admins (and the unit admin) configure the evaluation checklist and semesters."""
    return bool(user and user.is_authenticated and user.has_role(MODULE_ADMIN, UNIT_ADMIN))
