"""Issuing API tokens (audited: a token is a credential)."""
from __future__ import annotations

from django.db import transaction

from zhengtong.audit.services import audit_record

from .authentication import IssuedToken, token_for


@transaction.atomic
def api_token_issue(*, user) -> IssuedToken:
    issued = token_for(user)
    audit_record(action="api.token.issue", actor=user, obj=user, after={"expires_at": issued.expires_at})
    return issued
