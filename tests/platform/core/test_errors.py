"""zhengtong.core.errors and core.actions: a refusal reaches the audit trail although the
refused write is rolled back, names what it was about, and every outcome maps to one status."""
from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django_tenants.utils import schema_context

from zhengtong.audit.models import AuditEvent
from zhengtong.core.actions import attempt
from zhengtong.core.errors import Conflict, Invalid, Refused, audited_refusal


@audited_refusal("test.{verb}", obj_arg="target.owner", object_type="test.Thing")
@transaction.atomic
def _refusing_write(*, actor, target, verb: str):
    AuditEvent.objects.filter(pk=-1).update(detail="never")  # a write inside the refused transaction
    raise Refused("You may not (不可).", code="not_owner")


@audited_refusal("test.by_id", obj_arg="thing_id", object_type="test.Thing")
def _refusing_by_id(*, actor, thing_id: int):
    raise Refused("No.", detail="why it was refused")


class _Target:
    def __init__(self, owner):
        self.owner = owner


def test_a_refusal_is_audited_outside_the_rolled_back_write_and_names_its_object(alpha, make_user):
    actor, owner = make_user(alpha), make_user(alpha)
    with schema_context(alpha.schema_name):
        with pytest.raises(Refused) as refused:
            _refusing_write(actor=actor, target=_Target(owner), verb="approve")
        assert refused.value.code == "not_owner" and refused.value.detail == "not_owner"
        event = AuditEvent.objects.get(action="test.approve")
        assert (event.result, event.actor_id, event.object_id, event.detail) == ("denied", actor.pk, str(owner.pk),
                                                                                 "not_owner")
        with pytest.raises(PermissionDenied):
            _refusing_by_id(actor=actor, thing_id=42)
        event = AuditEvent.objects.get(action="test.by_id")
        assert (event.object_type, event.object_id, event.detail) == ("test.Thing", "42", "why it was refused")


def test_attempt_gives_each_outcome_its_status_and_reasons():
    def fail(exc):
        def call():
            raise exc
        return call

    assert attempt(lambda: 7).done and attempt(lambda: 7).result == 7
    refused = attempt(fail(Refused("不可 (No).")))
    assert (refused.status, refused.reasons) == (403, ["不可 (No)."])
    invalid = attempt(fail(Invalid(["first", "second"])))
    assert (invalid.status, invalid.text) == (400, "first second")
    assert attempt(fail(ValidationError("plain"))).status == 400  # services not moved yet read the same
    conflict = attempt(fail(Conflict("changed meanwhile")))
    assert (conflict.status, conflict.reasons) == (409, ["changed meanwhile"])
    with pytest.raises(KeyError):  # anything else is a bug, not an outcome
        attempt(fail(KeyError("x")))
