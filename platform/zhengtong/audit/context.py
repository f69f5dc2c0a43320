"""Who is acting and from where, for the current request (WSGI: one request per thread)."""
from __future__ import annotations

import threading

_local = threading.local()


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


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        set_request_context(ip=client_ip(request), user=getattr(request, "user", None))
        try:
            return self.get_response(request)
        finally:
            clear_request_context()
