"""In a real browser: a district operator onboards a unit, its first administrator accepts
the invitation, signs in on the unit's own host (enrolling a second factor) and finds the
enabled module."""
import re
import uuid

import pytest
from django.db import connection

from tests.support.browser import chromium, live_server, sign_in


@pytest.mark.browser
def test_operator_onboards_a_unit_and_its_admin_signs_in(django_db_setup, django_db_blocker):
    from tests.support.factories import MemberFactory

    slug = "b" + uuid.uuid4().hex[:6]
    with django_db_blocker.unblock():
        operator = MemberFactory(district_roles=["district.operator"], email=f"op-{slug}@test.cn", name="区运维")
        from tests.support.two_factor import confirmed_device

        device = confirmed_device(operator)  # operators sign in with a second factor (TOTP)
        connection.set_schema_to_public()
        with live_server() as port, chromium() as browser:
            base = f"http://zt.test:{port}"
            page = browser.new_page()
            sign_in(page, base, operator, device=device, lands_on="/units/")
            page.click("text=新增单位")
            page.fill("input[name=name]", "浏览器测试局")
            page.fill("input[name=slug]", slug)
            page.check("input[value=assets]")
            page.fill("input[name=admin_email]", f"head-{slug}@test.cn")
            page.fill("input[name=admin_name]", "李局长")
            page.click("button.primary")
            message = page.locator(".messages").inner_text()
            assert "浏览器测试局" in message
            invite = re.search(r"https?://\S+/invite/\S+/", message).group(0)

            page2 = browser.new_page()
            page2.goto(invite)
            page2.fill("input[name=name]", "李局长")
            page2.fill("input[name=password1]", "Li-Juzhang#2026")
            page2.fill("input[name=password2]", "Li-Juzhang#2026")
            page2.click("button.primary")
            page2.wait_for_url(f"http://{slug}.zt.test:{port}/accounts/login/")
            page2.fill("input[name=username]", f"head-{slug}@test.cn")
            page2.fill("input[name=password]", "Li-Juzhang#2026")
            page2.click("button.primary")
            # a unit administrator grants roles, so they enrol a second factor at first sign-in
            page2.wait_for_url(re.compile(r".*/accounts/2fa/setup/.*"))
            # what a person types into their authenticator app when they cannot scan the QR code
            from base64 import b32decode

            from django_otp.oath import TOTP

            key = b32decode(page2.locator("main code").first.inner_text().strip())
            page2.fill("input[name=token]", f"{TOTP(key, 30, 0, 6).token():06d}")
            page2.click("button.primary")
            page2.wait_for_url(f"http://{slug}.zt.test:{port}/")
            body = page2.locator("main").inner_text()
            assert "浏览器测试局" in page2.locator("header").inner_text()
            assert "单位管理员" in body and "国有资产管理" in body
        connection.set_schema_to_public()
