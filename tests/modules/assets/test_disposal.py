"""Asset disposal by type (资产处置): the type is chosen on the card's request form, the unit's chain
routes by original value AND type, a technical appraisal (技术鉴定) is required per the unit's rule,
and the approved card ends disposed with its decision number and type; units stay apart."""
from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from modules.assets.models import Asset
from tests.support.documents import PDF  # noqa: E402  (uploads must be real PDFs)
from zhengtong.approvals import services as approvals
from zhengtong.approvals.models import ApprovalRequest, ApprovalStep
from zhengtong.audit.models import AuditEvent

from ...conftest import ALPHA_HOST, BETA_HOST, DISTRICT_HOST


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def attach_appraisal(client, asset):
    r = client.post(f"/files/upload/assets.appraisal/{asset.pk}/",
                    {"file": SimpleUploadedFile("技术鉴定报告.pdf", PDF),
                     "next": f"/m/assets/{asset.pk}/disposal/request/"})
    assert r.status_code == 302


def card(unit, asset):
    with schema_context(unit.schema_name):
        return Asset.objects.get(pk=asset.pk)


def route_of(unit, asset):
    with schema_context(unit.schema_name):
        req = ApprovalRequest.objects.filter(type_key="assets.disposal", subject_id=asset.pk).latest("id")
        return req, list(req.steps.order_by("position").values_list("key", flat=True))


def post_request(client, unit, asset, disposal_type, reason="设备老化，无法修复"):
    version = card(unit, asset).version
    return client.post(f"/m/assets/{asset.pk}/disposal/request/",
                       {"disposal_type": disposal_type, "reason": reason, "version": version})


def test_disposal_routes_by_value_and_by_type_on_the_units_chain(alpha, disposal_staff, make_user, make_asset,
                                                                 client_for):
    officer = client_for(disposal_staff["officer"], ALPHA_HOST)
    page = text(officer.get(f"/m/assets/{make_asset(alpha, value='100.00').pk}/"))
    assert "disposal/request/" in page  # the request form is offered on the card

    # Default chain: below 50,000 the unit decides a scrap or a sale ...
    scrap, sale_small = make_asset(alpha, value="3200.00"), make_asset(alpha, value="3200.00")
    attach_appraisal(officer, scrap)
    assert post_request(officer, alpha, scrap, "scrap").status_code == 302
    assert post_request(officer, alpha, sale_small, "sale").status_code == 302
    # ... but a loss write-off of the same value goes on to the district finance bureau,
    loss = make_asset(alpha, value="3200.00")
    attach_appraisal(officer, loss)
    assert post_request(officer, alpha, loss, "write_off").status_code == 302
    # and from 50,000 on every type does.
    sale_large = make_asset(alpha, value="80000.00")
    assert post_request(officer, alpha, sale_large, "sale").status_code == 302
    routes = {name: route_of(alpha, a)[1] for name, a in
              (("scrap", scrap), ("sale_small", sale_small), ("loss", loss), ("sale_large", sale_large))}
    assert routes == {"scrap": ["unit_head"], "sale_small": ["unit_head"],
                      "loss": ["unit_head", "finance_bureau_loss"], "sale_large": ["unit_head", "finance_bureau"]}
    req, _ = route_of(alpha, loss)
    assert req.facts["disposal_type"] == "write_off" and card(alpha, loss).status == "pending_disposal"

    # The module admin changes the unit's chain at /approvals/chains/: donations go to the leadership.
    admin = client_for(make_user(alpha, ["assets.module_admin"]), ALPHA_HOST)
    editor = text(admin.get("/approvals/chains/assets.disposal/"))
    assert "disposal_type" in editor and "finance_bureau_loss" in editor
    rows = [{"key": "unit_head", "name_zh": "单位负责人审批", "role": "platform.unit_admin", "quorum": "1"},
            {"key": "board", "name_zh": "班子会", "role": "platform.unit_admin", "quorum": "2",
             "conditions": "disposal_type in donation, transfer"},
            {"key": "finance_bureau", "name_zh": "区财政局", "role": "district.finance_bureau",
             "conditions": "amount >= @disposal_bureau_threshold"}]
    data = {"steps-TOTAL_FORMS": str(len(rows)), "steps-INITIAL_FORMS": "0", "steps-MIN_NUM_FORMS": "0",
            "steps-MAX_NUM_FORMS": "20"}
    for i, row in enumerate(rows):
        data.update({f"steps-{i}-{k}": v for k, v in row.items()})
        data[f"steps-{i}-ORDER"] = str(i + 1)
    assert admin.post("/approvals/chains/assets.disposal/", data).status_code == 302
    donation, sale, donation_large = (make_asset(alpha, value=v) for v in ("9000.00", "9000.00", "90000.00"))
    for asset, kind in ((donation, "donation"), (sale, "sale"), (donation_large, "donation")):
        assert post_request(officer, alpha, asset, kind).status_code == 302
    assert route_of(alpha, donation)[1] == ["unit_head", "board"]
    assert route_of(alpha, sale)[1] == ["unit_head"]
    assert route_of(alpha, donation_large)[1] == ["unit_head", "board", "finance_bureau"]
    # A write-off now stays in the unit: the unit's own chain, not the default, decides.
    loss2 = make_asset(alpha, value="3200.00")
    attach_appraisal(officer, loss2)
    assert post_request(officer, alpha, loss2, "write_off").status_code == 302
    assert route_of(alpha, loss2)[1] == ["unit_head"]


def test_technical_appraisal_is_required_per_the_units_rule(alpha, disposal_staff, make_user, make_asset, client_for):
    officer = client_for(disposal_staff["officer"], ALPHA_HOST)
    asset = make_asset(alpha, name="旧复印机", value="6000.00")
    form = text(officer.get(f"/m/assets/{asset.pk}/disposal/request/"))
    assert "技术鉴定" in form and "报废" in form  # the form says which types need one

    r = post_request(officer, alpha, asset, "scrap")
    assert r.status_code == 200 and "须先在资产卡片上附技术鉴定报告" in text(r)
    # Refused as a whole: no request, the card is unchanged.
    after = card(alpha, asset)
    assert (after.status, after.disposal_method) == ("in_use", "")
    with schema_context(alpha.schema_name):
        assert not ApprovalRequest.objects.filter(subject_id=asset.pk, type_key="assets.disposal").exists()

    # A sale needs none by default; the appraisal, once attached, lets the scrap through.
    attach_appraisal(officer, asset)
    assert "技术鉴定报告.pdf" in text(officer.get(f"/m/assets/{asset.pk}/disposal/request/"))
    assert post_request(officer, alpha, asset, "scrap").status_code == 302
    assert card(alpha, asset).status == "pending_disposal"
    assert post_request(officer, alpha, make_asset(alpha, value="6000.00"), "sale").status_code == 302

    # The module admin changes the rule: now sales need one and scraps do not.
    from zhengtong.registry.registry import get_module
    from zhengtong.registry.rules import module_rules_update

    manifest = get_module("assets")
    admin = make_user(alpha, ["assets.module_admin"])
    with schema_context(alpha.schema_name):
        with pytest.raises(ValidationError):
            module_rules_update(manifest=manifest, actor=admin, values={
                **manifest.rule_defaults(), "disposal_appraisal_required_for": "sale, burn"})
        module_rules_update(manifest=manifest, actor=admin, values={
            **manifest.rule_defaults(), "disposal_appraisal_required_for": "sale"})
    r = post_request(officer, alpha, make_asset(alpha, value="6000.00"), "sale")
    assert r.status_code == 200 and "技术鉴定" in text(r)
    assert post_request(officer, alpha, make_asset(alpha, value="6000.00"), "scrap").status_code == 302


def test_approved_card_ends_disposed_with_decision_number_and_type(alpha, disposal_staff, make_asset, client_for):
    officer = client_for(disposal_staff["officer"], ALPHA_HOST)
    asset = make_asset(alpha, name="公务车", value="180000.00")
    r = post_request(officer, alpha, asset, "sale", reason="车辆超过使用年限，公开拍卖")
    assert r.status_code == 302
    req, route = route_of(alpha, asset)
    assert route == ["unit_head", "finance_bureau"]
    pending = text(officer.get(f"/m/assets/{asset.pk}/"))
    assert "待处置" in pending and "出售" in pending and "disposal/request/" not in pending

    head = client_for(disposal_staff["head"], ALPHA_HOST)
    assert "公务车 · 出售" in text(head.get("/approvals/"))  # the approver sees what kind of disposal
    with schema_context(alpha.schema_name):
        step = ApprovalStep.objects.get(request_id=req.pk, status="active")
    assert head.post(f"/approvals/{req.pk}/act/", {"action": "approve", "step": step.pk,
                                                  "comment": "同意，报区财政局"}).status_code == 302
    assert card(alpha, asset).status == "pending_disposal"
    finance = client_for(disposal_staff["finance"], DISTRICT_HOST)
    with schema_context(alpha.schema_name):
        step = ApprovalStep.objects.get(request_id=req.pk, key="finance_bureau")
    assert finance.post(f"/approvals/alpha/{req.pk}/act/", {"action": "approve", "step": step.pk,
                                                           "comment": "准予出售"}).status_code == 302

    done = card(alpha, asset)
    assert (done.status, done.disposal_method, done.decision_number) == ("disposed", "sale", f"approval #{req.pk}")
    page = text(officer.get(f"/m/assets/{asset.pk}/"))
    assert "已处置" in page and f"approval #{req.pk}" in page and "出售" in page

    # Proceeds afterwards, by the asset officer; the type is the approved one and stays.
    r = officer.post(f"/m/assets/{asset.pk}/disposal/", {"method": "scrap", "proceeds": "1.00",
                                                         "version": done.version})
    assert card(alpha, asset).disposal_proceeds is None  # refused: the type was approved as a sale
    r = officer.post(f"/m/assets/{asset.pk}/disposal/", {"proceeds": "42000.00", "version": done.version})
    assert r.status_code == 302
    done = card(alpha, asset)
    assert (done.disposal_method, str(done.disposal_proceeds)) == ("sale", "42000.00")
    assert "¥42,000.00" in text(officer.get(f"/m/assets/{asset.pk}/"))
    with schema_context(alpha.schema_name):
        assert AuditEvent.objects.filter(action="assets.asset.disposal_request", object_id=str(asset.pk),
                                         actor_id=disposal_staff["officer"].pk).exists()

    # A rejected request puts the card back on the books without a type.
    other = make_asset(alpha, value="2000.00")
    assert post_request(officer, alpha, other, "donation").status_code == 302
    req, _ = route_of(alpha, other)
    with schema_context(alpha.schema_name):
        step = ApprovalStep.objects.get(request_id=req.pk, status="active")
        approvals.approval_decide(request_id=req.pk, step_id=step.pk, actor=disposal_staff["head"], decision="reject",
                                  comment="仍可使用")
    back = card(alpha, other)
    assert (back.status, back.disposal_method) == ("in_use", "")


def test_beta_cannot_request_or_approve_alphas_disposal_with_the_same_ids(
        alpha, beta, disposal_staff, make_user, make_asset, client_for):
    asset = make_asset(alpha, name="甲单位打印机", value="3000.00")
    beta_asset = make_asset(beta, pk=asset.pk, name="乙单位打印机", value="3000.00")
    beta_officer = make_user(beta, ["assets.asset_officer"], name="乙资产员")
    beta_head = make_user(beta, ["platform.unit_admin"], name="乙校长")

    # Beta's officer on alpha's host: not a member there.
    intruder = client_for(beta_officer, ALPHA_HOST)
    assert intruder.get(f"/m/assets/{asset.pk}/disposal/request/").status_code == 404
    assert post_request(intruder, alpha, asset, "sale").status_code == 404
    # An alpha member who does not hold the card cannot request it either.
    stranger = client_for(make_user(alpha, ["assets.custodian"]), ALPHA_HOST)
    assert stranger.get(f"/m/assets/{asset.pk}/disposal/request/").status_code in (403, 404)
    assert post_request(stranger, alpha, asset, "sale").status_code in (403, 404)
    # Nor through the service: refused, and the refusal stays in alpha's audit trail.
    from modules.assets import services as asset_services

    with schema_context(alpha.schema_name):
        with pytest.raises(PermissionDenied):
            asset_services.asset_disposal_request(actor=beta_officer, asset=asset.pk, disposal_type="sale",
                                                  reason="越权")
        assert AuditEvent.objects.filter(action="assets.asset.disposal_request", object_id=str(asset.pk),
                                         actor_id=beta_officer.pk, result="denied").exists()
    assert (card(alpha, asset).status, card(alpha, asset).disposal_method) == ("in_use", "")

    # On its own host beta's officer disposes of beta's card with the same id, not alpha's.
    assert post_request(client_for(beta_officer, BETA_HOST), beta, beta_asset, "sale").status_code == 302
    assert card(beta, beta_asset).status == "pending_disposal"
    assert card(alpha, asset).status == "in_use"

    # Alpha's request is not beta's head's to decide, by page or by service.
    assert post_request(client_for(disposal_staff["officer"], ALPHA_HOST), alpha, asset, "sale").status_code == 302
    req, _ = route_of(alpha, asset)
    with schema_context(alpha.schema_name):
        step = ApprovalStep.objects.get(request_id=req.pk, status="active")
    r = client_for(beta_head, ALPHA_HOST).post(f"/approvals/{req.pk}/act/",
                                               {"action": "approve", "step": step.pk, "comment": "越权"})
    assert r.status_code == 404
    with schema_context(alpha.schema_name), pytest.raises(PermissionDenied):
        approvals.approval_decide(request_id=req.pk, step_id=step.pk, actor=beta_head, decision="approve")
    assert card(alpha, asset).status == "pending_disposal"
    assert card(beta, beta_asset).status == "pending_disposal"
