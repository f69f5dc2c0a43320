"""Delegations: a role holder lets a colleague act for them for a while."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from zhengtong.audit.services import audit_record
from zhengtong.core.errors import Invalid, Refused, audited_refusal

from .. import people
from ..models import Delegation

if TYPE_CHECKING:
    from zhengtong.accounts.models import User

MAX_DELEGATION_DAYS = 180


# ------------------------------------------------------------------ delegations


def delegation_create(*, actor: User, delegate: User, role: str, valid_from: datetime, valid_until: datetime,
                      note: str = "") -> Delegation:
    """Let ``delegate`` act for ``actor`` on ``role`` within the period (time-boxed).

    Stored where the role lives: a district role's delegation in the public schema, a unit
    role's in the unit's schema; so is its audit record.
    """
    with schema_context(people.role_schema(role)):
        return _delegation_store(actor=actor, delegate=delegate, role=role, valid_from=valid_from,
                                 valid_until=valid_until, note=note)


@audited_refusal("approvals.delegate", object_type="approvals.Delegation")
@transaction.atomic
def _delegation_store(*, actor: User, delegate: User | None, role: str, valid_from: datetime,
                      valid_until: datetime, note: str) -> Delegation:
    from tenant_users.permissions.models import UserTenantPermissions

    if not people.holds(actor, role):
        raise Refused(_("You can only delegate a role you hold (只能委托本人持有的角色)."), code="not_role_holder")
    errors = []
    if delegate is None or delegate.pk == actor.pk:
        errors.append(_("Choose someone else to act for you (请选择他人作为代理人)."))
    elif not delegate.is_active or not UserTenantPermissions.objects.filter(profile=delegate).exists():
        errors.append(_("The delegate must be an active member here (代理人须为本单位在职成员)."))
    if valid_until <= valid_from:
        errors.append(_("The period must end after it starts (结束时间须晚于开始时间)."))
    elif valid_until - valid_from > timedelta(days=MAX_DELEGATION_DAYS):
        errors.append(_("A delegation lasts at most %(d)d days (委托期限最长%(d)d天).") % {"d": MAX_DELEGATION_DAYS})
    elif valid_until <= timezone.now():
        errors.append(_("The period is already over (委托期限已过)."))
    if errors:
        raise Invalid(errors)
    d = Delegation.objects.create(delegator=actor, delegate=delegate, role=role, valid_from=valid_from,
                                  valid_until=valid_until, note=note.strip()[:200])
    audit_record(action="approvals.delegate", actor=actor, obj=d, object_repr=f"{role} → {delegate}",
                 after={"role": role, "delegate": delegate.pk, "from": valid_from, "until": valid_until})
    return d


def delegation_revoke(*, actor: User, delegation_id: int, role_schema: str) -> Delegation:
    """End a delegation now (its delegator only); ending an ended one changes nothing."""
    with schema_context(role_schema):
        return _delegation_end(actor=actor, delegation_id=delegation_id)


@audited_refusal("approvals.delegate.revoke", obj_arg="delegation_id", object_type="approvals.Delegation")
@transaction.atomic
def _delegation_end(*, actor: User, delegation_id: int) -> Delegation:
    d = Delegation.objects.select_for_update().filter(pk=delegation_id).first()
    if d is None or d.delegator_id != actor.pk:
        raise Refused(_("Only the delegator may end a delegation (只有委托人可以撤销委托)."), code="not_delegator")
    if d.revoked_at is None:
        d.revoked_at = timezone.now()
        d.save(update_fields=["revoked_at"])
        audit_record(action="approvals.delegate.revoke", actor=actor, obj=d, object_repr=f"{d.role} → {d.delegate_id}",
                     before={"revoked": False}, after={"revoked": True})
    return d

