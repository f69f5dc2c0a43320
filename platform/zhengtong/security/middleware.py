"""Per-request session rules (等保 8.1.4.1): idle timeout, absolute lifetime, second factor
for the administrators, password age — and a trail entry for every refused page.

Placed after AuthenticationMiddleware and before TenantAccessMiddleware, so an expired
session is anonymous before any access check.

It also does django-otp's OTPMiddleware's job (``user.otp_device`` from the session):
that middleware installs ``user.is_verified()``, which collides with the ``is_verified``
field django-tenant-users' user model has — the next ``user.save()`` would write a
function into it.
"""
from __future__ import annotations

import time
from urllib.parse import urlencode

from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from zhengtong.audit.context import client_ip
from zhengtong.audit.services import audit_denied, audit_record
from zhengtong.core.tenancy import security_policy_for

from .selectors import two_factor_required

LOGIN_AT = "zt_login_at"  # epoch seconds of the sign-in
SEEN_AT = "zt_seen_at"  # epoch seconds of the last request (refreshed at most once a minute)
EXPIRED = "zt_session_expired"  # why the last session ended, shown on the sign-in page
SEEN_REFRESH = 60

# Reachable whatever the session still owes (second factor, new password).
ALWAYS_OPEN = ("/static/", "/healthz", "/i18n/", "/accounts/logout/", "/accounts/login/", "/favicon.ico")
TWO_FACTOR_PAGES = ("/accounts/2fa/",)
PASSWORD_PAGE = "/accounts/password/"


def session_started(request) -> None:
    """Called on sign-in: the clocks start now."""
    now = int(time.time())
    request.session[LOGIN_AT] = now
    request.session[SEEN_AT] = now


def second_factor_verified(user) -> bool:
    """Whether this session's sign-in included a second factor (see attach_otp_device)."""
    return getattr(user, "otp_device", None) is not None


def attach_otp_device(request, user) -> None:
    device = None
    persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
    if persistent_id:
        device = Device.from_persistent_id(persistent_id)
        if device is None or device.user_id != user.pk or not device.confirmed:
            # Removed (e.g. reset by the security admin) or someone else's: not verified.
            device = None
            del request.session[DEVICE_ID_SESSION_KEY]
    user.otp_device = device


def needs_second_factor(user) -> bool:
    from .services import has_confirmed_device

    return has_confirmed_device(user) or second_factor_role_held(user)


def second_factor_role_held(user) -> bool:
    """two_factor_required(user), kept on the account between role changes: the question spans
    every unit the person belongs to, and asking it on every request made each page cost a
    query over all their units' schemas. Role writes clear the flag (accounts.services)."""
    from zhengtong.accounts.models import User

    held = user.second_factor_role_held
    if held is None:
        held = two_factor_required(user)
        User.objects.filter(pk=user.pk).update(second_factor_role_held=held)
        user.second_factor_role_held = held
    return held


def password_expired(user, policy) -> bool:
    if not user.has_usable_password():
        return False
    changed = user.password_changed_at or user.date_joined
    return changed is not None and (timezone.now() - changed).days >= policy.max_age_days


class SessionSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            attach_otp_device(request, user)
            response = self._enforce(request, user)
            if response is not None:
                return response
        return self.get_response(request)

    def _enforce(self, request, user):
        path = request.path_info
        # Read with the host's unit (core.tenancy.unit_for_host): no query of its own, never stale.
        policy = security_policy_for(getattr(request, "tenant", None))
        session = request.session
        now = int(time.time())
        login_at = session.get(LOGIN_AT) or now
        seen_at = session.get(SEEN_AT) or now
        if now - login_at > policy.session_lifetime_hours * 3600:
            return self._end(request, user, "lifetime")
        if now - seen_at > policy.idle_timeout_minutes * 60:
            return self._end(request, user, "idle")
        if LOGIN_AT not in session:
            session[LOGIN_AT] = login_at
        if now - seen_at >= SEEN_REFRESH or SEEN_AT not in session:
            session[SEEN_AT] = now

        if path.startswith(ALWAYS_OPEN):
            return None
        if (not second_factor_verified(user) and not path.startswith(TWO_FACTOR_PAGES)
                and needs_second_factor(user)):
            return redirect(f"{reverse('accounts:two_factor')}?{urlencode({'next': request.get_full_path()})}")
        if path.startswith(TWO_FACTOR_PAGES) or path.startswith(PASSWORD_PAGE):
            return None
        if password_expired(user, policy):
            return redirect(f"{reverse('accounts:password_change')}?expired=1")
        return None

    def _end(self, request, user, reason: str):
        audit_record(action="auth.session_end", actor=user, obj=user, detail=reason, ip=client_ip(request))
        logout(request)
        # Leave a note for the sign-in page in the fresh (anonymous) session.
        request.session[EXPIRED] = reason
        return None

    def process_exception(self, request, exception):
        # Every refused page is in the trail (三员: "every action of theirs is audited"),
        # written outside any transaction of the refused view, which has rolled back.
        if isinstance(exception, PermissionDenied):
            user = getattr(request, "user", None)
            audit_denied(action="access.denied", actor=user if user is not None and user.is_authenticated else None,
                         object_type="url", object_repr=request.path[:200], detail=request.method,
                         ip=client_ip(request))
        return None
