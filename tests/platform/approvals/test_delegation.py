"""Ending a delegation ends the delegate's power at once (issue 13: revoking was never
exercised, so a revoked delegate could have kept approving unnoticed).

The delegator grants and revokes on the delegations page; afterwards the former delegate no
longer finds the request waiting for them, the request page refuses their decision, the
service refuses it too, and the trail says who ended the delegation. A unit role's
delegation lives in the unit, a district role's in the public schema: both are checked."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.conftest import ALPHA_HOST, DISTRICT_HOST
from tests.support.approvals import asset_status, decide, submit
from tests.support.pages import page_text
from zhengtong.approvals import services
from zhengtong.approvals.models import ApprovalAction, ApprovalRequest, ApprovalStep, Delegation
from zhengtong.audit.models import AuditEvent
from zhengtong.core.errors import Refused


def _period() -> dict[str, str]:
    now = timezone.localtime()
    return {"valid_from": (now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
            "valid_until": (now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")}


def _active_step(unit, req) -> ApprovalStep:
    with schema_context(unit.schema_name):
        return ApprovalStep.objects.get(request=req, status="active")


def test_a_revoked_unit_delegate_can_no_longer_decide(alpha, disposal_staff, make_user, make_asset, client_for):
    stand_in = make_user(alpha, ["assets.custodian"], name="陈秘书")
    head = client_for(disposal_staff["head"], ALPHA_HOST)
    r = head.post("/approvals/delegations/", {"role": "platform.unit_admin", "delegate_email": stand_in.email,
                                              **_period(), "note": "休假"})
    assert r.status_code == 302
    with schema_context(alpha.schema_name):
        delegation = Delegation.objects.get(delegator=disposal_staff["head"], delegate=stand_in)

    asset = make_asset(alpha, name="待处置的旧电脑", value="1500.00")
    req = submit(alpha, disposal_staff["officer"], asset)
    delegate = client_for(stand_in, ALPHA_HOST)
    assert "待处置的旧电脑" in page_text(delegate.get("/approvals/"))  # in force: waiting for the delegate

    r = head.post(f"/approvals/delegations/{delegation.pk}/revoke/")
    assert r.status_code == 302
    with schema_context(alpha.schema_name):
        delegation.refresh_from_db()
        assert delegation.revoked_at is not None
        revoke = AuditEvent.objects.get(action="approvals.delegate.revoke", actor_id=disposal_staff["head"].pk,
                                        object_id=str(delegation.pk))
        assert revoke.result == "success" and revoke.after == {"revoked": True}

    # The request is no longer the delegate's to decide: not listed, refused on its page and in the service.
    assert "待处置的旧电脑" not in page_text(delegate.get("/approvals/"))
    step = _active_step(alpha, req)
    r = delegate.post(f"/approvals/{req.pk}/act/", {"action": "approve", "step": step.pk, "comment": "照批"})
    assert r.status_code in (403, 404)
    with pytest.raises(Refused):
        decide(alpha, stand_in, req)
    with schema_context(alpha.schema_name):
        assert ApprovalRequest.objects.get(pk=req.pk).status == "pending"
        assert not ApprovalAction.objects.filter(request=req, actor_id=stand_in.pk).exists()
        assert AuditEvent.objects.filter(action="approvals.approve", actor_id=stand_in.pk, result="denied").exists()
    assert asset_status(alpha, asset) == "pending_disposal"
    # The head still decides themselves.
    decide(alpha, disposal_staff["head"], req)
    assert asset_status(alpha, asset) == "disposed"


def test_only_the_delegator_ends_a_delegation_and_a_refused_attempt_is_audited(alpha, disposal_staff, make_user,
                                                                                client_for):
    stand_in = make_user(alpha, ["assets.custodian"], name="陈秘书")
    now = timezone.now()
    with schema_context(alpha.schema_name):
        delegation = services.delegation_create(actor=disposal_staff["head"], delegate=stand_in,
                                                role="platform.unit_admin", valid_from=now - timedelta(minutes=1),
                                                valid_until=now + timedelta(days=1))
    # the delegate, or a fellow head, cannot end someone else's delegation
    for other in (stand_in, disposal_staff["deputy"]):
        assert client_for(other, ALPHA_HOST).post(f"/approvals/delegations/{delegation.pk}/revoke/").status_code == 404
        with schema_context(alpha.schema_name):
            assert AuditEvent.objects.filter(action="approvals.delegate.revoke", actor_id=other.pk,
                                             result="denied").exists()
            with pytest.raises(Refused):
                services.delegation_revoke(actor=other, delegation_id=delegation.pk, role_schema=alpha.schema_name)
    with schema_context(alpha.schema_name):
        delegation.refresh_from_db()
        assert delegation.revoked_at is None


def test_a_revoked_district_delegate_can_no_longer_decide(alpha, disposal_staff, make_user, make_asset, client_for):
    colleague = make_user(district_roles=["district.operator"], name="郑科员")
    finance = client_for(disposal_staff["finance"], DISTRICT_HOST)
    r = finance.post("/approvals/delegations/", {"role": "district.finance_bureau",
                                                 "delegate_email": colleague.email, **_period(), "note": "出差"})
    assert r.status_code == 302
    with schema_context("public"):
        delegation = Delegation.objects.get(delegator=disposal_staff["finance"], delegate=colleague)
    asset = make_asset(alpha, name="大额处置的服务器", value="75000.00")
    req = submit(alpha, disposal_staff["officer"], asset)
    decide(alpha, disposal_staff["head"], req)  # the unit's step; the district finance bureau's step is next
    c = client_for(colleague, DISTRICT_HOST)
    assert "大额处置的服务器" in page_text(c.get("/approvals/"))

    assert finance.post(f"/approvals/delegations/{delegation.pk}/revoke/").status_code == 302
    with schema_context("public"):
        delegation.refresh_from_db()
        assert delegation.revoked_at is not None
        assert AuditEvent.objects.filter(action="approvals.delegate.revoke", actor_id=disposal_staff["finance"].pk,
                                         object_id=str(delegation.pk), result="success").exists()

    assert "大额处置的服务器" not in page_text(c.get("/approvals/"))
    step = _active_step(alpha, req)
    r = c.post(f"/approvals/alpha/{req.pk}/act/", {"action": "approve", "step": step.pk})
    assert r.status_code in (403, 404)
    with pytest.raises(Refused):
        with schema_context(alpha.schema_name):
            services.approval_decide(request_id=req.pk, step_id=step.pk, actor=colleague, decision="approve",
                                     via_district=True)
    assert asset_status(alpha, asset) == "pending_disposal"
    with schema_context(alpha.schema_name):
        assert ApprovalStep.objects.get(pk=step.pk).status == "active"
