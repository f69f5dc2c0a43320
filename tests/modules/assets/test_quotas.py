"""Allocation quotas: the "two up, two down" negotiation keeps every round, and an
acquisition over quota minus current stock is refused or routed to the finance bureau."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import schema_context

from modules.assets import quotas
from modules.assets.models import AcquisitionRequest, Category, QuotaItem, QuotaRound


@pytest.fixture
def sides(alpha, make_user):
    class S:
        officer = make_user(alpha, ["assets.asset_officer"])
        admin = make_user(alpha, ["platform.unit_admin"])
        bureau = make_user(district_roles=["district.finance_bureau"])
        custodian = make_user(alpha, ["assets.custodian"])
    return S


def _approved_quota(unit, sides, class_name, figure, year=2026):
    with schema_context(unit.schema_name):
        item = quotas.quota_item_open(actor=sides.bureau, asset_class=Category.objects.get(name=class_name),
                                      year=year, basis="按职能与岗位")
        quotas.quota_round_add(actor=sides.officer, item=item, step="propose", quantity=figure)
        quotas.quota_round_add(actor=sides.bureau, item=item, step="return", quantity=figure)
        quotas.quota_round_add(actor=sides.officer, item=item, step="revise", quantity=figure)
        quotas.quota_round_add(actor=sides.bureau, item=item, step="approve")
        return item


def test_two_up_two_down_keeps_every_round(alpha, sides):
    with schema_context(alpha.schema_name):
        computers = Category.objects.get(name="计算机设备")
        with pytest.raises(PermissionDenied):  # the unit cannot set its own quota
            quotas.quota_item_open(actor=sides.officer, asset_class=computers, year=2026)
        item = quotas.quota_item_open(actor=sides.bureau, asset_class=computers, year=2026,
                                      basis="编制内岗位 38 个，另设共享终端")
        quotas.quota_round_add(actor=sides.officer, item=item, step="propose", quantity=45, note="新增窗口岗位")
        with pytest.raises(ValidationError):  # out of turn: the unit cannot revise before the bureau returns
            quotas.quota_round_add(actor=sides.officer, item=item, step="revise", quantity=44)
        with pytest.raises(PermissionDenied):  # only the bureau returns figures
            quotas.quota_round_add(actor=sides.admin, item=item, step="return", quantity=40)
        quotas.quota_round_add(actor=sides.bureau, item=item, step="return", quantity=40, note="按岗位核定")
        quotas.quota_round_add(actor=sides.officer, item=item, step="revise", quantity=42, note="含两个共享终端")
        with pytest.raises(PermissionDenied):  # the unit cannot approve its own revision
            quotas.quota_round_add(actor=sides.officer, item=item, step="approve")
        quotas.quota_round_add(actor=sides.bureau, item=item, step="approve")  # the revised figure
        item.refresh_from_db()
        assert (item.status, item.approved_quantity) == (QuotaItem.Status.APPROVED, 42)
        rounds = list(item.rounds.values_list("number", "step", "quantity", "by_id"))
        assert rounds == [(1, "propose", 45, sides.officer.pk), (2, "return", 40, sides.bureau.pk),
                          (3, "revise", 42, sides.officer.pk), (4, "approve", 42, sides.bureau.pk)]
        assert item.rounds.get(number=2).note == "按岗位核定"
        with pytest.raises(ValidationError):  # approved: no fifth round
            quotas.quota_round_add(actor=sides.bureau, item=item, step="approve", quantity=50)
        assert QuotaRound.objects.filter(item=item).count() == 4


def _cards(unit, sides, class_name, n):
    from modules.assets.services import asset_register

    with schema_context(unit.schema_name):
        cls = Category.objects.get(name=class_name)
        for _ in range(n):
            asset_register(actor=sides.officer, name=class_name, original_value=Decimal("5000.00"),
                           acquired_on=date(2025, 3, 1), asset_class=cls)


def test_an_over_quota_acquisition_is_refused_and_the_refusal_audited(alpha, beta, sides):
    from zhengtong.audit.models import AuditEvent

    _approved_quota(alpha, sides, "计算机设备", 3)  # covers desktops and laptops below it
    _cards(alpha, sides, "台式计算机", 1)
    _cards(alpha, sides, "便携式计算机", 1)
    with schema_context(alpha.schema_name):
        desktops = Category.objects.get(name="台式计算机")
        with pytest.raises(ValidationError) as refused:
            quotas.acquisition_request(actor=sides.officer, asset_class=desktops, year=2026, quantity=2)
        assert "超出配置定额" in refused.value.messages[0] and "1 available" in refused.value.messages[0]
        assert not AcquisitionRequest.objects.exists()
        assert AuditEvent.objects.filter(action="assets.acquisition.over_quota",
                                         result=AuditEvent.Result.DENIED).exists()
        ok = quotas.acquisition_request(actor=sides.officer, asset_class=desktops, year=2026, quantity=1)
        assert ok.status == AcquisitionRequest.Status.WITHIN_QUOTA and (ok.quota, ok.stock) == (3, Decimal("2"))
        # A class without an approved quota needs the bureau: refused under the default policy.
        with pytest.raises(ValidationError):
            quotas.acquisition_request(actor=sides.officer, asset_class=Category.objects.get(name="载客汽车"),
                                       year=2026, quantity=1)
    # Beta's stock and quotas are its own: the same class there has no quota.
    with schema_context(beta.schema_name):
        assert quotas.governing_quota(Category.objects.get(name="台式计算机"), 2026) is None


def test_under_the_justify_policy_an_over_quota_request_goes_to_the_bureau(alpha, sides):
    from zhengtong.registry.registry import get_module
    from zhengtong.registry.rules import module_rules_update, rules_for

    _approved_quota(alpha, sides, "车辆", 1)
    _cards(alpha, sides, "载客汽车", 1)
    with schema_context(alpha.schema_name):
        manifest = get_module("assets")
        module_rules_update(manifest=manifest, values={**rules_for(manifest), "over_quota_policy": "justify"},
                            actor=sides.admin)
        cars = Category.objects.get(name="载客汽车")
        with pytest.raises(ValidationError) as no_reason:
            quotas.acquisition_request(actor=sides.officer, asset_class=cars, year=2026, quantity=1)
        assert "justification" in no_reason.value.messages[0]
        req = quotas.acquisition_request(actor=sides.officer, asset_class=cars, year=2026, quantity=1,
                                         justification="新增执法任务，需应急用车")
        assert req.status == AcquisitionRequest.Status.BUREAU_REVIEW
        with pytest.raises(PermissionDenied):  # the unit cannot wave its own request through
            quotas.acquisition_decide(actor=sides.admin, request=req, approve=True)
        quotas.acquisition_decide(actor=sides.bureau, request=req, approve=True, note="同意，纳入下年预算")
        req.refresh_from_db()
        assert req.status == AcquisitionRequest.Status.APPROVED and req.decided_by_id == sides.bureau.pk
