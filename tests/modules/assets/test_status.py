"""Status changes of asset cards: one service records the day, the reason and the decision,
checks the version and the permission, and is audited."""
from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_tenants.utils import schema_context

from modules.assets import services
from modules.assets.models import Asset
from zhengtong.audit.models import AuditEvent


def test_status_set_records_day_reason_and_audit(alpha, make_user, make_asset):
    holder = make_user(alpha, ["assets.custodian"])
    other = make_user(alpha, ["assets.custodian"])
    asset = make_asset(alpha, custodian=holder)
    with schema_context(alpha.schema_name):
        Asset.objects.filter(pk=asset.pk).update(status_changed_on=date(2024, 1, 15))
        with pytest.raises(PermissionDenied):  # not the holder
            services.asset_status_set(actor=other, asset=asset, status="repair")
        with pytest.raises(ValidationError):  # disposal needs the approval
            services.asset_status_set(actor=holder, asset=asset, status="disposed")
        with pytest.raises(services.AssetChangedElsewhere):
            services.asset_status_set(actor=holder, asset=asset, status="repair", expected_version=asset.version + 1)
        changed = services.asset_status_set(actor=holder, asset=asset, status="repair", reason="主板故障",
                                            expected_version=asset.version)
        assert (changed.status, changed.status_changed_on, changed.status_reason) == (
            "repair", timezone.localdate(), "主板故障")
        assert changed.version == asset.version + 1
        event = AuditEvent.objects.get(action="assets.asset.status", object_id=str(asset.pk))
        assert (event.before, event.after, event.actor_id) == ({"status": "in_use"}, {"status": "repair"}, holder.pk)
        # Same status again: nothing changes, nothing is recorded.
        services.asset_status_set(actor=holder, asset=asset, status="repair")
        assert AuditEvent.objects.filter(action="assets.asset.status", object_id=str(asset.pk)).count() == 1


def test_status_set_with_authority_and_decision_number(alpha, make_user, make_asset):
    bureau = make_user(district_roles=["district.finance_bureau"])
    asset = make_asset(alpha)
    with schema_context(alpha.schema_name):
        done = services.asset_status_set(actor=bureau, asset=asset.pk, status="disposed",
                                         decision_number="测财资〔2026〕12号", authority="approval #7")
        assert (done.status, done.decision_number) == ("disposed", "测财资〔2026〕12号")
        assert "approval #7" in AuditEvent.objects.get(action="assets.asset.status", object_id=str(asset.pk)).detail
        with pytest.raises(ValidationError):
            services.asset_status_set(actor=bureau, asset=asset, status="nonsense", authority="x")


def test_registered_card_is_in_use_since_acquisition(alpha, make_user):
    officer = make_user(alpha, ["assets.asset_officer"])
    with schema_context(alpha.schema_name):
        asset = services.asset_register(actor=officer, name="打印机", original_value="2000.00",
                                        acquired_on=date(2025, 3, 2))
        assert asset.status_changed_on == date(2025, 3, 2)


def test_officer_records_the_disposal_method_and_proceeds_once_approved(alpha, make_user, make_asset, client_for):
    officer = make_user(alpha, ["assets.asset_officer"])
    holder = make_user(alpha, ["assets.custodian"])
    asset = make_asset(alpha, name="旧公务车", value="180000.00", custodian=holder)
    c = client_for(officer)
    c.post(f"/m/assets/{asset.pk}/disposal/", {"method": "sale", "proceeds": "12000.50", "version": 1})
    with schema_context(alpha.schema_name):
        assert Asset.objects.get(pk=asset.pk).disposal_method == ""  # not disposed yet: refused
        services.asset_status_set(actor=officer, asset=asset, status="disposed", authority="approval #1",
                                  decision_number="测财资〔2026〕3号")
        with pytest.raises(PermissionDenied):  # the custodian does not record it
            services.asset_disposal_record(actor=holder, asset=asset, method="sale", proceeds=None)
    version = 2
    r = c.post(f"/m/assets/{asset.pk}/disposal/", {"method": "sale", "proceeds": "12000.50", "version": version})
    assert r.status_code == 302
    page = c.get(f"/m/assets/{asset.pk}/").content.decode()
    assert "¥12,000.50" in page and "测财资〔2026〕3号" in page
    with schema_context(alpha.schema_name):
        done = Asset.objects.get(pk=asset.pk)
        assert (done.disposal_method, str(done.disposal_proceeds)) == ("sale", "12000.50")
        assert AuditEvent.objects.filter(action="assets.asset.disposal_record", object_id=str(asset.pk),
                                         actor_id=officer.pk).exists()
