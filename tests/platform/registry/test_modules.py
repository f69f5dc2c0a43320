"""Modules plug in through the registry: gating per unit, rules edited on a generated
form and every change audited."""
from django_tenants.utils import schema_context

from tenants.services import unit_module_set
from tests.conftest import ALPHA_HOST
from zhengtong.audit.models import AuditEvent
from zhengtong.registry.registry import get_module
from zhengtong.registry.rules import rules_for


def test_disabled_module_is_hidden_and_404_but_keeps_data(alpha, make_user, make_asset, client_for, operator):
    officer = make_user(alpha, ["assets.asset_officer", "assets.module_admin"])
    asset = make_asset(alpha, name="保留的资产")
    c = client_for(officer, ALPHA_HOST)
    assert "资产卡片" in c.get("/").content.decode()
    unit_module_set(unit=alpha, module_key="assets", enabled=False, actor=operator)
    alpha.refresh_from_db()
    for path in ("/m/assets/", f"/m/assets/{asset.pk}/", "/m/assets/new/", "/modules/assets/rules/"):
        assert c.get(path).status_code == 404, path
    home = c.get("/").content.decode()
    assert "资产卡片" not in home
    with schema_context(alpha.schema_name):
        from modules.assets.models import Asset

        assert Asset.objects.filter(name="保留的资产").exists()
    unit_module_set(unit=alpha, module_key="assets", enabled=True, actor=operator)
    assert "保留的资产" in c.get(f"/m/assets/{asset.pk}/").content.decode()
    with schema_context("public"):
        actions = list(AuditEvent.objects.filter(action="unit.module").values_list("after", flat=True)[:2])
    assert actions == [{"assets": True}, {"assets": False}]


def test_rules_form_validates_and_audits_changes(alpha, make_user, client_for):
    admin = make_user(alpha, ["assets.module_admin"])
    c = client_for(admin, ALPHA_HOST)
    page = c.get("/modules/assets/rules/").content.decode()
    assert "闲置认定天数" in page and "180" in page
    # out of range → error shown, nothing stored
    r = c.post("/modules/assets/rules/", {"disposal_unit_head_limit": "50000", "disposal_bureau_threshold": "50000",
                                          "idle_after_days": "5", "stocktake_notice_days": "7",
                                          "contract_expiry_warning_days": "30,7", "over_quota_policy": "refuse",
                                          "lending_bureau_threshold": "50000",
                                          "disposal_appraisal_required_for": "scrap, write_off"})
    assert r.status_code == 200 and "has-error" in r.content.decode()
    # cross-field rule from the manifest
    r = c.post("/modules/assets/rules/", {"disposal_unit_head_limit": "80000", "disposal_bureau_threshold": "50000",
                                          "idle_after_days": "200", "stocktake_notice_days": "7",
                                          "contract_expiry_warning_days": "30,7", "over_quota_policy": "refuse",
                                          "lending_bureau_threshold": "50000",
                                          "disposal_appraisal_required_for": "scrap, write_off"})
    assert r.status_code == 200 and "不能低于" in r.content.decode()
    with schema_context(alpha.schema_name):
        assert rules_for(get_module("assets"))["idle_after_days"] == 180
    r = c.post("/modules/assets/rules/", {"disposal_unit_head_limit": "50000", "disposal_bureau_threshold": "100000",
                                          "idle_after_days": "200", "stocktake_notice_days": "10",
                                          "contract_expiry_warning_days": "60，30,7", "over_quota_policy": "justify",
                                          "lending_bureau_threshold": "50000",
                                          "disposal_appraisal_required_for": "scrap, write_off"})
    assert r.status_code == 302
    with schema_context(alpha.schema_name):
        rules = rules_for(get_module("assets"))
        assert rules["idle_after_days"] == 200 and rules["contract_expiry_warning_days"] == [60, 30, 7]
        event = AuditEvent.objects.filter(action="rules.update").first()
    assert event.actor_id == admin.pk
    assert event.before == {"idle_after_days": 180, "stocktake_notice_days": 7,
                            "disposal_bureau_threshold": "50000.00", "contract_expiry_warning_days": [30, 7],
                            "over_quota_policy": "refuse"}
    assert event.after["idle_after_days"] == 200 and event.after["over_quota_policy"] == "justify"
    # the change history is on the page
    assert "200" in c.get("/modules/assets/rules/").content.decode()


def test_rules_only_for_module_admins(alpha, make_user, client_for):
    staff = make_user(alpha, ["assets.asset_officer"])
    assert client_for(staff).get("/modules/assets/rules/").status_code == 403
    assert client_for(staff).post("/modules/assets/rules/", {"idle_after_days": "400"}).status_code == 403


def test_rules_of_one_unit_do_not_touch_another(alpha, beta, make_user):
    from zhengtong.registry.rules import module_rules_update

    admin = make_user(alpha, ["assets.module_admin"])
    manifest = get_module("assets")
    values = {**manifest.rule_defaults(), "idle_after_days": 365}
    with schema_context(alpha.schema_name):
        module_rules_update(manifest=manifest, values=values, actor=admin)
    with schema_context(beta.schema_name):
        assert rules_for(manifest)["idle_after_days"] == 180


def test_three_administrators_are_exclusive(alpha, make_user):
    import pytest
    from django.core.exceptions import ValidationError

    from zhengtong.accounts.services import member_roles_set

    user = make_user(alpha, ["platform.system_admin"])
    with pytest.raises(ValidationError, match="三员"):
        member_roles_set(unit=alpha, user=user, role_keys=["platform.system_admin", "platform.audit_admin"],
                         actor=None, enforce_grantor=False)


def test_nobody_grants_roles_to_themselves(alpha, make_user, client_for):
    sec = make_user(alpha, ["platform.security_admin"])
    r = client_for(sec).post(f"/members/{sec.pk}/roles/", {"role_keys": ["platform.security_admin",
                                                                         "assets.asset_officer"]})
    assert r.status_code == 200
    with schema_context(alpha.schema_name):
        sec.__dict__.pop("_tenant_cache", None)
        assert sec.role_keys == {"platform.security_admin"}
        assert AuditEvent.objects.filter(action="role.grant", result="denied", object_id=str(sec.pk)).exists()


def test_unit_admin_grants_roles_and_it_is_audited(alpha, make_user, client_for):
    admin = make_user(alpha, ["platform.unit_admin"])
    member = make_user(alpha, [])
    r = client_for(admin).post(f"/members/{member.pk}/roles/", {"role_keys": ["assets.custodian"]})
    assert r.status_code == 302
    with schema_context(alpha.schema_name):
        event = AuditEvent.objects.filter(action="role.change", object_id=str(member.pk)).first()
    assert event.before == {"roles": []} and event.after == {"roles": ["assets.custodian"]}
    assert event.actor_id == admin.pk


def test_portal_is_chinese_by_default_and_english_on_request(alpha, make_user, client_for):
    user = make_user(alpha, ["assets.asset_officer"])
    c = client_for(user, ALPHA_HOST)
    body = c.get("/m/assets/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "资产卡片" in body and "Asset cards" not in body
    c.post("/i18n/setlang/", {"language": "en", "next": "/m/assets/"})
    body = c.get("/m/assets/").content.decode()
    assert "Asset cards" in body and "资产卡片" not in body
