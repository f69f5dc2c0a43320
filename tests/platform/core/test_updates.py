"""zhengtong.core.updates: a record's change is written once, only where it changed, and the
audit trail shows exactly what changed, before and after."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tenants.utils import schema_context

from zhengtong.approvals.models import ApprovalRequest
from zhengtong.audit.models import AuditEvent
from zhengtong.core.updates import model_update, snapshot

FIELDS = ("amount", "reason", "status", "requester")


@pytest.fixture
def people(alpha, make_user):
    return {"officer": make_user(alpha, ["assets.asset_officer"]), "head": make_user(alpha, ["platform.unit_admin"])}


@pytest.fixture
def request_row(alpha, people):
    with schema_context(alpha.schema_name):
        return ApprovalRequest.objects.create(
            type_key="assets.disposal", subject_type="assets.asset", subject_id=1, subject_repr="台式计算机",
            amount=Decimal("5000.00"), facts={"amount": "5000.00"}, reason="设备老化", requester=people["officer"],
            submitted_at=timezone.make_aware(datetime(2026, 3, 1, 9, 30)))


def test_snapshot_gives_what_the_audit_trail_stores(alpha, people, request_row, make_asset):
    with schema_context(alpha.schema_name):
        row = ApprovalRequest.objects.get(pk=request_row.pk)
        values = snapshot(row, ("amount", "status", "requester", "requester_id", "submitted_at", "facts"))
    assert values == {"amount": "5000.00", "status": "pending", "requester": people["officer"].pk,
                      "requester_id": people["officer"].pk, "submitted_at": row.submitted_at.isoformat(),
                      "facts": {"amount": "5000.00"}}
    asset = make_asset(alpha)
    with schema_context(alpha.schema_name):
        assert snapshot(asset, ("acquired_on",)) == {"acquired_on": date(2024, 1, 15).isoformat()}


def test_update_writes_the_changed_fields_and_one_event_with_their_before_and_after(alpha, people, request_row):
    with schema_context(alpha.schema_name):
        row, changed = model_update(
            instance=request_row, fields=FIELDS, actor=people["head"], action="approvals.test.update",
            data={"amount": Decimal("4200.5"), "reason": "设备老化", "status": ApprovalRequest.Status.RETURNED,
                  "requester": people["head"]})
        assert changed is True
        stored = ApprovalRequest.objects.get(pk=row.pk)
        assert (stored.amount, stored.status, stored.requester_id) == (Decimal("4200.50"), "returned",
                                                                       people["head"].pk)
        event = AuditEvent.objects.get(action="approvals.test.update")
    assert event.actor_id == people["head"].pk
    assert event.object_id == str(row.pk)
    # The reason was sent unchanged: it is not in the event.
    assert event.before == {"amount": "5000.00", "status": "pending", "requester": people["officer"].pk}
    assert event.after == {"amount": "4200.5", "status": "returned", "requester": people["head"].pk}


def test_nothing_changed_writes_nothing(alpha, people, request_row):
    with schema_context(alpha.schema_name):
        stamp = ApprovalRequest.objects.get(pk=request_row.pk).updated_at
        row, changed = model_update(
            instance=request_row, fields=FIELDS, actor=people["head"], action="approvals.test.update",
            data={"amount": Decimal("5000"), "reason": "设备老化", "requester": people["officer"].pk,
                  "status": "pending"})
        assert changed is False
        assert ApprovalRequest.objects.get(pk=row.pk).updated_at == stamp
        assert not AuditEvent.objects.filter(action="approvals.test.update").exists()


def test_only_named_fields_are_set_and_a_column_changed_meanwhile_is_kept(alpha, people, request_row):
    with schema_context(alpha.schema_name):
        # Someone else changes the reason after this copy of the row was read.
        ApprovalRequest.objects.filter(pk=request_row.pk).update(reason="另一人的修改")
        model_update(instance=request_row, fields=("amount",), actor=people["head"], action="approvals.test.update",
                     data={"amount": Decimal("100.00"), "status": "approved"})
        stored = ApprovalRequest.objects.get(pk=request_row.pk)
        assert (stored.amount, stored.reason, stored.status) == (Decimal("100.00"), "另一人的修改", "pending")


def test_invalid_value_is_refused_and_nothing_is_written(alpha, people, request_row):
    with schema_context(alpha.schema_name):
        with pytest.raises(ValidationError) as refused:
            model_update(instance=request_row, fields=FIELDS, actor=people["head"], action="approvals.test.update",
                         data={"status": "lost", "amount": Decimal("1.00")})
        assert "status" in refused.value.message_dict
        stored = ApprovalRequest.objects.get(pk=request_row.pk)
        assert (stored.status, stored.amount) == ("pending", Decimal("5000.00"))
        assert not AuditEvent.objects.filter(action="approvals.test.update").exists()


def test_many_to_many_field_is_compared_as_its_members(alpha, people, make_user):
    from modules.equipment.models import Place

    deputy = make_user(alpha)
    with schema_context(alpha.schema_name):
        place = Place.objects.create(name="计算机教室一", responsible=people["officer"])
        place.deputies.set([deputy])
        fields = ("name", "responsible_id", "deputies")
        _, changed = model_update(instance=place, fields=fields, actor=people["head"], action="equipment.test.update",
                                  data={"name": "计算机教室一", "deputies": [deputy.pk]})
        assert changed is False
        _, changed = model_update(instance=place, fields=fields, actor=people["head"], action="equipment.test.update",
                                  data={"responsible": people["head"], "deputies": [deputy, people["officer"]]})
        assert changed is True
        assert set(place.deputies.all()) == {deputy, people["officer"]}
        assert Place.objects.get(pk=place.pk).responsible_id == people["head"].pk
        event = AuditEvent.objects.get(action="equipment.test.update")
    assert event.before == {"responsible_id": people["officer"].pk, "deputies": [deputy.pk]}
    assert event.after == {"responsible_id": people["head"].pk,
                           "deputies": sorted([deputy.pk, people["officer"].pk])}
