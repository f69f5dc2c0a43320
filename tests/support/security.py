"""Signing in and reading the audit trail in the identity and session tests
(tests/platform/security/)."""
from __future__ import annotations

from django.test import Client
from django_tenants.utils import schema_context

from tests.conftest import PASSWORD
from zhengtong.audit.models import AuditEvent


def events(schema: str, action: str, **filters):
    with schema_context(schema):
        return list(AuditEvent.objects.filter(action=action, **filters).order_by("id"))


def login(host: str, email: str, password: str = PASSWORD, client: Client | None = None):
    client = client or Client(HTTP_HOST=host)
    return client, client.post("/accounts/login/", {"username": email, "password": password})
