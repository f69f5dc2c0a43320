"""The quota pages: the bureau (district portal) and the unit (unit portal) negotiate two up,
two down through the pages, every round stays visible on both sides, a change is applied for
and answered later, and acquisitions are checked against quota minus stock on the page."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from modules.assets.models import Category, QuotaItem
from tests.conftest import BETA_HOST, DISTRICT_HOST


@pytest.fixture
def sides(alpha, make_user):
    class S:
        officer = make_user(alpha, ["assets.asset_officer"], name="王资产")
        custodian = make_user(alpha, ["assets.custodian"])
        bureau = make_user(district_roles=["district.finance_bureau"], name="李科长")
        operator = make_user(district_roles=["district.operator"])
    return S


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def inbox(user) -> list[tuple[str, str]]:
    from zhengtong.notifications.models import Notification

    with schema_context("public"):
        return list(Notification.objects.filter(recipient=user).values_list("title", "url"))


def item_of(unit, year=2027) -> QuotaItem:
    with schema_context(unit.schema_name):
        return QuotaItem.objects.select_related("asset_class").get(year=year)


def rounds_of(unit, year=2027) -> list[tuple[str, int]]:
    with schema_context(unit.schema_name):
        return list(QuotaItem.objects.get(year=year).rounds.values_list("step", "quantity"))


def test_two_up_two_down_through_the_pages(alpha, beta, make_user, sides, client_for):
    bureau = client_for(sides.bureau, DISTRICT_HOST)
    unit = client_for(sides.officer)
    assert "甲单位" in text(bureau.get("/assets/quotas/"))
    with schema_context(alpha.schema_name):
        computers = Category.objects.get(name="计算机设备")
    r = bureau.post("/assets/quotas/alpha/", {"asset_class": computers.pk, "year": 2027, "basis": "岗位38个"})
    assert r.status_code == 302
    item = item_of(alpha)
    assert item.asset_class.name == "计算机设备" and item.status == "open"

    def step(client, prefix, step, quantity="", note=""):
        client.post(f"{prefix}{item.pk}/step/", {"step": step, "quantity": quantity, "note": note})

    unit_prefix, bureau_prefix = "/m/assets/quotas/", "/assets/quotas/alpha/items/"
    step(unit, unit_prefix, "propose", 45, "新增窗口岗位")
    step(unit, unit_prefix, "return", 10, "自己下达")  # not the unit's step: refused
    assert rounds_of(alpha) == [("propose", 45)]
    # Whose turn it is hears of it: the bureau after the proposal, the unit's officer after the return.
    told = inbox(sides.bureau)
    assert len(told) == 1 and "甲单位" in told[0][0] and "计算机设备" in told[0][0]
    assert told[0][1].endswith("/assets/quotas/alpha/")
    assert inbox(sides.officer) == []
    step(bureau, bureau_prefix, "return", 40, "按岗位核定")
    told = inbox(sides.officer)
    assert len(told) == 1 and "财政局已办理" in told[0][0] and told[0][1].endswith("/m/assets/quotas/")
    step(unit, unit_prefix, "revise", 42, "含两个共享终端")
    step(bureau, bureau_prefix, "approve")  # no figure: approves the unit's revision
    done = item_of(alpha)
    assert (done.status, done.approved_quantity) == ("approved", 42)

    for page in (text(unit.get("/m/assets/quotas/")), text(bureau.get("/assets/quotas/alpha/"))):
        for seen in ("新增窗口岗位", "按岗位核定", "含两个共享终端", "王资产", "李科长", "45", "40", "42"):
            assert seen in page, seen

    # Functions change: the unit applies, the bureau answers with its own figure.
    step(unit, unit_prefix, "change", 50)  # a change needs the reason
    assert item_of(alpha).status == "approved"
    step(unit, unit_prefix, "change", 50, "新增行政审批职能")
    assert item_of(alpha).status == "change_requested"
    step(bureau, bureau_prefix, "change_approve", 46, "核增4台")
    done = item_of(alpha)
    assert (done.status, done.approved_quantity) == ("approved", 46)
    assert rounds_of(alpha) == [
        ("propose", 45), ("return", 40), ("revise", 42), ("approve", 42), ("change", 50), ("change_approve", 46)]

    # Beta's officer sees none of it; the operator, the unit officer and a custodian cannot act as the bureau.
    beta_officer = make_user(beta, ["assets.asset_officer"])
    assert "新增窗口岗位" not in text(client_for(beta_officer, BETA_HOST).get("/m/assets/quotas/"))
    assert client_for(sides.operator, DISTRICT_HOST).get("/assets/quotas/alpha/").status_code == 404
    assert client_for(sides.custodian).get("/m/assets/quotas/").status_code == 403
    client_for(sides.operator, DISTRICT_HOST).post(f"{bureau_prefix}{item.pk}/step/", {"step": "change", "note": "x",
                                                                                      "quantity": 1})
    assert len(rounds_of(alpha)) == 6


def test_acquisition_page_checks_quota_minus_stock(alpha, sides, client_for):
    from modules.assets import quotas
    from modules.assets.services import asset_register

    with schema_context(alpha.schema_name):
        printers = Category.objects.get(name="计算机设备")
        item = quotas.quota_item_open(actor=sides.bureau, asset_class=printers, year=date.today().year)
        for step, n in (("propose", 3), ("return", 3), ("revise", 3), ("approve", None)):
            quotas.quota_round_add(actor=sides.bureau if step in ("return", "approve") else sides.officer,
                                   item=item, step=step, quantity=n)
        desktops = Category.objects.get(name="台式计算机")
        asset_register(actor=sides.officer, name="台式机", original_value=Decimal("4000.00"),
                       acquired_on=date(2025, 1, 1), asset_class=desktops)
    c = client_for(sides.custodian)
    page = text(c.get("/m/assets/acquisitions/"))
    assert "计算机设备" in page  # the approved quota with stock 1 and 2 available
    r = c.post("/m/assets/acquisitions/", {"asset_class": desktops.pk, "year": date.today().year, "quantity": 3,
                                           "reason": "新进人员"})
    page = text(r)
    assert "超出配置定额" in page and "2 available" in page
    r = c.post("/m/assets/acquisitions/", {"asset_class": desktops.pk, "year": date.today().year, "quantity": 2,
                                           "reason": "新进人员"}, follow=True)
    assert "新进人员" in text(r)
    with schema_context(alpha.schema_name):
        from modules.assets.models import AcquisitionRequest
        assert list(AcquisitionRequest.objects.values_list("quantity", "status")) == [(2, "within_quota")]
