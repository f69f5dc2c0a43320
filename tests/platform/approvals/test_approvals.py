"""The approval engine, end to end through the assets skeleton's disposal (资产处置) requests:
routing by the unit's rules, the district finance bureau acting from the district portal,
the rules the engine enforces itself, delegation, deadlines, and the request's history."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.conftest import ALPHA_HOST, DISTRICT_HOST
from tests.support.approvals import DISPOSAL, asset_status, decide, inbox_titles, submit
from tests.support.pages import page_text
from zhengtong.approvals import services
from zhengtong.approvals.models import ApprovalAction, ApprovalRequest, ApprovalStep, Delegation, DistrictPendingStep
from zhengtong.audit.models import AuditEvent
from zhengtong.core.errors import Refused
from zhengtong.notifications.models import Notification

# ------------------------------------------------------------------ end to end (assets)


def test_small_disposal_is_offered_on_the_asset_page_decided_by_the_unit_head_and_disposes_the_asset(
        alpha, disposal_staff, make_asset, client_for, django_capture_on_commit_callbacks, mailoutbox):
    asset = make_asset(alpha, name="旧打印机", value="3200.00")
    officer = client_for(disposal_staff["officer"], ALPHA_HOST)
    page = page_text(officer.get(f"/m/assets/{asset.pk}/"))
    # A disposal needs its type: the panel and the generic request page lead to the card's own form.
    request_page = f"/m/assets/{asset.pk}/disposal/request/"
    assert "申请资产处置" in page and request_page in page
    assert f"/approvals/new/{DISPOSAL}/{asset.pk}/" not in page
    generic = officer.post(f"/approvals/new/{DISPOSAL}/{asset.pk}/", {"reason": "没有处置方式"})
    assert generic.status_code == 302 and generic["Location"] == request_page
    with schema_context(alpha.schema_name):
        assert not ApprovalRequest.objects.filter(subject_id=asset.pk).exists()
        with pytest.raises(ValidationError, match="处置方式"):  # the service refuses an untyped request too
            services.approval_submit(type_key=DISPOSAL, subject_id=asset.pk, actor=disposal_staff["officer"],
                                     reason="无类型")

    with django_capture_on_commit_callbacks(execute=True):
        r = officer.post(request_page, {"disposal_type": "sale", "reason": "打印机老化，维修成本高于重置成本",
                                        "version": asset.version})
    assert r.status_code == 302
    req_id = int(r["Location"].rstrip("/").split("/")[-1])
    with schema_context(alpha.schema_name):  # 3,200 < 50,000 and a sale: the unit decides
        assert list(ApprovalStep.objects.filter(request_id=req_id).values_list("key", flat=True)) == ["unit_head"]
    assert asset_status(alpha, asset) == "pending_disposal"
    # The unit heads were told, in the inbox and by mail; the requester was not.
    assert any("待您审批" in t for t in inbox_titles(disposal_staff["head"]))
    assert not inbox_titles(disposal_staff["officer"])
    assert {m.to[0] for m in mailoutbox} == {disposal_staff["head"].email, disposal_staff["deputy"].email}

    head = client_for(disposal_staff["head"], ALPHA_HOST)
    assert "旧打印机" in page_text(head.get("/approvals/"))  # waiting for them
    detail = page_text(head.get(f"/approvals/{req_id}/"))
    assert "同意" in detail or "Approve" in detail
    with schema_context(alpha.schema_name):
        step = ApprovalStep.objects.get(request_id=req_id, status="active")
    with django_capture_on_commit_callbacks(execute=True):
        r = head.post(f"/approvals/{req_id}/act/", {"action": "approve", "step": step.pk, "comment": "同意报废"})
    assert r.status_code == 302
    assert asset_status(alpha, asset) == "disposed"
    with schema_context(alpha.schema_name):
        req = ApprovalRequest.objects.get(pk=req_id)
        assert req.status == "approved"
        assert list(req.actions.values_list("kind", flat=True)) == ["submit", "approve", "complete"]
        assert AuditEvent.objects.filter(action="approvals.approve", object_id=str(req_id),
                                         actor_id=disposal_staff["head"].pk, result="success").exists()
        assert AuditEvent.objects.filter(action="assets.asset.disposal", object_id=str(asset.pk),
                                         after={"status": "disposed"}).exists()
    assert any("已审批通过" in t for t in inbox_titles(disposal_staff["officer"]))

    # The whole history on the request page and on the asset card: who, what, when, comment.
    history = page_text(officer.get(f"/approvals/{req_id}/"))
    for expected in ("王资产", "打印机老化，维修成本高于重置成本", "李局长", "同意报废", "提交了申请", "审批完成"):
        assert expected in history, expected
    card = page_text(officer.get(f"/m/assets/{asset.pk}/"))
    assert "同意报废" in card and "已处置" in card and "申请资产处置</a>" not in card


def test_large_disposal_goes_on_to_the_district_finance_bureau_acting_in_the_district_portal(
        alpha, beta, disposal_staff, make_user, make_asset, client_for):
    asset = make_asset(alpha, name="公务车", value="180000.00")
    req = submit(alpha, disposal_staff["officer"], asset)
    with schema_context(alpha.schema_name):
        assert list(req.steps.values_list("key", flat=True)) == ["unit_head", "finance_bureau"]
    decide(alpha, disposal_staff["head"], req, comment="同意，报区财政局")
    # The district step is indexed in the public schema, with its unit.
    with schema_context("public"):
        row = DistrictPendingStep.objects.get(request_id=req.pk, unit=alpha)
        assert row.role == "district.finance_bureau" and row.amount == Decimal("180000.00")

    # Beta has a request with the same id waiting for the district too: the index keeps them apart.
    beta_officer = make_user(beta, ["assets.asset_officer"], name="乙资产员")
    beta_head = make_user(beta, ["platform.unit_admin"], name="乙校长")
    beta_asset = make_asset(beta, pk=asset.pk, name="校车", value="260000.00")
    with schema_context(beta.schema_name), connection.cursor() as cur:
        cur.execute("SELECT setval(pg_get_serial_sequence('approvals_approvalrequest', 'id'), %s)", [req.pk - 1])
    beta_req = submit(beta, beta_officer, beta_asset)
    decide(beta, beta_head, beta_req)
    assert beta_req.pk == req.pk

    finance = client_for(disposal_staff["finance"], DISTRICT_HOST)
    listing = page_text(finance.get("/approvals/"))
    assert "甲单位" in listing and "乙单位" in listing and "公务车" in listing and "校车" in listing
    page = page_text(finance.get(f"/approvals/alpha/{req.pk}/"))
    assert "公务车" in page and "同意，报区财政局" in page and "李局长" in page
    with schema_context(alpha.schema_name):
        step = ApprovalStep.objects.get(request_id=req.pk, key="finance_bureau")
    r = finance.post(f"/approvals/alpha/{req.pk}/act/", {"action": "approve", "step": step.pk, "comment": "准予处置"})
    assert r.status_code == 302
    assert asset_status(alpha, asset) == "disposed"
    assert asset_status(beta, beta_asset) == "pending_disposal"  # the same id in beta is untouched
    with schema_context(alpha.schema_name):
        approve = ApprovalAction.objects.get(request_id=req.pk, step__key="finance_bureau")
        assert approve.actor_id == disposal_staff["finance"].pk and approve.via_district
    with schema_context("public"):
        assert not DistrictPendingStep.objects.filter(unit=alpha, request_id=req.pk).exists()
        assert DistrictPendingStep.objects.filter(unit=beta, request_id=beta_req.pk).exists()
    assert "周财政" in page_text(client_for(disposal_staff["officer"], ALPHA_HOST).get(f"/approvals/{req.pk}/"))

    # Someone without the district role sees nothing there and cannot act.
    outsider = client_for(make_user(district_roles=["district.hr_bureau"]), DISTRICT_HOST)
    assert "校车" not in page_text(outsider.get("/approvals/"))
    assert outsider.get(f"/approvals/beta/{beta_req.pk}/").status_code == 404


def test_the_units_rules_route_the_same_request_type_differently(alpha, disposal_staff, make_user, make_asset):
    from zhengtong.registry.registry import get_module
    from zhengtong.registry.rules import module_rules_update

    admin = make_user(alpha, ["assets.module_admin"])
    manifest = get_module("assets")
    with schema_context(alpha.schema_name):
        module_rules_update(manifest=manifest, actor=admin, values={
            **manifest.rule_defaults(), "disposal_unit_head_limit": "50000", "disposal_bureau_threshold": "100000"})
    small, middle, large = (make_asset(alpha, value=v) for v in ("49999.99", "80000.00", "100000.00"))
    routes = {}
    for asset in (small, middle, large):
        req = submit(alpha, disposal_staff["officer"], asset)
        with schema_context(alpha.schema_name):
            routes[asset.original_value] = list(req.steps.values_list("key", flat=True))
    assert routes == {Decimal("49999.99"): ["unit_head"], Decimal("80000.00"): ["unit_head", "leadership"],
                      Decimal("100000.00"): ["unit_head", "finance_bureau"]}


def test_a_committee_step_needs_n_of_m_distinct_approvers(alpha, disposal_staff, make_user, make_asset):
    third = make_user(alpha, ["platform.unit_admin"], name="钱主任")
    with schema_context(alpha.schema_name):
        services.approval_chain_update(type_key=DISPOSAL, actor=disposal_staff["head"], steps=[
            {"key": "board", "name_zh": "班子会", "role": "platform.unit_admin", "quorum": 2}])
    asset = make_asset(alpha, value="9000.00")
    req = submit(alpha, disposal_staff["officer"], asset)
    decide(alpha, disposal_staff["head"], req, comment="同意")
    with schema_context(alpha.schema_name):
        step = ApprovalStep.objects.get(request_id=req.pk)
        assert step.status == "active"  # 1 of 2
    with pytest.raises(Refused) as refused:
        decide(alpha, disposal_staff["head"], req, step=step)  # one vote per person
    assert refused.value.code == "already_voted"
    decide(alpha, third, req, comment="同意")
    with schema_context(alpha.schema_name):
        step.refresh_from_db()
        assert step.status == "approved" and step.decided_by_id == third.pk
    assert asset_status(alpha, asset) == "disposed"


# ------------------------------------------------------------------ rules the engine enforces


def test_nobody_approves_their_own_request_and_the_refusal_is_audited(alpha, disposal_staff, make_user, make_asset,
                                                                       client_for):
    both = make_user(alpha, ["platform.unit_admin", "assets.asset_officer"], name="孙兼职")
    asset = make_asset(alpha, value="1000.00")
    req = submit(alpha, both, asset)
    with pytest.raises(Refused) as refused:
        decide(alpha, both, req)
    assert refused.value.code == "own_request"
    with schema_context(alpha.schema_name):
        assert ApprovalStep.objects.get(request_id=req.pk).status == "active"
        denied = AuditEvent.objects.get(action="approvals.approve", result="denied", object_id=str(req.pk))
        assert denied.actor_id == both.pk and denied.detail == "own_request"
    # Through the page: no decision buttons, and a forged POST is refused with the reason.
    c = client_for(both, ALPHA_HOST)
    page = page_text(c.get(f"/approvals/{req.pk}/"))
    assert "不能审批本人提交的申请" in page and 'value="approve"' not in page
    with schema_context(alpha.schema_name):
        step = ApprovalStep.objects.get(request_id=req.pk)
    r = c.post(f"/approvals/{req.pk}/act/", {"action": "approve", "step": step.pk})
    assert r.status_code == 403 and "不能审批本人提交的申请" in page_text(r)
    # A delegate cannot approve for the requester either.
    with schema_context(alpha.schema_name):
        services.delegation_create(actor=both, delegate=disposal_staff["deputy"], role="platform.unit_admin",
                                   valid_from=timezone.now() - timedelta(minutes=1),
                                   valid_until=timezone.now() + timedelta(days=1))
    decide(alpha, disposal_staff["deputy"], req)  # the deputy holds the role themself: fine, as themself
    with schema_context(alpha.schema_name):
        action = ApprovalAction.objects.get(request_id=req.pk, kind="approve")
        assert action.actor_id == disposal_staff["deputy"].pk and action.on_behalf_of_id is None


def test_separation_of_duties_declared_by_the_request_type(alpha, disposal_staff, make_user, make_asset):
    # One person is the unit head and also sits in the district finance bureau.
    double = make_user(alpha, ["platform.unit_admin"], district_roles=["district.finance_bureau"], name="吴双岗")
    asset = make_asset(alpha, value="120000.00")
    req = submit(alpha, disposal_staff["officer"], asset)
    decide(alpha, double, req, comment="同意")
    with pytest.raises(Refused) as refused:
        decide(alpha, double, req)
    assert refused.value.code == "separation_of_duties" and "职责分离" in refused.value.message
    with schema_context(alpha.schema_name):
        assert AuditEvent.objects.filter(action="approvals.approve", result="denied",
                                         detail="separation_of_duties").exists()
    decide(alpha, disposal_staff["finance"], req)
    assert asset_status(alpha, asset) == "disposed"


def test_only_holders_of_the_steps_role_in_the_right_place_may_act(alpha, beta, disposal_staff, make_user, make_asset,
                                                                    client_for):
    beta_head = make_user(beta, ["platform.unit_admin"], name="乙校长")
    asset = make_asset(alpha, value="90000.00")
    req = submit(alpha, disposal_staff["officer"], asset)
    # Unit admin of another unit: not a holder in alpha.
    with pytest.raises(Refused) as refused:
        decide(alpha, beta_head, req)
    assert refused.value.code == "not_role_holder"
    assert client_for(beta_head, ALPHA_HOST).get(f"/approvals/{req.pk}/").status_code == 404
    # An asset officer of alpha does not hold the unit head's role.
    with pytest.raises(Refused):
        decide(alpha, make_user(alpha, ["assets.asset_officer"]), req)
    decide(alpha, disposal_staff["head"], req)
    # The district step: a unit admin of alpha is not the district finance bureau…
    with pytest.raises(Refused) as refused:
        decide(alpha, disposal_staff["deputy"], req)
    assert refused.value.code == "not_role_holder" and "区财政局" in refused.value.message
    # …and a member of alpha holding "district.finance_bureau" only as a name in alpha would not be
    # either: district roles count in the public schema alone.
    with schema_context(alpha.schema_name):
        assert AuditEvent.objects.filter(action="approvals.approve", result="denied").count() == 3
    decide(alpha, disposal_staff["finance"], req)
    assert asset_status(alpha, asset) == "disposed"


def test_a_second_decision_on_the_same_step_is_told_who_decided_and_when(alpha, disposal_staff, make_asset, client_for):
    asset = make_asset(alpha, value="2000.00")
    req = submit(alpha, disposal_staff["officer"], asset)
    with schema_context(alpha.schema_name):
        step = ApprovalStep.objects.get(request_id=req.pk, status="active")
    deputy_page = client_for(disposal_staff["deputy"], ALPHA_HOST)
    deputy_page.get(f"/approvals/{req.pk}/")  # the deputy opens the page…
    decide(alpha, disposal_staff["head"], req, step=step)  # …the head decides first
    r = deputy_page.post(f"/approvals/{req.pk}/act/", {"action": "reject", "step": step.pk, "comment": "不同意"})
    assert r.status_code == 409
    body = page_text(r)
    with schema_context(alpha.schema_name):
        step.refresh_from_db()
    assert "已由李局长于" in body and timezone.localtime(step.decided_at).strftime("%Y-%m-%d %H:%M") in body
    assert asset_status(alpha, asset) == "disposed"  # the late "reject" changed nothing


# ------------------------------------------------------------------ actions


def test_return_for_revision_resubmit_reject_and_withdraw(alpha, disposal_staff, make_asset, client_for):
    from modules.assets.models import Asset

    asset = make_asset(alpha, value="60000.00")
    with schema_context(alpha.schema_name):
        Asset.objects.filter(pk=asset.pk).update(status="idle")
    req = submit(alpha, disposal_staff["officer"], asset)
    with pytest.raises(ValidationError):
        decide(alpha, disposal_staff["head"], req, decision="return")  # a reason is required
    decide(alpha, disposal_staff["head"], req, decision="return", comment="请补充评估报告")
    with schema_context(alpha.schema_name):
        req.refresh_from_db()
        assert req.status == "returned"
        assert not ApprovalStep.objects.filter(request=req, status__in=["active", "waiting"]).exists()
    assert any("被退回修改" in t for t in inbox_titles(disposal_staff["officer"]))
    assert asset_status(alpha, asset) == "pending_disposal"

    officer = client_for(disposal_staff["officer"], ALPHA_HOST)
    r = officer.post(f"/approvals/{req.pk}/act/", {"action": "resubmit", "comment": "已补充评估报告"})
    assert r.status_code == 302
    with schema_context(alpha.schema_name):
        req.refresh_from_db()
        assert req.status == "pending" and req.round == 2
        assert req.steps.filter(round=2, status="active").count() == 1
    decide(alpha, disposal_staff["head"], req, decision="reject", comment="仍可使用，不予处置")
    with schema_context(alpha.schema_name):
        req.refresh_from_db()
        assert req.status == "rejected"
    assert asset_status(alpha, asset) == "idle"  # back to what it was before the request
    assert any("被驳回" in t for t in inbox_titles(disposal_staff["officer"]))

    # Withdraw: only the requester, and the asset returns to its status.
    again = submit(alpha, disposal_staff["officer"], asset)
    with pytest.raises(Refused):
        with schema_context(alpha.schema_name):
            services.approval_withdraw(request_id=again.pk, actor=disposal_staff["head"])
    r = officer.post(f"/approvals/{again.pk}/act/", {"action": "withdraw"})
    assert r.status_code == 302
    assert asset_status(alpha, asset) == "idle"
    history = page_text(officer.get(f"/approvals/{req.pk}/"))
    for expected in ("请补充评估报告", "已补充评估报告", "仍可使用，不予处置", "退回修改", "重新提交了申请", "已驳回"):
        assert expected in history, expected


def test_comments_on_any_step_appear_in_the_history(alpha, disposal_staff, make_user, make_asset, client_for):
    asset = make_asset(alpha, value="70000.00")
    req = submit(alpha, disposal_staff["officer"], asset)
    with schema_context(alpha.schema_name):
        later = ApprovalStep.objects.get(request=req, key="finance_bureau")
    r = client_for(disposal_staff["head"], ALPHA_HOST).post(f"/approvals/{req.pk}/act/", {
        "action": "comment", "step": later.pk, "comment": "请财政局关注残值评估"})
    assert r.status_code == 302
    with schema_context(alpha.schema_name):
        c = ApprovalAction.objects.get(request=req, kind="comment")
        assert c.step_id == later.pk and c.actor_id == disposal_staff["head"].pk
    # Someone with no part in the request may neither see nor comment on it.
    stranger = client_for(make_user(alpha, ["assets.custodian"]), ALPHA_HOST)
    assert stranger.post(f"/approvals/{req.pk}/act/", {"action": "comment", "comment": "x"}).status_code == 404
    assert stranger.get(f"/approvals/{req.pk}/").status_code == 404
    # Whoever may see the asset card (its custodian) follows its disposal there and on the request page.
    keeper = make_user(alpha, ["assets.custodian"], name="使用人老刘")
    kept = make_asset(alpha, value="300.00", custodian=keeper)
    kept_req = submit(alpha, disposal_staff["officer"], kept)
    keeper_client = client_for(keeper, ALPHA_HOST)
    assert "提交了申请" in page_text(keeper_client.get(f"/m/assets/{kept.pk}/"))
    assert keeper_client.get(f"/approvals/{kept_req.pk}/").status_code == 200
    officer = client_for(disposal_staff["officer"], ALPHA_HOST)
    assert "请财政局关注残值评估" in page_text(officer.get(f"/approvals/{req.pk}/"))


def test_delegation_is_time_boxed_and_shows_for_whom(alpha, disposal_staff, make_user, make_asset):
    stand_in = make_user(alpha, ["assets.custodian"], name="陈秘书")
    now = timezone.now()
    asset = make_asset(alpha, value="1500.00")
    req = submit(alpha, disposal_staff["officer"], asset)
    with pytest.raises(Refused):
        decide(alpha, stand_in, req)
    with schema_context(alpha.schema_name):
        past = services.delegation_create(actor=disposal_staff["head"], delegate=stand_in, role="platform.unit_admin",
                                          valid_from=now + timedelta(days=1), valid_until=now + timedelta(days=3))
    with pytest.raises(Refused):
        decide(alpha, stand_in, req)  # not yet in force
    with schema_context(alpha.schema_name):
        Delegation.objects.filter(pk=past.pk).update(valid_from=now - timedelta(hours=1))
    decide(alpha, stand_in, req, comment="代为审批")
    with schema_context(alpha.schema_name):
        action = ApprovalAction.objects.get(request=req, kind="approve")
        assert action.actor_id == stand_in.pk and action.on_behalf_of_id == disposal_staff["head"].pk
        assert AuditEvent.objects.filter(action="approvals.delegate", actor_id=disposal_staff["head"].pk).exists()
    # Expired, or handed out by someone who does not hold the role: no power.
    other = make_asset(alpha, value="1600.00")
    req2 = submit(alpha, disposal_staff["officer"], other)
    with schema_context(alpha.schema_name):
        Delegation.objects.filter(pk=past.pk).update(valid_from=now - timedelta(days=2),
                                                     valid_until=now - timedelta(seconds=1))
    with pytest.raises(Refused):
        decide(alpha, stand_in, req2)
    with schema_context(alpha.schema_name), pytest.raises(Refused):
        services.delegation_create(actor=disposal_staff["officer"], delegate=stand_in, role="platform.unit_admin",
                                   valid_from=now, valid_until=now + timedelta(days=1))
    with schema_context(alpha.schema_name), pytest.raises(ValidationError):
        services.delegation_create(actor=disposal_staff["head"], delegate=stand_in, role="platform.unit_admin",
                                   valid_from=now, valid_until=now + timedelta(days=400))


def test_district_roles_are_delegated_in_the_public_schema(alpha, disposal_staff, make_user, make_asset, client_for):
    colleague = make_user(district_roles=["district.operator"], name="郑科员")
    r = client_for(disposal_staff["finance"], DISTRICT_HOST).post("/approvals/delegations/", {
        "role": "district.finance_bureau", "delegate_email": colleague.email,
        "valid_from": (timezone.localtime() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
        "valid_until": (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"), "note": "出差"})
    assert r.status_code == 302
    with schema_context("public"):
        assert Delegation.objects.filter(delegator=disposal_staff["finance"], delegate=colleague).exists()
    asset = make_asset(alpha, value="75000.00")
    req = submit(alpha, disposal_staff["officer"], asset)
    decide(alpha, disposal_staff["head"], req)
    c = client_for(colleague, DISTRICT_HOST)
    assert "甲单位" in page_text(c.get("/approvals/"))
    with schema_context(alpha.schema_name):
        step = ApprovalStep.objects.get(request=req, status="active")
    assert c.post(f"/approvals/alpha/{req.pk}/act/", {"action": "approve", "step": step.pk}).status_code == 302
    assert asset_status(alpha, asset) == "disposed"
    page = page_text(client_for(disposal_staff["officer"], ALPHA_HOST).get(f"/approvals/{req.pk}/"))
    assert "郑科员" in page and "代周财政" in page


# ------------------------------------------------------------------ chains


def test_module_admins_edit_a_chain_validated_and_audited(alpha, disposal_staff, make_user, make_asset, client_for):
    admin = make_user(alpha, ["assets.module_admin"], name="资产模块管理员")
    c = client_for(admin, ALPHA_HOST)
    page = page_text(c.get(f"/approvals/chains/{DISPOSAL}/"))
    assert "单位负责人审批" in page and "@disposal_bureau_threshold" in page

    in_flight = submit(alpha, disposal_staff["officer"], make_asset(alpha, value="90000.00"))

    def post(rows):
        data = {"steps-TOTAL_FORMS": str(len(rows)), "steps-INITIAL_FORMS": "0", "steps-MIN_NUM_FORMS": "0",
                "steps-MAX_NUM_FORMS": "20"}
        for i, row in enumerate(rows):
            data.update({f"steps-{i}-{k}": v for k, v in row.items()})
            data[f"steps-{i}-ORDER"] = str(i + 1)
        return c.post(f"/approvals/chains/{DISPOSAL}/", data)

    head = {"key": "unit_head", "name_zh": "单位负责人审批", "role": "platform.unit_admin", "quorum": "1"}
    bad = post([head, {"key": "bureau", "name_zh": "财政局", "role": "district.finance_bureau",
                       "conditions": "amount >= lots"}])
    assert bad.status_code == 400 and "金额格式不正确" in page_text(bad)
    bad = post([head, {"key": "audit", "name_zh": "审计", "role": "platform.audit_admin", "quorum": "1"}])
    assert bad.status_code == 400 and '<option value="platform.audit_admin"' not in page_text(bad)  # not offered
    with schema_context(alpha.schema_name), pytest.raises(ValidationError, match="三员不参与业务审批"):
        services.approval_chain_update(type_key=DISPOSAL, actor=admin, steps=[
            {"key": "audit", "name_zh": "审计", "role": "platform.audit_admin"}])
    bad = post([head, {"key": "unit_head", "name_zh": "重复", "role": "platform.unit_admin", "quorum": "1"}])
    assert bad.status_code == 400 and "步骤代码 unit_head 重复" in page_text(bad)
    with schema_context(alpha.schema_name):
        assert not AuditEvent.objects.filter(action="approvals.chain.update").exists()

    ok = post([head, {"key": "it_check", "name_zh": "信息中心鉴定", "name_en": "IT check",
                      "role": "assets.department_head", "quorum": "1", "conditions": "category = 计算机设备",
                      "deadline_hours": "48", "escalate_to": "platform.unit_admin"},
               {"key": "finance_bureau", "name_zh": "区财政局审批", "role": "district.finance_bureau", "quorum": "1",
                "conditions": "amount >= @disposal_bureau_threshold"}])
    assert ok.status_code == 302
    with schema_context(alpha.schema_name):
        event = AuditEvent.objects.get(action="approvals.chain.update")
        assert event.actor_id == admin.pk
        assert [s["key"] for s in event.before["steps"]] == ["unit_head", "leadership", "finance_bureau",
                                                             "finance_bureau_loss"]
        assert [s["key"] for s in event.after["steps"]] == ["unit_head", "it_check", "finance_bureau"]
        assert event.after["steps"][1]["conditions"] == [{"field": "category", "op": "=", "value": "计算机设备"}]
        # The request already in approval keeps the route it was given.
        assert list(in_flight.steps.values_list("key", flat=True)) == ["unit_head", "finance_bureau"]
    pc = make_asset(alpha, value="8000.00")
    from modules.assets.models import Asset

    with schema_context(alpha.schema_name):
        Asset.objects.filter(pk=pc.pk).update(category="计算机设备")
    routed = submit(alpha, disposal_staff["officer"], pc)
    with schema_context(alpha.schema_name):
        assert list(routed.steps.values_list("key", flat=True)) == ["unit_head", "it_check"]

    # Staff cannot reach the page, nor change a chain through the service.
    assert client_for(disposal_staff["officer"], ALPHA_HOST).get(f"/approvals/chains/{DISPOSAL}/").status_code == 404
    with schema_context(alpha.schema_name), pytest.raises(Refused):
        services.approval_chain_update(type_key=DISPOSAL, actor=disposal_staff["officer"], steps=[head])
    # Back to the default.
    assert c.post(f"/approvals/chains/{DISPOSAL}/", {"reset": "1"}).status_code == 302
    with schema_context(alpha.schema_name):
        assert AuditEvent.objects.filter(action="approvals.chain.reset", actor_id=admin.pk).exists()


def test_chains_are_per_unit(alpha, beta, disposal_staff, make_user, make_asset):
    beta_officer = make_user(beta, ["assets.asset_officer"])
    with schema_context(alpha.schema_name):
        services.approval_chain_update(type_key=DISPOSAL, actor=disposal_staff["head"], steps=[
            {"key": "finance_only", "name_zh": "直报财政局", "role": "district.finance_bureau"}])
    a = submit(alpha, disposal_staff["officer"], make_asset(alpha, value="100.00"))
    b = submit(beta, beta_officer, make_asset(beta, value="100.00"))
    with schema_context(alpha.schema_name):
        assert list(a.steps.values_list("key", flat=True)) == ["finance_only"]
    with schema_context(beta.schema_name):
        assert list(b.steps.values_list("key", flat=True)) == ["unit_head"]


# ------------------------------------------------------------------ deadlines


def test_deadlines_remind_then_escalate_once(alpha, disposal_staff, make_user, make_asset, client_for):
    boss = make_user(alpha, ["assets.module_admin"], name="冯书记")
    dept = make_user(alpha, ["assets.department_head"], name="何主任")
    with schema_context(alpha.schema_name):
        services.approval_chain_update(type_key=DISPOSAL, actor=disposal_staff["head"], steps=[
            {"key": "dept", "name_zh": "部门负责人审核", "role": "assets.department_head", "deadline_hours": 48,
             "escalate_to": "assets.module_admin"}])
    req = submit(alpha, disposal_staff["officer"], make_asset(alpha, value="500.00"))
    with schema_context(alpha.schema_name):
        step = ApprovalStep.objects.get(request=req)
        start = step.activated_at
        assert step.due_at == start + timedelta(hours=48)
        assert services.deadlines_check(now=start + timedelta(hours=10)) == {"reminded": 0, "overdue": 0,
                                                                             "escalated": 0}
        with pytest.raises(Refused):
            decide(alpha, boss, req)  # not theirs before the escalation
        assert services.deadlines_check(now=start + timedelta(hours=30))["reminded"] == 1
        assert services.deadlines_check(now=start + timedelta(hours=31))["reminded"] == 0  # once
        assert services.deadlines_check(now=start + timedelta(hours=49)) == {"reminded": 0, "overdue": 1,
                                                                             "escalated": 1}
        assert services.deadlines_check(now=start + timedelta(hours=50)) == {"reminded": 0, "overdue": 0,
                                                                             "escalated": 0}
        kinds = list(req.actions.values_list("kind", flat=True))
        assert kinds == ["submit", "remind", "overdue", "escalate"]
    with schema_context("public"):
        dept_kinds = list(Notification.objects.filter(recipient=dept).values_list("kind", flat=True))
        assert sorted(dept_kinds) == ["approval_waiting", "deadline_approaching", "deadline_overdue"]
        assert Notification.objects.filter(recipient=disposal_staff["officer"], kind="deadline_overdue").count() == 1
        assert Notification.objects.filter(recipient=boss, kind="approval_waiting", title__contains="已升级").exists()
    decide(alpha, boss, req, comment="超期，由我审批")
    with schema_context(alpha.schema_name):
        req.refresh_from_db()
        assert req.status == "approved"
    page = page_text(client_for(disposal_staff["officer"], ALPHA_HOST).get(f"/approvals/{req.pk}/"))
    assert "已升级" in page and "超期，由我审批" in page


def test_conditions_read_as_written_and_route_by_facts_and_rules(alpha):
    from zhengtong.approvals.chains import format_conditions, get_type, parse_conditions, route

    manifest, atype = get_type(DISPOSAL)
    # Full-width punctuation from a Chinese input method is read too.
    conditions = parse_conditions("amount >= @disposal_bureau_threshold；category in 通用设备，专用设备", atype,
                                  manifest)
    assert conditions == [{"field": "amount", "op": ">=", "rule": "disposal_bureau_threshold"},
                          {"field": "category", "op": "in", "value": ["通用设备", "专用设备"]}]
    assert format_conditions(conditions) == "amount >= @disposal_bureau_threshold; category in 通用设备,专用设备"
    for bad in ("amount >= @idle_days_typo", "colour = red", "category >= 5", "amount in 1,2", "amount"):
        with pytest.raises(ValidationError):
            parse_conditions(bad, atype, manifest)
    steps = [{"key": "a", "conditions": []}, {"key": "big", "conditions": conditions},
             {"key": "not_land", "conditions": [{"field": "category", "op": "!=", "value": "土地"}]}]
    rules = {"disposal_bureau_threshold": Decimal("50000.00")}
    keys = lambda facts: [s["key"] for s in route(steps, facts, rules)]  # noqa: E731
    assert keys({"amount": Decimal("50000.00"), "category": "通用设备"}) == ["a", "big", "not_land"]
    assert keys({"amount": Decimal("49999.99"), "category": "通用设备"}) == ["a", "not_land"]
    assert keys({"amount": Decimal("90000"), "category": "土地"}) == ["a"]
    assert keys({"amount": Decimal("90000"), "category": ""}) == ["a"]  # no category: no conditional step
