"""Who is calling the API.

Two ways in, both ending at the same ``User``:

- the browser session of the portal (DRF's ``SessionAuthentication``, CSRF enforced for writes);
- a bearer token from ``POST /api/token/``, for scripts and other systems of the unit.

The token is signed, not stored: it carries the user id, the unit's schema and a fingerprint
of the password hash, and expires after ``ZT_API_TOKEN_MAX_AGE`` seconds. So a token works on
the one unit it was issued in and nowhere else (ids repeat across units; a token from unit B
must never open unit A), it dies with a password change or a deactivated account, and no
table of secrets has to be kept. It is only issued from a signed-in browser session, so it
never bypasses the login's own protections (lockout, second factor).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import connection
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

TOKEN_SALT = "zhengtong.api.token"
KEYWORD = "Bearer"


def token_max_age() -> int:
    return int(getattr(settings, "ZT_API_TOKEN_MAX_AGE", settings.SESSION_COOKIE_AGE))


def _fingerprint(user) -> str:
    # Changes whenever the password does (the hash carries a fresh salt), so every token
    # issued before a password change stops working.
    return salted_hmac(TOKEN_SALT, f"{user.pk}:{user.password}", algorithm="sha256").hexdigest()[:24]


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime


def token_for(user, *, schema_name: str | None = None) -> IssuedToken:
    """A bearer token for ``user`` in the unit whose schema is active (or ``schema_name``)."""
    payload = {"u": user.pk, "s": schema_name or connection.schema_name, "f": _fingerprint(user)}
    token = signing.dumps(payload, salt=TOKEN_SALT, compress=True)
    return IssuedToken(token=token, expires_at=timezone.now() + timedelta(seconds=token_max_age()))


def user_for_token(token: str):
    """The active user the token was issued to, if it is valid in the active unit; else None."""
    try:
        payload = signing.loads(token, salt=TOKEN_SALT, max_age=token_max_age())
    except (signing.BadSignature, ValueError, UnicodeError):
        return None
    if not isinstance(payload, dict) or payload.get("s") != connection.schema_name:
        return None
    user = get_user_model().objects.filter(pk=payload.get("u")).first() if isinstance(payload.get("u"), int) else None
    if user is None or not user.is_active or getattr(user, "is_system", False):
        return None
    if not constant_time_compare(str(payload.get("f", "")), _fingerprint(user)):
        return None
    return user


class UnitTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer <token>``; the token must belong to this unit."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(_("Malformed Authorization header (认证请求头格式错误)."))
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(_("The API token is invalid, expired or not valid for this unit "
                                         "(令牌无效、已过期或不属于本单位).")) from None
        user = user_for_token(token)
        if user is None:
            raise AuthenticationFailed(_("The API token is invalid, expired or not valid for this unit "
                                         "(令牌无效、已过期或不属于本单位)."))
        return (user, token)

    def authenticate_header(self, request):
        # Makes unauthenticated API calls answer 401 (with this challenge) rather than 403.
        return f'{KEYWORD} realm="api"'


class UnitTokenScheme(OpenApiAuthenticationExtension):
    target_class = "zhengtong.api.authentication.UnitTokenAuthentication"
    name = "unitToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "POST /api/token/ from a signed-in session; valid only in the unit that issued it.",
        }
