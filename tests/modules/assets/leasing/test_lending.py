"""Lending and renting (出租出借): the request goes through the approval chain routed by value,
the card shows who has the asset until when, income is recorded, the contract text is filed
with the bureau (who sees figures and counterparty only), expiry warnings come once per
threshold, and the return ends it. Units never see each other's contracts."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from modules.assets.leasing import selectors, services
from modules.assets.leasing.models import LeaseContract
from modules.assets.models import Asset
from tests.conftest import ALPHA_HOST, BETA_HOST, DISTRICT_HOST
from tests.support.documents import PDF  # noqa: E402  (uploads must be real PDFs)
from tests.support.lending import active_lease, lease_decide, lease_request, lease_state, lease_submit
from zhengtong.notifications.models import Notification


def test_small_value_needs_the_unit_head_only_and_the_card_shows_the_renter(alpha, staff, make_asset, client_for):
    asset = make_asset(alpha, name="临街门面", value="8000.00")
    contract = lease_request(alpha, staff["officer"], asset)
    req = lease_submit(alpha, staff["officer"], contract)
    with schema_context(alpha.schema_name):
        assert list(req.steps.values_list("key", flat=True)) == ["unit_head"]
    assert lease_state(alpha, contract) == ("in_approval", "in_use")  # nothing goes out before approval
    lease_decide(alpha, staff["head"], req)
    assert lease_state(alpha, contract) == ("active", "rented")
    card = client_for(staff["officer"], ALPHA_HOST).get(f"/m/assets/{asset.pk}/").content.decode()
    until = contract.term_end.strftime("%Y-%m-%d")
    assert "某某餐饮公司" in card and until in card


def test_large_value_goes_on_to_the_bureau_by_the_units_threshold(alpha, staff, make_asset):
    from modules.assets.manifest import MANIFEST
    from zhengtong.registry.rules import module_rules_update, rules_for

    asset = make_asset(alpha, name="办公楼一层", value="300000.00")
    contract = lease_request(alpha, staff["officer"], asset)
    req = lease_submit(alpha, staff["officer"], contract)
    with schema_context(alpha.schema_name):
        assert list(req.steps.values_list("key", flat=True)) == ["unit_head", "finance_bureau"]
    lease_decide(alpha, staff["head"], req)
    assert lease_state(alpha, contract) == ("in_approval", "in_use")  # waiting for the bureau
    lease_decide(alpha, staff["bureau"], req, district=True)
    assert lease_state(alpha, contract) == ("active", "rented")

    # A unit raising its threshold keeps the same asset with the unit head only.
    other = make_asset(alpha, name="办公楼二层", value="300000.00")
    with schema_context(alpha.schema_name):
        module_rules_update(manifest=MANIFEST, actor=staff["head"],
                            values={**rules_for(MANIFEST), "lending_bureau_threshold": Decimal("500000.00")})
    req2 = lease_submit(alpha, staff["officer"], lease_request(alpha, staff["officer"], other))
    with schema_context(alpha.schema_name):
        assert list(req2.steps.values_list("key", flat=True)) == ["unit_head"]


def test_rejected_request_leaves_the_asset_as_it_was(alpha, staff, make_asset):
    asset = make_asset(alpha, name="会议室", value="8000.00")
    contract = lease_request(alpha, staff["officer"], asset, kind="lend", rent="0")
    lease_decide(alpha, staff["head"], lease_submit(alpha, staff["officer"], contract), decision="reject",
            comment="对方资质不符")
    assert lease_state(alpha, contract) == ("rejected", "in_use")
    with schema_context(alpha.schema_name), pytest.raises(ValidationError):  # lending is free of charge
        services.lease_request_create(actor=staff["officer"], asset=asset, kind="lend", counterparty="某协会",
                                      term_start=date(2026, 1, 1), term_end=date(2026, 6, 30), rent=Decimal("10"))


def test_income_return_and_the_units_income_for_a_period(alpha, beta, staff, make_asset):
    asset, contract = active_lease(alpha, staff, make_asset, start=date(2026, 1, 1))
    with schema_context(alpha.schema_name):
        services.lease_income_record(actor=staff["officer"], contract=contract, received_on=date(2026, 1, 5),
                                     amount=Decimal("6000.00"), note="一季度")
        services.lease_income_record(actor=staff["officer"], contract=contract, received_on=date(2026, 4, 3),
                                     amount=Decimal("6000.00"), note="二季度")
        with pytest.raises(PermissionDenied):
            services.lease_income_record(actor=staff["custodian"], contract=contract, received_on=date(2026, 4, 3),
                                         amount=Decimal("1.00"))
    assert selectors.lending_income(alpha.schema_name, date(2026, 1, 1), date(2026, 3, 31)) == Decimal("6000.00")
    assert selectors.lending_income(alpha.schema_name, date(2026, 1, 1), date(2026, 12, 31)) == Decimal("12000.00")
    assert selectors.lending_income(beta.schema_name, date(2026, 1, 1), date(2026, 12, 31)) == Decimal("0.00")
    by_unit = selectors.lending_income_by_unit([alpha, beta], date(2026, 1, 1), date(2026, 12, 31))
    assert by_unit == {alpha.pk: Decimal("12000.00"), beta.pk: Decimal("0.00")}
    with schema_context(alpha.schema_name):
        services.lease_return(actor=staff["officer"], contract=contract, returned_on=date(2026, 6, 30))
        c = LeaseContract.objects.get(pk=contract.pk)
        assert (c.status, c.returned_on, c.asset.status) == ("returned", date(2026, 6, 30), Asset.Status.IN_USE)
        assert selectors.active_contract_for_card(asset) is None


def _inbox(user):
    with schema_context("public"):
        return list(Notification.objects.filter(recipient=user, title__contains="到期").values_list("title", flat=True))


def test_expiry_warnings_come_once_per_threshold(alpha, staff, make_asset):
    today = date(2026, 5, 1)
    _asset, contract = active_lease(alpha, staff, make_asset, start=date(2026, 1, 1), days=150)  # ends 2026-05-31
    with schema_context(alpha.schema_name):
        assert services.expiry_warnings_issue(today=today - timedelta(days=5)) == 0  # 35 days left
        assert services.expiry_warnings_issue(today=today) == 1  # 30 days left
        assert services.expiry_warnings_issue(today=today) == 0  # rerun: nothing new
        assert services.expiry_warnings_issue(today=today + timedelta(days=10)) == 0  # 20 days: nothing new
        assert services.expiry_warnings_issue(today=date(2026, 5, 25)) == 1  # 6 days left: the 7-day warning
        assert services.expiry_warnings_issue(today=date(2026, 5, 26)) == 0
    titles = _inbox(staff["officer"])
    assert len(titles) == 2 and all("2026-05-31" in t for t in titles)
    assert len(_inbox(staff["head"])) == 2

    # First seen late (5 days before the end): one warning, not two.
    _a2, late = active_lease(alpha, staff, make_asset, start=date(2026, 1, 1), days=120)  # ends 2026-05-01
    with schema_context(alpha.schema_name):
        assert services.expiry_warnings_issue(today=date(2026, 4, 26)) == 1
        assert LeaseContract.objects.get(pk=late.pk).expiry_warned == [7, 30]
        assert services.expiry_warnings_issue(today=date(2026, 4, 27)) == 0

    # Past its end and not returned: one overdue warning, however often the job runs.
    with schema_context(alpha.schema_name):
        assert services.expiry_warnings_issue(today=date(2026, 5, 2)) == 1
        assert services.expiry_warnings_issue(today=date(2026, 5, 3)) == 0
    with schema_context("public"):
        overdue = list(Notification.objects.filter(recipient=staff["officer"], kind="deadline_overdue")
                       .values_list("title", flat=True))
    assert len(overdue) == 1 and "已于2026-05-01到期" in overdue[0]


def test_filing_with_the_bureau_and_the_district_page(alpha, beta, staff, make_asset, client_for):
    from modules.assets.leasing.attachments import CONTRACT_TEXT
    from zhengtong.files.services import attachment_add

    _asset, contract = active_lease(alpha, staff, make_asset, counterparty="甲方承租人LTD")
    with schema_context(alpha.schema_name):
        with pytest.raises(ValidationError):  # the contract text first
            services.lease_file_with_bureau(actor=staff["officer"], contract=contract)
        attachment_add(actor=staff["officer"], owner=contract, use=CONTRACT_TEXT,
                       upload=SimpleUploadedFile("合同.pdf", PDF, content_type="application/pdf"))
        services.lease_file_with_bureau(actor=staff["officer"], contract=contract)
    _b_asset, b_contract = active_lease(beta, {**staff, "officer": staff["officer_b"],
                                          "head": staff["head_b"]}, make_asset, counterparty="乙方未备案")
    page = client_for(staff["bureau"], DISTRICT_HOST).get("/assets/lending/")
    html = page.content.decode()
    assert page.status_code == 200 and "甲方承租人LTD" in html and "¥24,000.00" in html
    assert "乙方未备案" not in html  # not filed: the bureau does not see it
    assert client_for(staff["officer"], DISTRICT_HOST).get("/assets/lending/").status_code == 404


def test_units_never_reach_each_others_contracts(alpha, beta, staff, make_asset, client_for):
    _asset, contract = active_lease(alpha, staff, make_asset, counterparty="甲单位承租方")
    # Beta's officer: on beta's host the id is not theirs; alpha's host refuses them.
    assert client_for(staff["officer_b"], BETA_HOST).get(f"/m/assets/lending/{contract.pk}/").status_code == 404
    assert client_for(staff["officer_b"], ALPHA_HOST).get(f"/m/assets/lending/{contract.pk}/").status_code in (403, 404)
    resp = client_for(staff["officer_b"], BETA_HOST).post(f"/m/assets/lending/{contract.pk}/return/")
    assert resp.status_code == 404
    assert lease_state(alpha, contract) == ("active", "rented")
    listing = client_for(staff["officer_b"], BETA_HOST).get("/m/assets/lending/").content.decode()
    assert "甲单位承租方" not in listing
    # A custodian of alpha without the lending permission does not see the register.
    assert client_for(staff["custodian"], ALPHA_HOST).get("/m/assets/lending/").status_code == 403
    assert "甲单位承租方" in client_for(staff["officer"], ALPHA_HOST).get("/m/assets/lending/").content.decode()


def test_the_officer_requests_through_the_page_and_the_head_opens_it(alpha, staff, make_asset, client_for):
    asset = make_asset(alpha, name="礼堂", value="9000.00")
    officer = client_for(staff["officer"], ALPHA_HOST)
    assert "礼堂" in officer.get(f"/m/assets/lending/new/?asset={asset.pk}").content.decode()
    resp = officer.post("/m/assets/lending/new/", {
        "asset": asset.pk, "kind": "rent", "counterparty": "文化公司", "term_start": "2026-07-01",
        "term_end": "2026-12-31", "rent": "12000.00", "contract_number": ""})
    assert resp.status_code == 302
    with schema_context(alpha.schema_name):
        contract = LeaseContract.objects.get(asset_id=asset.pk)
    assert (contract.counterparty, contract.rent, contract.status) == ("文化公司", Decimal("12000.00"), "draft")
    # The term must end after it starts: the form says so and nothing is saved.
    bad = officer.post("/m/assets/lending/new/", {
        "asset": asset.pk, "kind": "rent", "counterparty": "另一公司", "term_start": "2026-07-01",
        "term_end": "2026-06-01", "rent": "1.00"})
    assert bad.status_code == 200
    with schema_context(alpha.schema_name):
        assert LeaseContract.objects.filter(asset_id=asset.pk).count() == 1
    # The unit head, who approves, opens the request; a custodian may not create one.
    head_page = client_for(staff["head"], ALPHA_HOST).get(f"/m/assets/lending/{contract.pk}/")
    assert head_page.status_code == 200 and "文化公司" in head_page.content.decode()
    assert client_for(staff["custodian"], ALPHA_HOST).get("/m/assets/lending/new/").status_code == 403
    assert client_for(staff["custodian"], ALPHA_HOST).get(f"/m/assets/lending/{contract.pk}/").status_code == 404
