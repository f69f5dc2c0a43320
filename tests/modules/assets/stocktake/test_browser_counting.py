"""In a real browser at phone size: a counter finds cards by a scanned label URL and by name,
marks them with big buttons, records a surplus — and the page never needs sideways scrolling.

Runs against gunicorn on the test database, so what the pages need is committed into a
scratch unit of its own, which is dropped afterwards."""
from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.support.browser import chromium, live_server, signed_in_page

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


def _scratch(slug):
    from modules.assets.stocktake import services
    from tests.support.factories import AssetFactory, MemberFactory, UnitFactory

    unit = UnitFactory(name="浏览器清查单位", slug=slug, module_keys=["assets"])
    people = {}
    for key, name, role in (("officer", "资产 王", "assets.asset_officer"), ("counter", "盘点 张", "assets.custodian")):
        people[key] = MemberFactory(unit=unit, roles=[role], email=f"{key}-{slug}@test.cn", name=name)
    assets = [AssetFactory(unit=unit, actor=people["officer"], number=f"{slug.upper()}-{i:03d}", name=name,
                           original_value=Decimal(v), acquired_on=date(2023, 5, 1), category="", location="二楼档案室")
              for i, (name, v) in enumerate((("台式计算机", "5200.00"), ("彩色激光打印机", "3600.00")), 1)]
    with schema_context(unit.schema_name):
        campaign = services.campaign_start(actor=people["officer"], title="年度资产清查",
                                           deadline=timezone.localdate() + timedelta(days=7),
                                           counters=[people["counter"]])
    connection.set_schema_to_public()
    return unit, people, assets, campaign


@pytest.mark.browser
def test_counting_on_a_phone(django_db_setup, django_db_blocker):
    from modules.assets.stocktake.labels import label_url
    from modules.assets.stocktake.models import StocktakeLine, SurplusItem
    from tests.support.committed import drop_unit, drop_users

    slug = "st" + uuid.uuid4().hex[:6]
    with django_db_blocker.unblock():
        unit, p, assets, campaign = _scratch(slug)
        try:
            # What the phone's scanner reads off the label: the card's URL on the unit's host (the
            # live server's port is added below; read before Playwright's event loop starts).
            scanned_path = label_url(unit, assets[1]).split(".zt.test", 1)[1]
            with live_server() as port, chromium() as browser:
                base = f"http://{slug}.zt.test:{port}"
                page = signed_in_page(browser, base, p["counter"], **PHONE)

                count_url = f"{base}/m/assets/stocktake/{campaign.pk}/count/"
                page.goto(count_url)
                scanned = f"{base}{scanned_path[scanned_path.index('/m/'):]}"
                page.fill("#st-search input[name=q]", scanned)
                with page.expect_navigation():
                    page.click("#st-search button")
                line = page.locator(".st-line")
                assert line.count() == 1 and "彩色激光打印机" in line.inner_text()
                found_elsewhere = line.get_by_role("button", name="异地找到")
                box = found_elsewhere.bounding_box()
                assert box["height"] >= 44 and box["width"] >= 100  # a thumb's target
                line.locator("input[name=actual_location]").fill("三楼会议室")
                with page.expect_navigation():
                    found_elsewhere.click()
                assert "异地找到" in page.locator(".st-line").inner_text()
                assert "三楼会议室" in page.locator(".st-line").inner_text()

                page.fill("#st-search input[name=q]", "台式")
                with page.expect_navigation():
                    page.click("#st-search button")
                with page.expect_navigation():
                    page.locator(".st-line").get_by_role("button", name="在账已找到").click()
                assert "2/2" in page.locator(".st-count").inner_text()
                # Nothing on the page is wider than the phone.
                assert page.evaluate("document.documentElement.scrollWidth") <= 390

                with page.expect_navigation():
                    page.get_by_role("link", name="登记盘盈资产").click()
                page.fill("input[name=name]", "投影仪")
                page.fill("input[name=estimated_value]", "2300.00")
                page.fill("input[name=location]", "三楼会议室")
                assert page.evaluate("document.documentElement.scrollWidth") <= 390
                with page.expect_navigation():
                    page.get_by_role("button", name="记录").click()
                assert page.url == count_url and "盘盈资产已登记" in page.content()

            with schema_context(unit.schema_name):
                lines = {ln.number: ln for ln in StocktakeLine.objects.filter(campaign=campaign)}
                printer = lines[assets[1].number]
                assert (printer.result, printer.actual_location, printer.counted_by_id) == (
                    "elsewhere", "三楼会议室", p["counter"].pk)
                assert lines[assets[0].number].result == "found"
                assert list(SurplusItem.objects.values_list("name", "estimated_value")) == [
                    ("投影仪", Decimal("2300.00"))]
        finally:
            drop_unit(unit)
            drop_users(list(p.values()))
            connection.set_schema_to_public()
