"""In a real browser, on a laptop (1366 px) and a phone (390 px): an applicant applies for a 大型
project and submits it with the confirmation; finance, equipment and the IT authority approve it
in turn; the project shows its number and the applicant downloads the 立项批准通知书 the approval
issued, read back.

Runs against gunicorn on the test database with a real Celery worker for the PDF, so what the
pages need is committed into a scratch unit of its own, dropped afterwards."""
from __future__ import annotations

import re
import uuid
from datetime import date

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from tests.support.browser import chromium, live_server, signed_in_page
from tests.support.documents import pdf_text
from tests.support.worker import running_worker

LAPTOP = {"viewport": {"width": 1366, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _scratch(slug):
    from tests.support.factories import MemberFactory, UnitFactory

    unit = UnitFactory(name="浏览器项目局", slug=slug, module_keys=["projects"])
    people = {}
    for key, name, role in (("staff", "申请人 钱", "projects.staff"), ("finance", "计财部 赵", "projects.finance"),
                            ("equipment", "设备部 孙", "projects.equipment"),
                            ("it", "运营改善部 李", "projects.it_authority")):
        people[key] = MemberFactory(unit=unit, roles=[role], email=f"{key}-{slug}@test.cn", name=name)
    connection.set_schema_to_public()
    return unit, people


def _click_and_wait(page, selector):
    with page.expect_navigation():
        page.click(selector)


@pytest.mark.browser
@pytest.mark.parametrize("screen", [LAPTOP, PHONE], ids=["1366px", "390px"])
def test_apply_approve_and_download_the_notice(django_db_setup, django_db_blocker, tmp_path, screen):
    from modules.projects.models import Project
    from tests.support.committed import drop_unit, drop_users

    slug = "xm" + uuid.uuid4().hex[:6]
    year = date.today().year
    with django_db_blocker.unblock():
        unit, p = _scratch(slug)
        try:
            with running_worker(), live_server() as port, chromium() as browser:
                base = f"http://{slug}.zt.test:{port}"
                staff = signed_in_page(browser, base, p["staff"], **screen)
                staff.goto(f"{base}/m/projects/")
                _click_and_wait(staff, "main a.button.primary[href$='/m/projects/new/']")
                staff.fill("input[name=name]", "智慧政务平台二期")
                staff.select_option("select[name=scope]", "application")
                staff.select_option("select[name=kind]", "extension")
                staff.fill("input[name=estimated_investment]", "10000000.00")
                staff.fill("input[name=year]", str(year))
                _click_and_wait(staff, "form.project-form button.primary")
                assert "大型" in staff.locator(".project-class").inner_text()
                project_url = staff.url

                # Submit: the confirmation page names the reviewers; without the tick nothing is sent.
                _click_and_wait(staff, "main .actions a.button.primary[href$='/submit/']")
                assert "运营改善部" in staff.locator(".confirm-class").inner_text()
                staff.fill("textarea[name=reason]", "列入年度信息化计划")
                staff.check("input[name=confirm]")
                _click_and_wait(staff, "main form button.primary")
                assert "审批中" in staff.locator(".project-status").inner_text()
                assert staff.locator(".actions a[href$='/submit/']").count() == 0

                for key in ("finance", "equipment", "it"):
                    reviewer = signed_in_page(browser, base, p[key], **screen)
                    reviewer.goto(project_url)
                    _click_and_wait(reviewer, ".approval-panel a[href*='/approvals/']")
                    reviewer.fill("section.decision textarea[name=comment]", "同意")
                    _click_and_wait(reviewer, "section.decision button[value=approve]")
                    reviewer.context.close()

                staff.goto(project_url)
                assert "已批准" in staff.locator(".project-status").inner_text()
                number = staff.locator(".project-number").inner_text().strip()
                assert number == f"信立〔{year}〕第1号"
                # The approval issued the notice: the worker has been rendering it since.
                _click_and_wait(staff, "main .actions a.notice-issued")
                download = staff.locator("a[href$='/download/']")
                download.wait_for(timeout=120_000)  # the page refreshes until the PDF is ready
                with staff.expect_download() as info:
                    download.click()
                path = tmp_path / "notice.pdf"
                info.value.save_as(path)
                text = re.sub(r"[ \t]+", " ", pdf_text(path))
                assert "立项批准通知书" in text and number in text and "智慧政务平台二期" in text
                assert "10,000,000.00" in text and "大型信息化项目" in text and "浏览器项目局" in text

            with schema_context(unit.schema_name):
                project = Project.objects.get()
                assert project.status == "approved" and project.project_class == "large"
                assert project.applicant_id == p["staff"].pk
        finally:
            drop_unit(unit)
            drop_users(list(p.values()))
            connection.set_schema_to_public()
