"""Annual asset budget declaration (资产配置预算): the unit declares planned acquisitions,
the bureau sees each line next to stock and quota and answers line by line; the unit reads
the opinion; nothing changes after submission; other units and roles see nothing."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from modules.assets import quotas
from modules.assets.models import BudgetDeclaration, BudgetLine, Category
from modules.assets.services import asset_register
from tests.conftest import BETA_HOST, DISTRICT_HOST


@pytest.fixture
def sides(alpha, make_user):
    class S:
        officer = make_user(alpha, ["assets.asset_officer"])
        custodian = make_user(alpha, ["assets.custodian"])
        bureau = make_user(district_roles=["district.finance_bureau"])
        operator = make_user(district_roles=["district.operator"])
    return S


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_declare_review_and_read_the_opinion(alpha, beta, make_user, sides, client_for):
    year = date.today().year + 1
    with schema_context(alpha.schema_name):
        computers = Category.objects.get(name="计算机设备")
        desktops = Category.objects.get(name="台式计算机")
        cars = Category.objects.get(name="载客汽车")
        item = quotas.quota_item_open(actor=sides.bureau, asset_class=computers, year=year)
        for step, n in (("propose", 10), ("return", 8), ("revise", 8), ("approve", None)):
            quotas.quota_round_add(actor=sides.bureau if step in ("return", "approve") else sides.officer,
                                   item=item, step=step, quantity=n)
        for _ in range(5):
            asset_register(actor=sides.officer, name="台式机", original_value=Decimal("4000.00"),
                           acquired_on=date(2024, 5, 1), asset_class=desktops)
    unit = client_for(sides.officer)
    r = unit.post("/m/assets/budget/", {"year": year})
    assert r.status_code == 302
    unit.post(f"/m/assets/budget/{year}/", {"asset_class": desktops.pk, "quantity": 4, "unit_price": "5200.00",
                                            "reason": "更新老旧终端"})
    unit.post(f"/m/assets/budget/{year}/", {"asset_class": cars.pk, "quantity": 1, "unit_price": "180000.00",
                                            "reason": "执法用车"})
    page = text(unit.get(f"/m/assets/budget/{year}/"))
    assert "更新老旧终端" in page and "¥200,800.00" in page  # 4 × 5,200 + 180,000
    unit.post(f"/m/assets/budget/{year}/", {"submit": "1"})
    with schema_context(alpha.schema_name):
        declaration = BudgetDeclaration.objects.get(year=year)
        assert declaration.status == "submitted"
        lines = {x.asset_class.name: x for x in declaration.lines.select_related("asset_class")}
        assert (lines["台式计算机"].stock_at_submission, lines["台式计算机"].quota_at_submission) == (Decimal("5"), 8)
        assert lines["载客汽车"].quota_at_submission is None
    # Submitted: the unit can no longer add lines.
    unit.post(f"/m/assets/budget/{year}/", {"asset_class": cars.pk, "quantity": 9, "unit_price": "1.00"})
    with schema_context(alpha.schema_name):
        assert BudgetLine.objects.filter(declaration__year=year).count() == 2

    from zhengtong.notifications.models import Notification

    with schema_context("public"):
        told = list(Notification.objects.filter(recipient=sides.bureau).values_list("title", "url"))
    assert any(f"{year}年资产配置预算待审" in t and u.endswith(f"/assets/budgets/alpha/{year}/") for t, u in told)
    bureau = client_for(sides.bureau, DISTRICT_HOST)
    assert str(year) in text(bureau.get("/assets/budgets/alpha/"))
    page = text(bureau.get(f"/assets/budgets/alpha/{year}/"))
    # Side by side: desktops line shows stock 5, quota 8, 3 still available.
    row = page[page.index(f'id="line-{lines["台式计算机"].pk}"'):]
    row = row[:row.index("</tr>")]
    assert ">5<" in row and ">8<" in row and ">3<" in row
    d, c = lines["台式计算机"].pk, lines["载客汽车"].pk
    # Adjusted without a figure and a comment is refused, nothing recorded.
    text(bureau.post(f"/assets/budgets/alpha/{year}/", {f"decision_{d}": "adjusted", f"decision_{c}": "refused",
                                                       f"comment_{c}": "无车辆编制"}))
    with schema_context(alpha.schema_name):
        assert BudgetDeclaration.objects.get(year=year).status == "submitted"
    r = bureau.post(f"/assets/budgets/alpha/{year}/", {
        f"decision_{d}": "adjusted", f"approved_quantity_{d}": "3", f"comment_{d}": "按定额余量核定3台",
        f"decision_{c}": "refused", f"comment_{c}": "无车辆编制", "opinion": "原则同意，按定额配置"})
    assert r.status_code == 302
    page = text(unit.get(f"/m/assets/budget/{year}/"))
    for seen in ("按定额余量核定3台", "无车辆编制", "原则同意，按定额配置", "¥15,600.00"):
        assert seen in page, seen

    # Others: a custodian, the district operator, beta's officer.
    assert client_for(sides.custodian).get(f"/m/assets/budget/{year}/").status_code == 403
    assert client_for(sides.operator, DISTRICT_HOST).get(f"/assets/budgets/alpha/{year}/").status_code == 404
    beta_officer = make_user(beta, ["assets.asset_officer"])
    assert client_for(beta_officer, BETA_HOST).get(f"/m/assets/budget/{year}/").status_code == 404
