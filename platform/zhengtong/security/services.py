"""Writes of the security area: policy, unlocks, second factors, dormant accounts.

Each is keyword-only, checks who acts (refusals are audited outside the refused write's
transaction), and records what it changed in the same transaction as the change.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import get_public_schema_name, schema_context

from zhengtong.accounts.models import User
from zhengtong.audit.services import audit_record
from zhengtong.core.errors import Refused, audited_refusal
from zhengtong.registry.registry import (
    DISTRICT_OPERATOR,
    DISTRICT_SECURITY_ADMIN,
    DISTRICT_SYSTEM_ADMIN,
    SECURITY_ADMIN,
)

from .models import POLICY_BOUNDS, SecurityPolicy
from .selectors import security_policy

POLICY_FIELDS = tuple(POLICY_BOUNDS)
DEVICE_NAME = "TOTP"


def is_security_admin(user, unit) -> bool:
    """Security administrator of ``unit`` (the district's, on the district portal)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    role = DISTRICT_SECURITY_ADMIN if unit.schema_name == get_public_schema_name() else SECURITY_ADMIN
    with schema_context(unit.schema_name):
        return user.has_role(role)


def is_district_security_admin(user) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    with schema_context(get_public_schema_name()):
        return user.has_role(DISTRICT_SECURITY_ADMIN)


# ---------------------------------------------------------------- policy


def security_policy_update(*, actor: User, values: dict[str, Any]) -> SecurityPolicy:
    """Change the platform-wide policy. Only the district security administrator may."""
    with schema_context(get_public_schema_name()):
        _may_change_policy(actor=actor)
        with transaction.atomic():
            policy = SecurityPolicy.objects.select_for_update().filter(pk=1).first() or SecurityPolicy(pk=1)
            before = {f: getattr(policy, f) for f in POLICY_FIELDS}
            for field in POLICY_FIELDS:
                if field in values:
                    setattr(policy, field, int(values[field]))
            policy.updated_by = actor
            policy.full_clean(exclude=["updated_by"])
            after = {f: getattr(policy, f) for f in POLICY_FIELDS}
            policy.save()
            changed = {f for f in POLICY_FIELDS if before[f] != after[f]}
            if changed:
                audit_record(action="security.policy", actor=actor, obj=policy,
                             before={f: before[f] for f in sorted(changed)},
                             after={f: after[f] for f in sorted(changed)})
    return policy


@audited_refusal("security.policy", object_type="security.SecurityPolicy")
def _may_change_policy(*, actor: User | None) -> None:
    if not is_district_security_admin(actor):
        raise Refused(_("Only the district security administrator may change the security policy."),
                      detail="not the district security admin")


# ---------------------------------------------------------------- lockouts


def lockout_unlock(*, actor: User, unit, attempt_key: str) -> int:
    """Lift a sign-in lockout (it locks the account on every host, so lifting it frees it
    everywhere). A unit's security admin lifts the lockouts of the unit's own members; the
    district's security admin lifts any. Nobody lifts their own."""
    from axes.handlers.proxy import AxesProxyHandler

    email = attempt_key
    with schema_context(unit.schema_name):
        _may_unlock(actor=actor, unit=unit, email=email)
        with transaction.atomic():
            count = AxesProxyHandler.reset_attempts(username=attempt_key)
            audit_record(action="auth.unlock", actor=actor, object_type="accounts.User", object_repr=email[:200],
                         before={"locked": True}, after={"locked": False}, detail=f"attempts reset={count}")
    return count


@audited_refusal("auth.unlock", obj_arg="email", object_type="accounts.User")
def _may_unlock(*, actor: User, unit, email: str) -> None:
    from .selectors import locked_out_attempts

    if not (is_security_admin(actor, unit) and locked_out_attempts(unit=unit).filter(username=email).exists()):
        raise Refused(_("Only a security administrator may unlock sign-ins."),
                      detail=f"not a security admin for {email} in {unit.schema_name}")
    if email == actor.email.lower():
        raise Refused(_("Nobody may unlock their own account."), detail="unlock of own account refused")


# ---------------------------------------------------------------- second factor


def totp_device_pending(*, user: User) -> TOTPDevice:
    """The unconfirmed device a person is enrolling (created on first visit)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def has_confirmed_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def totp_enrol_confirm(*, user: User, device: TOTPDevice, token: str) -> bool:
    """Confirm enrolment with the first code from the person's authenticator app."""
    if device.user_id != user.pk or device.confirmed:
        raise PermissionDenied
    with transaction.atomic():
        ok = device.verify_token(_digits(token))
        if ok:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            audit_record(action="auth.2fa_enrol", actor=user, obj=user, after={"device": device.name})
    if not ok:
        audit_record(action="auth.2fa_failed", actor=user, obj=user, result="failure", detail="enrolment code")
    return ok


def totp_verify(*, user: User, token: str) -> TOTPDevice | None:
    """Check a code against the person's confirmed devices.

    django-otp refuses a code whose time step is not later than the last accepted one,
    so a code seen over someone's shoulder (or replayed from a log) fails the second time.
    Repeated failures slow down by django-otp's throttling.
    """
    token = _digits(token)
    with transaction.atomic():
        for device in TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True):
            if device.verify_token(token):
                audit_record(action="auth.2fa_verify", actor=user, obj=user)
                return device
    audit_record(action="auth.2fa_failed", actor=user, obj=user, result="failure", detail="sign-in code")
    return None


def two_factor_reset(*, actor: User, user: User) -> int:
    """Remove a person's second factors (lost phone); they enrol again at next sign-in.

    The district security administrator's job, and never for their own account.
    """
    with schema_context(get_public_schema_name()):
        _may_reset_second_factor(actor=actor, user=user)
        with transaction.atomic():
            count, _detail = TOTPDevice.objects.filter(user=user).delete()
            audit_record(action="auth.2fa_reset", actor=actor, obj=user, after={"devices_removed": count})
    return count


@audited_refusal("auth.2fa_reset", obj_arg="user")
def _may_reset_second_factor(*, actor: User | None, user: User) -> None:
    if not is_district_security_admin(actor) or actor.pk == user.pk:
        raise Refused(_("Only the district security administrator may reset another person's second factor."),
                      detail="own account" if actor and actor.pk == user.pk else "not the district security admin")


def second_factor_wait(user, *, confirmed: bool = True) -> int:
    """Seconds before django-otp's throttling lets the person try another code (0: now)."""
    wait = 0
    for device in TOTPDevice.objects.filter(user=user, confirmed=confirmed):
        allowed, info = device.verify_is_allowed()
        if not allowed and info and info.get("locked_until"):
            wait = max(wait, int((info["locked_until"] - timezone.now()).total_seconds()) + 1)
    return wait


def _digits(token: str) -> str:
    return "".join(ch for ch in str(token or "") if ch.isdigit())


# ---------------------------------------------------------------- dormant accounts


def dormant_accounts_disable(*, now=None) -> list[str]:
    """Disable accounts nobody has signed in to for the policy's dormant period.

    Returns the e-mails disabled. Idempotent: a second run finds nothing. Sessions end at
    once because authentication refuses inactive users on every request.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=security_policy().dormant_days)
    disabled: list[str] = []
    with schema_context(get_public_schema_name()), transaction.atomic():
        dormant = (
            User.objects.select_for_update()
            .filter(is_active=True, is_system=False)
            .filter(Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff))
            .order_by("pk")
        )
        for user in dormant:
            user.is_active = False
            user.save(update_fields=["is_active"])
            audit_record(action="user.disable_dormant", obj=user, before={"is_active": True},
                         after={"is_active": False},
                         detail=f"last sign-in: {user.last_login.isoformat() if user.last_login else 'never'}")
            disabled.append(user.email)
    return disabled


def user_deactivate(*, actor: User | None, user: User, reason: str = "") -> None:
    """Switch an account off; its sessions end with the next request.

    Accounts are the system administrator's side of 三员 (at district level: the district
    system administrator, or the district operator who onboards units).
    """
    with schema_context(get_public_schema_name()):
        _may_deactivate(actor=actor, user=user, reason=reason)
    with schema_context(get_public_schema_name()), transaction.atomic():
        if not user.is_active:
            return
        user.is_active = False
        user.save(update_fields=["is_active"])
        audit_record(action="user.deactivate", actor=actor, obj=user, before={"is_active": True},
                     after={"is_active": False}, detail=reason)


@audited_refusal("user.deactivate", obj_arg="user")
def _may_deactivate(*, actor: User | None, user: User, reason: str) -> None:
    if actor is None or not actor.is_authenticated or actor.pk == user.pk or not actor.has_role(
            DISTRICT_SYSTEM_ADMIN, DISTRICT_OPERATOR):
        raise Refused(_("Only the district system administrator may switch accounts off."), detail=reason)
