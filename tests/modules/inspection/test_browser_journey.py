"""In a real browser: a candidate selected from the ranking, inspected by two people, reviewed
by a third, executed by a fourth, closed — with the review report downloaded on the way.

Runs against gunicorn on the test database, so everything the pages need is committed into
a scratch unit of its own, which is dropped afterwards."""
from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from tests.support.browser import chromium, live_server, signed_in_page
from tests.support.documents import pdf_text
from tests.support.worker import running_worker

from .conftest import EXECUTOR, INSPECTOR, REVIEWER, SELECTOR, SUPERVISOR, TYPICAL, credit_code


def _scratch(slug):
    from modules.inspection import services
    from modules.inspection.models import FinancialFiling
    from tests.support.factories import MemberFactory, TaxpayerFactory, UnitFactory

    unit = UnitFactory(name="浏览器稽查局", slug=slug, module_keys=["inspection"])
    people = {}
    for key, name, role in (("selector", "选案 林", SELECTOR), ("insp1", "检查 高", INSPECTOR),
                            ("insp2", "检查 唐", INSPECTOR), ("reviewer", "审理 严", REVIEWER),
                            ("executor", "执行 程", EXECUTOR), ("chief", "局长 方", SUPERVISOR)):
        people[key] = MemberFactory(unit=unit, roles=[role], email=f"{key}-{slug}@test.cn", name=name)
    with schema_context(unit.schema_name):
        for name, tweak in (("风险商贸有限公司", {"tax_payable": "5000.00", "taxes_paid": "5000.00"}),
                            ("甲商贸有限公司", {}), ("乙商贸有限公司", {}), ("丙商贸有限公司", {})):
            e = TaxpayerFactory(unit=unit, actor=people["selector"], name=name, credit_code=credit_code(),
                                industry_code="F5137", tax_office="")
            figures = {k: Decimal(v) for k, v in {**TYPICAL, **tweak}.items()}
            FinancialFiling.objects.create(entity=e, period="2024", **figures)
        services.benchmark_compute(actor=people["selector"], industry_code="F5137", period="2024")
    connection.set_schema_to_public()
    return unit, people


def _act(page, form_id, button_text=None):
    """Submit the form ``form_id`` and wait for the case page to come back."""
    form = page.locator(f"#{form_id}")
    with page.expect_navigation():
        (form.get_by_role("button", name=button_text) if button_text else form.locator("button").last).click()


def _declare(page, case_url):
    page.goto(case_url)
    page.check("#declare input[value=no]")
    _act(page, "declare")


@pytest.mark.browser
def test_a_case_from_the_ranking_to_closure_by_four_people(django_db_setup, django_db_blocker, tmp_path):
    from modules.inspection.models import InspectionCase
    from tests.support.committed import drop_unit, drop_users

    slug = "jc" + uuid.uuid4().hex[:6]
    with django_db_blocker.unblock():
        unit, p = _scratch(slug)
        try:
            # A real worker renders the PDFs the pages ask for (never eager mode).
            with running_worker(), live_server() as port, chromium() as browser:
                base = f"http://{slug}.zt.test:{port}"
                # 选案: the selector picks the top candidate, with its explanation on screen
                selector = signed_in_page(browser, base, p["selector"])
                selector.goto(f"{base}/m/inspection/candidates/?period=2024")
                top = selector.locator("#ranking tbody tr").first
                assert "风险商贸有限公司" in top.inner_text() and "税负率" in top.inner_text()
                with selector.expect_navigation():
                    top.get_by_role("button", name="选案").click()
                case_url = selector.url
                assert "计算机选案" in selector.locator("main").inner_text()

                # the chief puts two inspectors on it
                chief = signed_in_page(browser, base, p["chief"])
                chief.goto(case_url)
                chief.check(f"#assign-inspector input[value='{p['insp1'].pk}']")
                chief.check(f"#assign-inspector input[value='{p['insp2'].pk}']")
                _act(chief, "assign-inspector")

                # 检查: both declare; one records and reports, the other co-signs
                insp1, insp2 = signed_in_page(browser, base, p["insp1"]), signed_in_page(browser, base, p["insp2"])
                _declare(insp1, case_url)
                _declare(insp2, case_url)
                insp1.goto(case_url)
                insp1.fill("#paper [name=title]", "账簿与发票比对")
                insp1.fill("#paper [name=content]", "比对2024年度开票收入与申报收入。")
                _act(insp1, "paper")
                insp1.fill("#finding [name=description]", "少计收入，少缴增值税")
                insp1.fill("#finding [name=tax_amount]", "25000.00")
                insp1.fill("#finding [name=late_fee_amount]", "1250.00")
                insp1.fill("#finding [name=penalty_amount]", "12500.00")
                _act(insp1, "finding")
                insp1.fill("#report-submit [name=summary]", "经检查，该企业少缴增值税25000元。")
                _act(insp1, "report-submit")
                insp2.goto(case_url)
                _act(insp2, "report-cosign")
                assert "检查报告已提交" in insp2.locator(".status").inner_text()

                # 审理: a third person reviews and decides
                chief.goto(case_url)
                chief.check(f"#assign-reviewer input[value='{p['reviewer'].pk}']")
                _act(chief, "assign-reviewer")
                reviewer = signed_in_page(browser, base, p["reviewer"])
                _declare(reviewer, case_url)
                reviewer.goto(case_url)
                assert reviewer.input_value("#review-decide [name=tax_amount]") == "25000.00"
                reviewer.fill("#review-decide [name=opinion]", "事实清楚，证据确凿，适用法律正确。")
                _act(reviewer, "review-decide")
                assert "已作出审理决定" in reviewer.locator(".status").inner_text()
                _download_review_report(reviewer, tmp_path)

                # 执行: a fourth person collects and closes
                chief.goto(case_url)
                chief.check(f"#assign-executor input[value='{p['executor'].pk}']")
                _act(chief, "assign-executor")
                executor = signed_in_page(browser, base, p["executor"])
                _declare(executor, case_url)
                executor.goto(case_url)
                for kind, amount in (("tax", "25000.00"), ("late_fee", "1250.00"), ("penalty", "12500.00")):
                    executor.select_option("#payment [name=kind]", kind)
                    executor.fill("#payment [name=amount]", amount)
                    executor.fill("#payment [name=reference]", f"缴款书-{kind}")
                    _act(executor, "payment")
                executor.select_option("#close [name=outcome]", "settled")
                _act(executor, "close")
                assert "已结案" in executor.locator(".status").inner_text()
                timeline = executor.locator("#timeline").inner_text()
                assert "会签检查报告" in timeline and "作出审理决定" in timeline and "结案" in timeline

            with schema_context(unit.schema_name):
                case = InspectionCase.objects.get()
                assert case.status == "closed" and case.source == "ranking"
                stage_people = {a.role: a.user_id for a in case.assignments.all() if a.role != "inspector"}
                inspectors = set(case.assignments.filter(role="inspector").values_list("user_id", flat=True))
                assert inspectors == {p["insp1"].pk, p["insp2"].pk}
                assert stage_people == {"reviewer": p["reviewer"].pk, "executor": p["executor"].pk}
                assert case.selected_by_id == p["selector"].pk
        finally:
            drop_unit(unit)
            drop_users(list(p.values()))
            connection.set_schema_to_public()


def _download_review_report(page, tmp_path):
    """The reviewer generates the review report (审理报告) from the case page: the worker renders
    it while the document page refreshes, then it is downloaded and read back."""
    case_url = page.url
    item = page.locator('#documents li[data-report="inspection.review_report"]')
    with page.expect_navigation():
        item.locator("button").click()
    download = page.locator("a[href$='/download/']")
    download.wait_for(timeout=120_000)  # the document page refreshes until the PDF is ready
    with page.expect_download() as info:
        download.click()
    path = tmp_path / "review.pdf"
    info.value.save_as(path)
    text = pdf_text(path)
    assert "审理报告" in text and "25,000.00" in text and "风险商贸有限公司" in text and "38,750.00" in text
    page.goto(case_url)  # the case page now offers the copy for download
    assert page.locator('#documents li[data-report="inspection.review_report"] a.document').count() == 1
