"""On a phone (390 px) the menu waits behind a "菜单" button so the first screen shows the page,
and tables scroll sideways inside their box instead of wrapping one character per line; on a
desktop the sidebar is there without a click.

Runs against gunicorn on the test database, so the unit, its asset officer and a few cards are
committed into a scratch unit of its own, which is dropped afterwards."""
from __future__ import annotations

import pytest

from tests.support.browser import chromium, live_server, sign_in

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}

# How many text lines a cell is tall: one character per line shows up as many lines.
CELL_LINES = """el => el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight)"""


@pytest.mark.browser
def test_phone_menu_collapses_and_tables_scroll(django_db_setup, django_db_blocker):
    from tests.support.committed import committed_asset, scratch_unit

    with scratch_unit(django_db_blocker, prefix="phone") as unit:
        # Everything the pages show is committed before Playwright's loop starts (the ORM
        # refuses to run inside it).
        with django_db_blocker.unblock():
            officer = unit.member(["assets.asset_officer"], name="资产 王")
            for i, (name, dept) in enumerate((("彩色激光多功能一体打印复印扫描机", "信息化建设与网络安全管理科"),
                                              ("台式计算机", "办公室"), ("会议室投影仪", "综合保障科"))):
                committed_asset(unit, number=f"PH-{i:03d}", name=name, department=dept, location="二楼档案室")
            host = unit.get_primary_domain().domain
        with live_server() as port, chromium() as browser:
            base = f"http://{host}:{port}"
            page = browser.new_context(**PHONE).new_page()
            sign_in(page, base, officer)
            menu = page.get_by_role("button", name="菜单")
            assets_link = page.locator("aside.sidebar a[href='/m/assets/']")

            for path in ("/", "/m/assets/"):
                page.goto(f"{base}{path}")
                # The first screen shows the page: its heading, not a wall of menu links.
                assert not assets_link.is_visible(), path
                heading = page.locator("main h1").first.bounding_box()
                assert heading is not None and heading["y"] + heading["height"] < 844, (path, heading)
                assert page.evaluate("document.documentElement.scrollWidth") <= 390, path

                # The menu opens from a real button, by tap and by keyboard, and closes with Esc.
                assert menu.is_visible()
                menu.click()
                assert assets_link.is_visible()
                page.keyboard.press("Escape")
                assert not assets_link.is_visible()
                menu.focus()
                page.keyboard.press("Enter")
                assert assets_link.is_visible()
                assert page.evaluate("document.documentElement.scrollWidth") <= 390
                page.keyboard.press("Escape")

            # The asset register: the wide table scrolls inside its box, its cells keep their words.
            cell = page.locator("main table td", has_text="彩色激光多功能一体打印复印扫描机")
            assert cell.evaluate(CELL_LINES) < 2
            assert page.locator("main table td", has_text="信息化建设与网络安全管理科").evaluate(CELL_LINES) < 2
            assert page.locator("main table th").first.evaluate(CELL_LINES) < 2
            scroller = page.locator("main table").evaluate(
                "t => { for (let e = t; e; e = e.parentElement) { const s = getComputedStyle(e);"
                " if (s.overflowX === 'auto' || s.overflowX === 'scroll') return e.scrollWidth > e.clientWidth; }"
                " return null; }")
            assert scroller is True  # wider than the phone, so it scrolls in its own box
            assert page.evaluate("document.documentElement.scrollWidth") <= 390

            # On a desktop the sidebar is simply there, and no menu button stands in the way.
            desk = browser.new_context(**DESKTOP).new_page()
            sign_in(desk, base, officer)
            desk.goto(f"{base}/m/assets/")
            assert desk.locator("aside.sidebar a[href='/m/assets/']").is_visible()
            assert not desk.get_by_role("button", name="菜单").is_visible()
            sidebar, main = desk.locator("aside.sidebar").bounding_box(), desk.locator("main").bounding_box()
            assert sidebar["x"] + sidebar["width"] <= main["x"] + 1  # beside the page, not above it
