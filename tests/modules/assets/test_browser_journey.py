"""In a real browser: a custodian registers an asset, requests its disposal (scrap, with the
technical appraisal the rule asks for) on the card's request form,
the unit head approves it (3,200 yuan: below the bureau threshold, so the unit decides), the
card shows it disposed with the decision reference, and the custodian downloads the PDF
asset register, which lists the asset.

Runs against gunicorn on the test database with a real Celery worker for the PDF, so what
the pages need is committed into a scratch unit of its own, dropped afterwards."""
from __future__ import annotations

import re
import uuid

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from tests.support.browser import chromium, live_server, signed_in_page
from tests.support.documents import pdf_text
from tests.support.worker import running_worker


def _scratch(slug):
    from tests.support.factories import MemberFactory, UnitFactory

    unit = UnitFactory(name="浏览器资产局", slug=slug, module_keys=["assets"])
    people = {}
    for key, name, role in (("custodian", "使用人 陈", "assets.custodian"), ("head", "局长 孙", "platform.unit_admin")):
        user = MemberFactory(unit=unit, roles=[role], email=f"{key}-{slug}@test.cn", name=name)
        # The unit administrator signs in with a second factor; the device is made here, since
        # the ORM cannot be called inside Playwright's event loop.
        from tests.support.two_factor import confirmed_device

        user.totp_device = confirmed_device(user)
        people[key] = user
    connection.set_schema_to_public()
    return unit, people


@pytest.mark.browser
def test_register_dispose_and_download_the_register(django_db_setup, django_db_blocker, tmp_path):
    from modules.assets.models import Asset
    from tests.support.committed import drop_unit, drop_users

    slug = "zc" + uuid.uuid4().hex[:6]
    with django_db_blocker.unblock():
        unit, p = _scratch(slug)
        try:
            with running_worker(), live_server() as port, chromium() as browser:
                base = f"http://{slug}.zt.test:{port}"
                # The custodian registers the asset; they hold it (and may request its disposal).
                custodian = signed_in_page(browser, base, p["custodian"])
                custodian.goto(f"{base}/m/assets/new/")
                custodian.fill("input[name=name]", "激光打印机")
                custodian.fill("input[name=original_value]", "3200.00")
                custodian.fill("input[name=acquired_on]", "2019-05-06")
                custodian.fill("input[name=location]", "三楼办公室")
                with custodian.expect_navigation():
                    custodian.click("main button.primary")
                number = re.search(rf"{slug.upper()}-2019-\d{{5}}", custodian.locator("h1").inner_text()).group(0)
                card_url = custodian.url

                # Disposal requested on the card's request form: type scrap, which by the unit's
                # default rule needs a technical appraisal attached first.
                with custodian.expect_navigation():
                    custodian.click("a.request-disposal")
                custodian.check("input[name=disposal_type][value=scrap]")
                custodian.fill("textarea[name=reason]", "打印机老化，维修成本高于重置成本")
                with custodian.expect_navigation():
                    custodian.click("form.disposal-request button.primary")
                assert "技术鉴定报告" in custodian.locator("form.disposal-request .errors").inner_text()
                appraisal = tmp_path / "技术鉴定报告.pdf"
                from tests.support.documents import PDF

                appraisal.write_bytes(PDF)  # a real PDF: uploads are opened, not only sniffed
                upload = custodian.locator("form.upload[action*='assets.appraisal']")
                upload.locator("input[type=file]").set_input_files(str(appraisal))
                with custodian.expect_navigation():
                    upload.locator("button").click()
                custodian.check("input[name=disposal_type][value=scrap]")
                custodian.fill("textarea[name=reason]", "打印机老化，维修成本高于重置成本")
                with custodian.expect_navigation():
                    custodian.click("form.disposal-request button.primary")
                assert "单位负责人审批" in custodian.locator("main").inner_text()
                request_url = custodian.url
                custodian.goto(card_url)
                assert "待处置" in custodian.locator(".asset-status").inner_text()

                # The unit head approves.
                head = signed_in_page(browser, base, p["head"])
                head.goto(request_url)
                head.fill("section.decision textarea[name=comment]", "同意报废")
                with head.expect_navigation():
                    head.click("section.decision button[value=approve]")

                # The card is disposed, with the approval as its decision reference.
                custodian.goto(card_url)
                assert "已处置" in custodian.locator(".asset-status").inner_text()
                assert "approval #" in custodian.locator(".decision-number").inner_text()
                assert "报废" in custodian.locator(".disposal-method").inner_text()
                assert "同意报废" in custodian.locator(".approval-panel").inner_text()

                # The PDF register: generated by the worker, downloaded, read back.
                custodian.goto(f"{base}/reports/new/assets.register/")
                # the card is disposed now: the register lists disposed cards only when asked
                custodian.check("input[name=include_disposed]")
                with custodian.expect_navigation():
                    custodian.click("main form button.primary")
                download = custodian.locator("a[href$='/download/']")
                download.wait_for(timeout=120_000)  # the page refreshes until the PDF is ready
                with custodian.expect_download() as info:
                    download.click()
                path = tmp_path / "register.pdf"
                info.value.save_as(path)
                assert path.read_bytes().startswith(b"%PDF-")
                text = pdf_text(path)
                assert number in text and "激光打印机" in text and "3,200.00" in text

            with schema_context(unit.schema_name):
                asset = Asset.objects.get(number=number)
                assert asset.status == "disposed" and asset.custodian_id == p["custodian"].pk
                assert asset.decision_number.startswith("approval #")
        finally:
            drop_unit(unit)
            drop_users(list(p.values()))
            connection.set_schema_to_public()
