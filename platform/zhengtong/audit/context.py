"""Who is acting and from where: for Python's ``audit_record`` (thread-local; WSGI serves
one request per thread) and for the database triggers (session settings ``zt.actor_id``,
``zt.actor_label``, ``zt.ip`` on the request's connection).

The session settings are set when a request (or an ``acting_as`` block) starts and reset
when it ends, so a pooled connection never carries one request's actor into the next.
"""
from __future__ import annotations

import ipaddress
import threading
from contextlib import contextmanager

from django.db import connection

_local = threading.local()

_SET_SQL = ("SELECT set_config('zt.actor_id', %s, false), set_config('zt.actor_label', %s, false),"
            " set_config('zt.ip', %s, false)")


def set_request_context(*, ip: str | None, user=None) -> None:
    _local.ip = ip
    _local.user = user


def clear_request_context() -> None:
    _local.ip = None
    _local.user = None


def current_ip() -> str | None:
    return getattr(_local, "ip", None)


def current_user():
    return getattr(_local, "user", None)


def client_ip(request) -> str | None:
    """The address of the person, as the audit trail records it.

    REMOTE_ADDR, unless it is one of the deployment's own reverse proxies
    (settings.ZT_TRUSTED_PROXIES, e.g. nginx on 127.0.0.1): then the last address the
    proxy appended to X-Forwarded-For. Anything earlier in that header was written by the
    client and can be forged, so it is never used.
    """
    from django.conf import settings

    remote = request.META.get("REMOTE_ADDR") or None
    if remote and remote in getattr(settings, "ZT_TRUSTED_PROXIES", ()):
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if forwarded and _valid_ip(forwarded[-1]):
            return forwarded[-1]
    return remote


def _valid_ip(ip: str | None) -> str:
    # The trigger casts this to inet; a malformed value would make every write fail.
    if not ip:
        return ""
    try:
        return str(ipaddress.ip_address(ip))
    except ValueError:
        return ""


def _actor_values(user) -> tuple[str, str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return "", ""
    return str(user.pk), str(user)[:200]


def set_db_context(*, user=None, ip: str | None = None) -> None:
    """Tell the triggers who acts on this connection from now on."""
    actor_id, label = _actor_values(user)
    with connection.cursor() as cur:
        cur.execute(_SET_SQL, [actor_id, label, _valid_ip(ip)])


def clear_db_context() -> None:
    if connection.connection is None:
        return  # closed: the settings went with the session
    if connection.in_atomic_block and connection.needs_rollback:
        return  # the rollback pending on this transaction undoes the settings too
    try:
        with connection.cursor() as cur:
            cur.execute(_SET_SQL, ["", "", ""])
    except Exception:
        # A connection that cannot take the reset must not be reused with a stale actor.
        if not connection.in_atomic_block:
            connection.close()


@contextmanager
def acting_as(user, *, ip: str | None = None):
    """Attribute the writes inside the block to ``user`` (Celery jobs, management commands).

    Restores the previous actor afterwards, so blocks nest.
    """
    before_user, before_ip = current_user(), current_ip()
    set_request_context(ip=ip, user=user)
    set_db_context(user=user, ip=ip)
    try:
        yield
    finally:
        set_request_context(ip=before_ip, user=before_user)
        if before_user is None and before_ip is None:
            clear_db_context()
        else:
            set_db_context(user=before_user, ip=before_ip)


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        ip = client_ip(request)
        set_request_context(ip=ip, user=user)
        set_db_context(user=user, ip=ip)
        try:
            return self.get_response(request)
        finally:
            clear_request_context()
            clear_db_context()
