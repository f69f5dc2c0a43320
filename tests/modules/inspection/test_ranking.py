"""Risk ranking on a small fixture industry: benchmarks computed from the filings (medians),
the order of the candidates, and why each is there."""
from decimal import Decimal

from django_tenants.utils import schema_context

from modules.inspection import selectors, services
from modules.inspection.models import IndustryBenchmark
from zhengtong.audit.models import AuditEvent
from zhengtong.registry.registry import get_module
from zhengtong.registry.rules import module_rules_update

from .conftest import TYPICAL


def test_benchmarks_are_the_industrys_medians(alpha, people, industry):
    with schema_context(alpha.schema_name):
        outcomes = {o.indicator: o for o in services.benchmark_compute(actor=people.selector, industry_code="F5137",
                                                                       period="2024")}
        # tax burden: 0.006, 0.03, 0, 0.03, 0.03 → median 0.03
        assert outcomes["tax_burden"].value == Decimal("0.0300") and outcomes["tax_burden"].sample_size == 5
        assert outcomes["purchase_sales"].value == Decimal("0.7800")
        assert outcomes["sales_profit_tax"].value == Decimal("0.0800")
        # no 2023 filings: no change rates, so no benchmark for them
        assert outcomes["revenue_change"].value is None and outcomes["revenue_change"].sample_size == 0
        assert not IndustryBenchmark.objects.filter(indicator="revenue_change").exists()
        event = AuditEvent.objects.filter(action="inspection.benchmark.compute").first()
        # six places since issue 13 ("0.0300" before): benchmarks keep the indicators' precision
        assert event.object_id == "F5137/2024" and event.after["tax_burden"]["value"] == "0.030000"


def test_ranking_order_and_what_drove_each_score(alpha, people, industry):
    with schema_context(alpha.schema_name):
        services.benchmark_compute(actor=people.selector, industry_code="F5137", period="2024")
        ranking = selectors.candidate_ranking(period="2024")
        # N1 and N2 score 0, under the default minimum of 10 points
        assert [(c.entity.name, c.score) for c in ranking] == [
            ("C", Decimal("36.25")),  # tax burden 20 + sales profit-tax 6.25 + abnormal filing 10
            ("A", Decimal("25.00")),  # tax burden 20 + sales profit-tax 5
            ("B", Decimal("13.33")),  # purchase-sales 8.33 + key taxpayer 5
        ]
        c, a, b = ranking
        assert [(d.key, d.points) for d in c.drivers] == [("tax_burden", Decimal("20.00")),
                                                          ("sales_profit_tax", Decimal("6.25"))]
        assert [f.code for f in c.flags] == ["zero_tax_with_revenue"]
        assert [(d.key, d.points) for d in a.drivers] == [("tax_burden", Decimal("20.00")),
                                                          ("sales_profit_tax", Decimal("5.00"))]
        assert [(d.key, d.points) for d in b.drivers] == [("purchase_sales", Decimal("8.33"))]
        assert [f.code for f in b.flags] == ["key_taxpayer"]
        # the explanation a person reads (4 decimals since issue 13; the reason for a missing
        # change rate also names the previous revenue a filing may now carry)
        tax = a.drivers[0]
        assert (tax.value_text, tax.benchmark_text, tax.deviation_pct) == ("0.6000%", "3.0000%", "-80.0000%")
        assert tax.explanation == "低于行业值80.0000%，超过阈值20.00%：20.00 × 1.0000 = 20.00分"
        ps = b.drivers[0]
        assert ps.explanation == "高于行业值50.0000%，超过阈值30.00%：10.00 × 0.8333 = 8.33分"
        change = next(x for x in a.contributions if x.key == "revenue_change")
        assert change.points == 0 and change.explanation == "没有上一期申报，也未填报上期营业收入，无法计算变化率"
        margin = next(x for x in a.contributions if x.key == "gross_margin")
        assert margin.explanation == "与行业值相同"
        burden_b = next(x for x in b.contributions if x.key == "sales_profit_tax")
        assert burden_b.explanation == "与行业值相同"


def test_the_module_admins_weights_change_the_ranking(alpha, people, industry):
    manifest = get_module("inspection")
    with schema_context(alpha.schema_name):
        services.benchmark_compute(actor=people.selector, industry_code="F5137", period="2024")
        values = {**manifest.rule_defaults(), "weight_tax_burden": Decimal("0"),
                  "abnormal_filing_points": Decimal("20")}
        module_rules_update(manifest=manifest, values=values, actor=people.admin)
        ranking = selectors.candidate_ranking(period="2024")
        # C: 6.25 + 20; B: 8.33 + 5; A: 5 (under 10, off the list)
        assert [(c.entity.name, c.score) for c in ranking] == [("C", Decimal("26.25")), ("B", Decimal("13.33"))]
        tax = next(x for x in ranking[0].contributions if x.key == "tax_burden")
        assert tax.points == 0 and tax.explanation == "权重为0，不参与评分"


def test_other_units_rules_and_benchmarks_do_not_apply(alpha, beta, people, industry, make_entity, make_filing,
                                                       make_user):
    with schema_context(alpha.schema_name):
        services.benchmark_compute(actor=people.selector, industry_code="F5137", period="2024")
    lone = make_entity(beta, name="乙单位的A")
    make_filing(beta, lone, **{**TYPICAL, "taxes_paid": "6000.00"})
    with schema_context(beta.schema_name):
        # beta has no benchmark of its own: nothing to compare with, so no indicator scores
        assert selectors.candidate_ranking(period="2024", include_all=True)[0].score == Decimal("0.00")


def test_parent_industry_benchmark_and_abnormal_filing_flags(alpha, people, make_entity, make_filing):
    import io

    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["行业代码", "期间", "指标", "基准值"])
    wb.active.append(["F51", "2024", "税负率", "3"])         # 3 % for all wholesale
    wb.active.append(["F5137", "2024", "gross_margin", "20%"])
    out = io.BytesIO()
    wb.save(out)
    losing = make_entity(alpha, name="亏损商贸", industry_code="F5137")
    make_filing(alpha, losing, period="2023", **{**TYPICAL, "total_profit": "-10.00"})
    make_filing(alpha, losing, period="2024", **{**TYPICAL, "total_profit": "-20.00", "taxes_paid": "30000.00"})
    empty = make_entity(alpha, name="零申报商贸", industry_code="F5137")
    make_filing(alpha, empty, period="2024", revenue="0.00", tax_payable="0.00", taxes_paid="0.00")
    with schema_context(alpha.schema_name):
        result = services.benchmarks_import(actor=people.selector, filename="b.xlsx", data=out.getvalue())
        assert result.errors == [] and result.benchmarks_saved == 2
        assert IndustryBenchmark.objects.get(industry_code="F51").value == Decimal("0.0300")
        ranking = {c.entity.name: c for c in selectors.candidate_ranking(period="2024", include_all=True)}
        tax = next(x for x in ranking["亏损商贸"].contributions if x.key == "tax_burden")
        assert (tax.benchmark, tax.benchmark_code) == (Decimal("0.0300"), "F51")
        assert [f.code for f in ranking["亏损商贸"].flags] == ["consecutive_losses"]
        assert [f.code for f in ranking["零申报商贸"].flags] == ["zero_revenue"]
        zero = next(x for x in ranking["零申报商贸"].contributions if x.key == "tax_burden")
        assert zero.points == 0 and zero.explanation == "营业收入为零，比率无意义"


def test_the_explanation_reads_the_same_deviation_it_stands_beside():
    """Issue 13: "偏离 189.74%" read "高于行业值0.00%" and "偏离 −1.02%" read "低于行业值0.00%" (the
    text printed the risky part, 0 on the harmless side). Rebuilt from snapshots as a case keeps them."""
    from modules.inspection.scoring import contributions_from_snapshot

    def row(key, deviation, note="within"):
        return {"key": key, "value": "0.1", "reason": "", "fields": [], "benchmark": "0.05", "benchmark_code": "F5137",
                "deviation": deviation, "risky": "0", "threshold": "0.30", "weight": "10.00", "points": "0",
                "note": note}

    margin, purchases, change = contributions_from_snapshot({"indicators": [
        row("gross_margin", "1.8974"), row("purchase_sales", "-0.0102"), row("revenue_change", "-0.1")]})
    assert margin.deviation_pct == "189.7400%"
    assert margin.explanation == "高于行业值189.7400%，低于行业值为风险，不计分"
    assert purchases.deviation_pct == "-1.0200%"
    assert purchases.explanation == "低于行业值1.0200%，高于行业值为风险，不计分"
    change.risky = Decimal("0.1")  # either way is the risk: under the threshold
    assert change.explanation == "低于行业值10.0000%，未达阈值30.00%"


def test_a_ranked_taxpayer_above_the_industry_is_explained_as_above(alpha, people, industry, make_entity,
                                                                    make_filing):
    high = make_entity(alpha, name="D")
    make_filing(alpha, high, **{**TYPICAL, "tax_payable": "90000.00", "taxes_paid": "90000.00"})
    with schema_context(alpha.schema_name):
        services.benchmark_compute(actor=people.selector, industry_code="F5137", period="2024")
        d = next(c for c in selectors.candidate_ranking(period="2024", include_all=True) if c.entity.name == "D")
    tax = next(x for x in d.contributions if x.key == "tax_burden")
    assert (tax.value_text, tax.benchmark_text, tax.deviation_pct) == ("9.0000%", "3.0000%", "200.0000%")
    assert tax.points == 0 and tax.explanation == "高于行业值200.0000%，低于行业值为风险，不计分"


def test_the_ranking_says_which_indicators_were_not_scored(alpha, people, industry, make_entity, make_filing):
    partial = make_entity(alpha, name="缺项商贸")
    make_filing(alpha, partial, **{**TYPICAL, "tax_payable": None, "cost_expense_total": None})
    with schema_context(alpha.schema_name):
        services.benchmark_compute(actor=people.selector, industry_code="F5137", period="2024")
        ranking = {c.entity.name: c for c in selectors.candidate_ranking(period="2024", include_all=True)}
    cand = ranking["缺项商贸"]
    # no tax payable: tax burden and sales profit-tax; no total cost: cost-profit; no 2023: change rate
    assert [c.key for c in cand.unscored] == ["tax_burden", "cost_profit", "sales_profit_tax", "revenue_change"]
    assert cand.scored_count == 5
    assert cand.unscored[0].explanation == "未申报应纳税额，无法计算"
    assert [c.key for c in ranking["N1"].unscored] == ["revenue_change"]


def test_previous_revenue_given_in_the_filing_needs_no_previous_filing(alpha, people, industry, make_entity,
                                                                         make_filing):
    from modules.inspection.models import FinancialFiling

    newcomer = make_entity(alpha, name="新户商贸")
    make_filing(alpha, newcomer, **{**TYPICAL, "previous_revenue": "400000.00"})
    with schema_context(alpha.schema_name):
        services.benchmark_compute(actor=people.selector, industry_code="F5137", period="2024")
        cand = next(c for c in selectors.candidate_ranking(period="2024", include_all=True)
                    if c.entity.name == "新户商贸")
        assert not FinancialFiling.objects.filter(entity=newcomer, period="2023").exists()
    change = next(x for x in cand.contributions if x.key == "revenue_change")
    assert change.result.value == Decimal("1.5") and change.result.basis == "stated_previous"
    assert change.value_text == "150.0000%"
    assert cand.snapshot(current_rules_for(alpha))["indicators"][6]["basis"] == "stated_previous"


def current_rules_for(unit):
    from modules.inspection.rules import current_rules

    with schema_context(unit.schema_name):
        return current_rules()
