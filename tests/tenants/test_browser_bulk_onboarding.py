"""In a real browser, at desktop and phone width: a district operator uploads a spreadsheet of
units, follows the job's progress page, sees it offer to continue while no worker holds it, and
finds every unit created; a person in many units finds one on the "my units" page."""
import re
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from tests.support.browser import chromium, live_server, sign_in
from tests.support.spreadsheets import units_xlsx

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}


@pytest.mark.browser
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_operator_follows_a_bulk_onboarding(size, django_db_setup, django_db_blocker, tmp_path):
    from tenants.bulk import bulk_job_run
    from tenants.models import BulkOnboarding
    from tests.support.committed import drop_units, drop_users
    from tests.support.factories import MemberFactory
    from tests.support.two_factor import confirmed_device

    tag = uuid.uuid4().hex[:5]
    slugs = [f"bb{tag}-{i}" for i in range(3)]
    upload = tmp_path / "units.xlsx"
    upload.write_bytes(units_xlsx([[f"浏览器批量单位{i}", s, "", "学校", "assets", ""] for i, s in enumerate(slugs)]))
    with django_db_blocker.unblock():
        operator = MemberFactory(district_roles=["district.operator"], email=f"op-{tag}@test.cn", name="区运维")
        device = confirmed_device(operator)
        connection.set_schema_to_public()
        try:
            with live_server() as port, chromium() as browser:
                base = f"http://zt.test:{port}"
                page = browser.new_page(**(PHONE if size == "phone" else DESKTOP))
                sign_in(page, base, operator, device=device, lands_on="/units/")
                page.goto(f"{base}/units/import/")
                page.set_input_files("input[type=file]", str(upload))
                with page.expect_navigation():
                    page.click("button.primary")
                assert re.search(r"/units/import/\d+/$", page.url)
                main = page.locator("main").inner_text()
                assert "全部校验通过" in page.content() and "浏览器批量单位2" in main
                assert "继续创建" in main  # no worker runs in this test: the operator is offered to go on
                if size == "phone":
                    assert page.evaluate("document.documentElement.scrollWidth") <= 390

                # The worker's task, run here on the committed job (in a thread: Playwright's
                # loop owns this one, and Django refuses database calls from it).
                def run_job():
                    try:
                        bulk_job_run(BulkOnboarding.objects.latest("pk").pk)
                    finally:
                        connections.close_all()

                with ThreadPoolExecutor(1) as pool:
                    pool.submit(run_job).result()
                page.reload()
                main = page.locator("main").inner_text()
                assert "已完成" in main and "继续创建" not in main
                assert main.count("已创建") >= 3
                with page.expect_navigation():
                    page.get_by_role("link", name="浏览器批量单位1").click()
                assert "浏览器批量单位1" in page.locator("main").inner_text()
        finally:
            drop_units(slugs)
            BulkOnboarding.objects.filter(created_by=operator).delete()
            drop_users([operator])
