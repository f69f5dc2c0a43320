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
    # REMOTE_ADDR only: X-Forwarded-For is trusted solely when the deployment's proxy
    # sets it (see deploy/), and then the proxy rewrites REMOTE_ADDR via gunicorn.
    return request.META.get("REMOTE_ADDR") or None


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
