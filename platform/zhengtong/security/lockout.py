"""Sign-in lockout with django-axes, scoped per unit (等保 8.1.4.1 b).

One account signs in on every unit's host. If attempts were keyed by e-mail alone, a
colleague mistyping on unit A's host — or someone guessing there — would lock the same
person out of unit B and of the district portal. Attempts are therefore keyed
"<schema of the host>:<e-mail>": N failures on A's host lock the account on A's host only.
The trade-off: someone guessing gets N tries per host instead of N in all. With a limit of
5 and a few dozen hosts that stays far below what guessing a policy-compliant password
takes, and every failure is in the trail of the unit where it happened.

The limit and the cool-off come from the security policy; these callables are named in
settings (AXES_FAILURE_LIMIT, AXES_COOLOFF_TIME, AXES_USERNAME_CALLABLE).
"""
from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.dispatch import receiver

from axes.signals import user_locked_out

from zhengtong.audit.context import client_ip
from zhengtong.audit.services import audit_record

from .selectors import security_policy

# lockout_minutes = 0 means "until a security admin unlocks it". axes needs a finite
# cool-off to compute its window, so that case is ten years.
UNTIL_UNLOCKED = timedelta(days=3650)


def attempt_key(schema: str, email: str) -> str:
    return f"{schema}:{email.strip().lower()}"


def split_attempt_key(key: str) -> tuple[str, str]:
    schema, _, email = key.partition(":")
    return schema, email


def axes_username(request, credentials) -> str | None:
    credentials = credentials or {}
    raw = credentials.get("username") or credentials.get("email")
    if not raw and request is not None:
        raw = request.POST.get("username") or request.POST.get("email")
    if not raw:
        return None
    unit = getattr(request, "tenant", None) if request is not None else None
    schema = unit.schema_name if unit is not None else connection.schema_name
    return attempt_key(schema, str(raw))


def failure_limit(request, credentials) -> int:
    return security_policy().lockout_threshold


def cool_off(request=None) -> timedelta:
    minutes = security_policy().lockout_minutes
    return timedelta(minutes=minutes) if minutes else UNTIL_UNLOCKED


def lockout_response(request, original_response=None, credentials=None):
    from django.shortcuts import render

    policy = security_policy()
    return render(request, "security/locked_out.html",
                  {"minutes": policy.lockout_minutes, "limit": policy.lockout_threshold}, status=429)


@receiver(user_locked_out)
def _audit_lockout(sender, request, username, ip_address, **kwargs):
    # Sent for the attempt that reaches the limit and again for each attempt made while
    # locked: each one is a refused sign-in worth keeping in the trail.
    _schema, email = split_attempt_key(username or "")
    audit_record(action="auth.lockout", object_type="accounts.User", object_repr=email[:200],
                 result="denied", detail=f"failures={getattr(request, 'axes_failures_since_start', '') or ''}",
                 ip=ip_address or (client_ip(request) if request is not None else None))
