"""The pages: what each person sees and may do, refusals shown in their language, formulas
on screen, and units kept apart."""
from datetime import date
from decimal import Decimal

from django_tenants.utils import schema_context

from modules.inspection.models import InspectionCase
from tests.conftest import ALPHA_HOST, BETA_HOST
from zhengtong.audit.models import AuditEvent

from .conftest import INSPECTOR, SELECTOR, SUPERVISOR, TYPICAL, set_rules


def test_the_ranking_page_shows_scores_drivers_and_formulas(alpha, people, ranked, client_for):
    page = client_for(people.selector).get("/m/inspection/candidates/?period=2024").content.decode()
    assert page.index(">C</a>") < page.index(">A</a>") < page.index(">B</a>")  # ranked order
    assert "36.25" in page and "有收入零税额申报 +10.00" in page
    # 4 decimals and the tax burden on the tax payable since issue 13 (were 80.00% and 实缴税额)
    assert "低于行业值80.0000%，超过阈值20.00%：20.00 × 1.0000 = 20.00分" in page
    # ">N1</a>", not "N1": a random form token on the page may hold those two characters
    assert "税负率 = 应纳税额 ÷ 营业收入 × 100%" in page and ">N1</a>" not in page


def test_selecting_on_the_page_opens_the_case(alpha, people, ranked, client_for):
    c = client_for(people.selector)
    r = c.post("/m/inspection/candidates/select/", {"entity": ranked["B"].pk, "period": "2024"})
    with schema_context(alpha.schema_name):
        case = InspectionCase.objects.get(entity=ranked["B"])
    assert r.status_code == 302 and r["Location"] == f"/m/inspection/cases/{case.pk}/"
    page = c.get(r["Location"]).content.decode()
    assert "计算机选案" in page and "第 3 名，共 3 名" in page and "购销比率" in page and "重点税源户" in page
    # a second try is refused with the reason, on the ranking page
    r = c.post("/m/inspection/candidates/select/", {"entity": ranked["B"].pk, "period": "2024"}, follow=True)
    assert "该纳税人已有在办案件" in r.content.decode()


def test_who_sees_which_page(alpha, people, ranked, client_for):
    assert client_for(people.inspector1).get("/m/inspection/candidates/").status_code == 403
    assert client_for(people.inspector1).get("/m/inspection/dashboard/").status_code == 403
    assert client_for(people.selector).get("/m/inspection/dashboard/").status_code == 403
    assert client_for(people.chief).get("/m/inspection/dashboard/").status_code == 200
    assert client_for(people.executor).get("/m/inspection/benchmarks/").status_code == 403
    assert client_for(people.selector).post("/m/inspection/candidates/select/",
                                             {"entity": ranked["A"].pk, "period": "2024"}).status_code == 302
    assert client_for(people.inspector1).post("/m/inspection/candidates/select/",
                                               {"entity": ranked["A"].pk, "period": "2024"}).status_code == 403


def test_entity_page_shows_formulas_values_and_reasons(alpha, people, make_entity, make_filing, client_for):
    e = make_entity(alpha, name="公式商贸")
    make_filing(alpha, e, period="2024", **{**TYPICAL, "tax_payable": None})
    page = client_for(people.inspector1).get(f"/m/inspection/entities/{e.pk}/").content.decode()
    # the tax burden needs the tax payable and values show 4 decimals since issue 13
    assert "毛利率 = (营业收入 − 营业成本) ÷ 营业收入 × 100%" in page and "20.0000%" in page
    assert "未申报应纳税额，无法计算" in page and "没有上一期申报，也未填报上期营业收入，无法计算变化率" in page
    assert "¥1,000,000.00" in page


def test_a_refusal_on_the_case_page_is_explained_and_audited(alpha, people, ranked, journey, client_for, make_user):
    both = make_user(alpha, [SELECTOR, INSPECTOR], name="选案兼检查")
    case = journey.case_select(actor=both, entity=ranked["A"], period="2024")
    c = client_for(people.chief)
    page = c.get(f"/m/inspection/cases/{case.pk}/").content.decode()
    assert 'id="assign-inspector"' in page and "选案兼检查" in page
    r = c.post(f"/m/inspection/cases/{case.pk}/act/assign_inspector/",
               {"assign_inspector-users": [both.pk, people.inspector1.pk]}, follow=True)
    body = r.content.decode()
    assert "选案人员不得检查本案" in body
    assert "分配人员" in body and "已拒绝" in body  # the refusal is on the case's own timeline
    with schema_context(alpha.schema_name):
        assert AuditEvent.objects.filter(action="inspection.case.assign", result="denied").exists()


def test_inspectors_work_through_the_page(alpha, people, ranked, journey, client_for):
    case = journey.select(ranked["A"])
    journey.case_assign(actor=people.chief, case=case, role="inspector", users=[people.inspector1, people.inspector2])
    c1, c2 = client_for(people.inspector1), client_for(people.inspector2)
    assert 'id="declare"' in c1.get(f"/m/inspection/cases/{case.pk}/").content.decode()
    base = f"/m/inspection/cases/{case.pk}/act"
    c1.post(f"{base}/declare/", {"has_conflict": "no"})
    c2.post(f"{base}/declare/", {"has_conflict": "no"})
    c1.post(f"{base}/paper/", {"title": "销售收入核查", "content": "比对发票与银行流水"})
    c1.post(f"{base}/finding/", {"description": "少缴增值税", "tax_amount": "8000.00", "late_fee_amount": "400.00",
                                 "penalty_amount": "4000.00"})
    c1.post(f"{base}/report_submit/", {"summary": "该企业少缴增值税8000元。"})
    page = c2.get(f"/m/inspection/cases/{case.pk}/").content.decode()
    assert 'id="report-cosign"' in page and "¥12,400.00" in page
    c2.post(f"{base}/report_cosign/")
    with schema_context(alpha.schema_name):
        case.refresh_from_db()
    assert case.status == InspectionCase.Status.REPORT_SUBMITTED
    # the stage is submitted: the direct edit form is gone, a change request takes its place
    page = c1.get(f"/m/inspection/cases/{case.pk}/").content.decode()
    assert "提交审批" in page and 'name="finding"' not in page
    timeline = page[page.index('id="timeline"'):]  # the case's own timeline, in words
    assert "分配人员" in timeline and "人员：检查 乙、检查 丙" in timeline and "状态：已分配检查人员" in timeline
    assert "会签检查报告" in timeline and "状态：检查报告已提交" in timeline


def test_the_case_page_offers_only_what_the_services_would_accept(alpha, people, ranked, journey, client_for):
    case = journey.to_inspecting(journey.select(ranked["A"]))
    journey.report_submit(actor=people.inspector1, case=case, summary="该企业少缴增值税。")
    set_rules(alpha, people, min_inspectors=3)  # stricter since the inspectors were put on the case
    c2 = client_for(people.inspector2)
    page = c2.get(f"/m/inspection/cases/{case.pk}/").content.decode()
    assert 'id="report-cosign"' not in page and 'id="report-submit"' not in page and 'id="finding"' in page
    journey.case_assign(actor=people.chief, case=case, role="inspector", users=[people.inspector3])
    journey.conflict_declare(actor=people.inspector3, case=case, has_conflict=False)
    assert 'id="report-cosign"' in c2.get(f"/m/inspection/cases/{case.pk}/").content.decode()


def test_a_declared_conflict_takes_the_case_away(alpha, people, ranked, journey, client_for):
    case = journey.select(ranked["A"])
    journey.case_assign(actor=people.chief, case=case, role="inspector", users=[people.inspector1, people.inspector2])
    c = client_for(people.inspector1)
    r = c.post(f"/m/inspection/cases/{case.pk}/act/declare/", {"has_conflict": "yes", "note": "与法定代表人系亲属"})
    assert r.status_code == 302 and r["Location"] == "/m/inspection/cases/"
    assert c.get(f"/m/inspection/cases/{case.pk}/").status_code == 404


def test_cases_of_two_units_with_the_same_ids_stay_apart(alpha, beta, make_user, make_entity, client_for):
    sel_a, sel_b = make_user(alpha, [SELECTOR, SUPERVISOR]), make_user(beta, [SELECTOR, SUPERVISOR])
    ea, eb = make_entity(alpha, name="甲方纳税人", pk=7001), make_entity(beta, name="乙方纳税人", pk=7001)
    for unit, entity, who in ((alpha, ea, sel_a), (beta, eb, sel_b)):
        with schema_context(unit.schema_name):
            InspectionCase.objects.create(pk=7001, number=f"JC{date.today().year}-9001", entity=entity, source="manual",
                                          manual_kind="tip_off", reason="举报材料显示隐匿收入", selected_by=who)
    a_page = client_for(sel_a, ALPHA_HOST).get("/m/inspection/cases/7001/").content.decode()
    b_page = client_for(sel_b, BETA_HOST).get("/m/inspection/cases/7001/").content.decode()
    assert "甲方纳税人" in a_page and "乙方纳税人" not in a_page
    assert "乙方纳税人" in b_page and "甲方纳税人" not in b_page
    assert client_for(sel_a, BETA_HOST).get("/m/inspection/cases/7001/").status_code == 404


def test_the_dashboard_counts_stages_amounts_and_workload(alpha, people, ranked, journey, client_for):
    case = journey.to_executing(journey.review(journey.inspect(journey.to_inspecting(journey.select(ranked["A"])))))
    journey.payment_record(actor=people.executor, case=case, kind="tax", amount=Decimal("10000"),
                           received_on=date.today())
    journey.to_inspecting(journey.select(ranked["C"]))
    page = client_for(people.chief).get("/m/inspection/dashboard/").content.decode()
    assert "¥15,500.00" in page  # proposed = decided: 10 000 + 500 + 5 000
    assert "¥10,000.00" in page  # collected
    workload = page[page.index('id="workload"'):]
    assert "检查 乙" in workload and "检查 丙" in workload


def test_the_case_list_marks_a_late_step_but_not_while_suspended(alpha, people, ranked, journey, client_for):
    case = journey.select(ranked["A"])
    with schema_context(alpha.schema_name):
        InspectionCase.objects.filter(pk=case.pk).update(step_due_on=date(2024, 1, 31))
    c = client_for(people.chief)
    assert '<td class="overdue">2024-01-31</td>' in c.get("/m/inspection/cases/").content.decode()
    journey.case_suspend(actor=people.chief, case=case, reason="等待协查结果")
    with schema_context(alpha.schema_name):
        InspectionCase.objects.filter(pk=case.pk).update(step_due_on=date(2024, 1, 31))  # as if still due
    assert 'class="overdue"' not in c.get("/m/inspection/cases/").content.decode()


def test_module_switched_off_hides_the_pages(alpha, people, operator, client_for):
    from tenants.services import unit_module_set

    c = client_for(people.chief)
    assert c.get("/m/inspection/dashboard/").status_code == 200
    unit_module_set(unit=alpha, module_key="inspection", enabled=False, actor=operator)
    assert c.get("/m/inspection/dashboard/").status_code == 404
    unit_module_set(unit=alpha, module_key="inspection", enabled=True, actor=operator)


def test_the_ranking_page_shows_four_decimals_the_basis_and_what_was_not_scored(alpha, people, ranked,
                                                                                  make_entity, make_filing,
                                                                                  client_for):
    odd = make_entity(alpha, name="缺项商贸")
    # tax burden 31 234 ÷ 1 000 000 = 3.1234 % (shown as 3.12% before issue 13); no total cost
    make_filing(alpha, odd, **{**TYPICAL, "tax_payable": "31234.00", "cost_expense_total": None})
    page = client_for(people.selector).get("/m/inspection/candidates/?period=2024&all=1").content.decode()
    row = page[page.index(">缺项商贸</a>"):]
    row = row[:row.index("</tr>")]
    assert "按 7/9 项指标评分。未参与评分：" in row
    assert "成本利润率（未申报成本费用总额，无法计算）" in row
    assert "销售收入变化率（没有上一期申报，也未填报上期营业收入，无法计算变化率）" in row
    assert "按 9/9" not in page
    assert "应纳税额" in page and "不是当期实缴税额" in page  # the basis, said on screen
    assert 'id="ranking-export"' in page
    a_row = page[page.index(">A</a>"):]
    assert "税负率 0.6000%（行业 3.0000%）" in a_row[:a_row.index("</tr>")]


def _sheet(response):
    import io

    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(wb.active.iter_rows(values_only=True))


def test_the_ranking_is_exported_with_every_indicator(alpha, people, ranked, client_for):
    r = client_for(people.selector).get("/m/inspection/candidates/export.xlsx?period=2024")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _sheet(r)
    header, body = rows[0], rows[1:]
    from modules.inspection.indicators import INDICATORS

    for ind in INDICATORS:
        assert any(h and h.startswith(ind.name_zh) for h in header), ind.key
    assert [(row[0], row[1], row[4]) for row in body] == [(1, "C", 36.25), (2, "A", 25), (3, "B", 13.33)]
    a = dict(zip(header, body[1], strict=True))
    assert a["税负率（%）"] == 0.6 and a["税负率行业值（%）"] == 3 and a["税负率偏离（%）"] == -80
    assert a["税负率得分"] == 20 and a["税负率说明"] == "低于行业值80.0000%，超过阈值20.00%：20.00 × 1.0000 = 20.00分"
    assert a["参与评分指标数"] == 8 and a["未参与评分的指标"].startswith("销售收入变化率（")
    assert a["存货周转率（次）"] == 8
    # below the minimum score only when asked, as on the page
    everyone = _sheet(client_for(people.chief).get("/m/inspection/candidates/export.xlsx?period=2024&all=1"))
    assert len(everyone) == 1 + 5
    with schema_context(alpha.schema_name):
        event = AuditEvent.objects.get(action="inspection.ranking.export", actor_id=people.selector.pk)
        assert event.after == {"format": "xlsx", "rows": 3, "period": "2024", "all": False}


def test_only_those_who_see_the_ranking_export_it(alpha, people, ranked, client_for):
    assert client_for(people.inspector1).get("/m/inspection/candidates/export.xlsx?period=2024").status_code == 403
    assert client_for(people.executor).get("/m/inspection/candidates/export.xlsx?period=2024").status_code == 403
    with schema_context(alpha.schema_name):
        assert not AuditEvent.objects.filter(action="inspection.ranking.export").exists()


def test_the_case_page_records_the_selection_basis_to_four_decimals(alpha, people, ranked, journey, client_for):
    case = journey.select(ranked["A"])
    page = client_for(people.selector).get(f"/m/inspection/cases/{case.pk}/").content.decode()
    basis = page[page.index('id="selection"'):]
    basis = basis[:basis.index("</section>")]
    assert "0.6000%" in basis and "3.0000%" in basis and "-80.0000%" in basis
    assert "低于行业值80.0000%，超过阈值20.00%" in basis
    assert "税负率 = 应纳税额 ÷ 营业收入 × 100%" in basis
    assert "按 8/9 项指标评分。未参与评分：销售收入变化率" in basis


def test_the_filing_form_takes_total_cost_tax_payable_and_previous_revenue(alpha, people, make_entity,
                                                                         client_for):
    from modules.inspection.models import FinancialFiling

    e = make_entity(alpha, name="表单商贸")
    c = client_for(people.selector)
    page = c.get(f"/m/inspection/entities/{e.pk}/").content.decode()
    for name in ("cost_expense_total", "tax_payable", "previous_revenue"):
        assert f'name="{name}"' in page
    form = {"period": "2024", **{k: v for k, v in TYPICAL.items()}, "previous_revenue": "800000.00"}
    r = c.post(f"/m/inspection/entities/{e.pk}/", form, follow=True)
    assert "销售收入变化率" in r.content.decode() and "25.0000%" in r.content.decode()
    assert "上期营业收入取自本期申报填报数" in r.content.decode()  # the basis, beside the value
    with schema_context(alpha.schema_name):
        f = FinancialFiling.objects.get(entity=e)
    assert (f.cost_expense_total, f.tax_payable, f.previous_revenue) == (
        Decimal("950000.00"), Decimal("30000.00"), Decimal("800000.00"))
    # a total cost below the cost of sales it includes is refused with the reason
    r = c.post(f"/m/inspection/entities/{e.pk}/", {**form, "cost_expense_total": "1.00"}, follow=True)
    assert "成本费用总额包含营业成本" in r.content.decode()


def test_the_import_page_says_which_columns_were_written(alpha, people, make_entity, make_filing, client_for):
    import io

    import openpyxl
    from django.core.files.uploadedfile import SimpleUploadedFile

    from modules.inspection.models import FinancialFiling

    e = make_entity(alpha, name="更正商贸")
    make_filing(alpha, e, **TYPICAL)
    wb = openpyxl.Workbook()
    wb.active.append(["统一社会信用代码", "期间", "营业收入"])
    wb.active.append([e.credit_code, "2024", 1200000])
    out = io.BytesIO()
    wb.save(out)
    c = client_for(people.selector)
    assert "文件中没有的列，原有数据保持不变" in c.get("/m/inspection/entities/import/").content.decode()
    r = c.post("/m/inspection/entities/import/", {"file": SimpleUploadedFile("fix.xlsx", out.getvalue())}, follow=True)
    assert "已按文件中的列更新数据：营业收入。文件中没有的列，原有数据保持不变。" in r.content.decode()
    with schema_context(alpha.schema_name):
        f = FinancialFiling.objects.get(entity=e)
    assert (f.revenue, f.tax_payable, f.cost_expense_total) == (
        Decimal("1200000.00"), Decimal("30000.00"), Decimal("950000.00"))
