"""The pages: what each person sees and may do, refusals shown in their language, formulas
on screen, and units kept apart."""
from datetime import date
from decimal import Decimal

from django_tenants.utils import schema_context

from modules.inspection.models import InspectionCase
from tests.conftest import ALPHA_HOST, BETA_HOST
from zhengtong.audit.models import AuditEvent

from .conftest import INSPECTOR, SELECTOR, SUPERVISOR, TYPICAL


def test_the_ranking_page_shows_scores_drivers_and_formulas(alpha, people, ranked, client_for):
    page = client_for(people.selector).get("/m/inspection/candidates/?period=2024").content.decode()
    assert page.index(">C</a>") < page.index(">A</a>") < page.index(">B</a>")  # ranked order
    assert "36.25" in page and "有收入零税额申报 +10.00" in page
    assert "低于行业值80.00%，超过阈值20.00%：20.00 × 1.0000 = 20.00分" in page
    assert "税负率 = 实缴税额 ÷ 营业收入 × 100%" in page and "N1" not in page


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
    make_filing(alpha, e, period="2024", **{**TYPICAL, "taxes_paid": None})
    page = client_for(people.inspector1).get(f"/m/inspection/entities/{e.pk}/").content.decode()
    assert "毛利率 = (营业收入 − 营业成本) ÷ 营业收入 × 100%" in page and "20.00%" in page
    assert "未申报实缴税额，无法计算" in page and "没有上一期申报，无法计算变化率" in page
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


def test_module_switched_off_hides_the_pages(alpha, people, operator, client_for):
    from tenants.services import unit_module_set

    c = client_for(people.chief)
    assert c.get("/m/inspection/dashboard/").status_code == 200
    unit_module_set(unit=alpha, module_key="inspection", enabled=False, actor=operator)
    assert c.get("/m/inspection/dashboard/").status_code == 404
    unit_module_set(unit=alpha, module_key="inspection", enabled=True, actor=operator)
