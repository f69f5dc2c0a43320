"""Sign-in lockout with django-axes, counted per account (等保 8.1.4.1 b).

One account signs in on every unit's host and on the district portal. Failures are counted
per account across all of them: N failures anywhere lock the account everywhere. Counting
per host (as this once did) gave a guesser N tries on every unit's login page, and every
unit's login page is public.

A non-member's attempt on a unit's host counts as a failure whether the password was right
or wrong (UnitLoginForm sends Django's user_login_failed for it), so the page, the counter
and the lockout tell an outsider nothing about the password.

The limit and the cool-off come from the security policy; these callables are named in
settings (AXES_FAILURE_LIMIT, AXES_COOLOFF_TIME, AXES_USERNAME_CALLABLE).
"""
from __future__ import annotations

from datetime import timedelta

from axes.signals import user_locked_out
from django.dispatch import receiver

from zhengtong.audit.context import client_ip
from zhengtong.audit.services import audit_record

from .selectors import security_policy

# lockout_minutes = 0 means "until a security admin unlocks it". axes needs a finite
# cool-off to compute its window, so that case is ten years.
UNTIL_UNLOCKED = timedelta(days=3650)


def attempt_key(email: str) -> str:
    """The account an attempt counts against: the e-mail, whatever host it was tried on."""
    return email.strip().lower()


def axes_username(request, credentials) -> str | None:
    credentials = credentials or {}
    raw = credentials.get("username") or credentials.get("email")
    if not raw and request is not None:
        raw = request.POST.get("username") or request.POST.get("email")
    if not raw:
        return None
    return attempt_key(str(raw))


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
    audit_record(action="auth.lockout", object_type="accounts.User", object_repr=(username or "")[:200],
                 result="denied", detail=f"failures={getattr(request, 'axes_failures_since_start', '') or ''}",
                 ip=ip_address or (client_ip(request) if request is not None else None))
