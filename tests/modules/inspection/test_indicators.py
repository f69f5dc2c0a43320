"""Each indicator on hand-computed figures, and what happens with zero or missing data:
no crash, no made-up 0, a reason a person can read."""
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from modules.inspection.indicators import BY_KEY, INDICATORS, compute_all, format_value
from modules.inspection.models import FinancialFiling
from modules.inspection.validators import Period, industry_code_chain, validate_industry_code

from .conftest import TYPICAL, D


def filing(**overrides) -> FinancialFiling:
    figures = {**TYPICAL, **overrides}
    return FinancialFiling(period="2024", **{k: D(v) for k, v in figures.items()})


def test_every_indicator_on_a_hand_computed_filing():
    previous = filing(revenue="800000.00")
    got = {k: r.value for k, r in compute_all(filing(), previous).items()}
    assert got == {
        "tax_burden": Decimal("0.0300"),          # 30 000 (tax payable) ÷ 1 000 000
        # 50 000 ÷ 950 000 (total cost and expense). This asserted 0.0625 = 50 000 ÷ 800 000 (the
        # cost of sales alone) before issue 13: 纳税评估's 成本利润率 is on 成本费用总额.
        "cost_profit": Decimal("0.052632"),
        "inventory_turnover": Decimal("8.0000"),  # 800 000 ÷ ((120 000 + 80 000) ÷ 2)
        "purchase_sales": Decimal("0.7800"),      # 780 000 ÷ 1 000 000
        "sales_profit_tax": Decimal("0.0800"),    # (50 000 + 30 000 tax payable) ÷ 1 000 000
        "gross_margin": Decimal("0.2000"),        # (1 000 000 − 800 000) ÷ 1 000 000
        "revenue_change": Decimal("0.2500"),      # (1 000 000 − 800 000) ÷ 800 000
        "receivables_turnover": Decimal("10.0000"),  # 1 000 000 ÷ ((90 000 + 110 000) ÷ 2)
        "quick_ratio": Decimal("1.3000"),         # (600 000 − 80 000) ÷ 400 000
    }


def test_rounding_is_half_up_to_six_places_and_losses_stay_negative():
    # Six places (four before issue 13): the ranking and a case's selection basis show 4 decimals
    # of a percentage, which a fraction with 4 places cannot give. The tax is the tax payable and
    # the cost the total cost and expense, as the formulas now are.
    r = compute_all(filing(revenue="3000.00", tax_payable="2000.00", cost_of_sales="3000.00",
                           cost_expense_total="3000.00", total_profit="-1000.00"))
    assert r["tax_burden"].value == Decimal("0.666667")       # 2/3
    assert r["cost_profit"].value == Decimal("-0.333333")     # −1000 ÷ 3000
    assert r["sales_profit_tax"].value == Decimal("0.333333")  # (−1000 + 2000) ÷ 3000


def test_zero_revenue_leaves_revenue_ratios_undefined_with_the_reason():
    r = compute_all(filing(revenue="0.00"), filing(revenue="500000.00"))
    for key in ("tax_burden", "purchase_sales", "sales_profit_tax", "gross_margin"):
        assert r[key].value is None and r[key].reason == "zero" and r[key].fields == ("revenue",), key
        assert r[key].reason_text() == "营业收入为零，比率无意义"
    assert r["receivables_turnover"].value == Decimal("0.0000")  # 0 ÷ 100 000 is a real 0
    assert r["revenue_change"].value == Decimal("-1.0000")


def test_zero_denominators_of_averages_and_liabilities():
    r = compute_all(filing(inventory_opening="0", inventory_closing="0", receivables_opening="0",
                           receivables_closing="0", current_liabilities="0", cost_of_sales="0",
                           cost_expense_total="0"))
    assert (r["inventory_turnover"].value, r["inventory_turnover"].fields) == (None, ("average_inventory",))
    assert (r["receivables_turnover"].value, r["receivables_turnover"].fields) == (None, ("average_receivables",))
    assert (r["quick_ratio"].value, r["quick_ratio"].reason) == (None, "zero")
    assert (r["cost_profit"].value, r["cost_profit"].reason) == (None, "zero")
    assert r["cost_profit"].reason_text() == "成本费用总额为零，比率无意义"
    assert r["inventory_turnover"].reason_text() == "平均存货为零，比率无意义"


def test_missing_figures_are_named_not_treated_as_zero():
    # The tax figure the rates need is the tax payable (实缴税额 before issue 13).
    r = compute_all(filing(tax_payable=None, total_profit=None))
    assert r["tax_burden"].value is None and r["tax_burden"].reason == "missing"
    assert r["tax_burden"].fields == ("tax_payable",)
    assert r["sales_profit_tax"].fields == ("total_profit", "tax_payable")
    assert r["sales_profit_tax"].reason_text() == "未申报利润总额、应纳税额，无法计算"
    assert r["cost_profit"].fields == ("total_profit",)
    # figures that were reported still give their indicators
    assert r["gross_margin"].value == Decimal("0.2000")
    assert r["quick_ratio"].value == Decimal("1.3000")


def test_revenue_change_needs_the_previous_period():
    f = filing()
    assert compute_all(f)["revenue_change"].reason == "no_previous"
    # The reason now also names the other way in (the previous revenue given in the filing).
    assert compute_all(f)["revenue_change"].reason_text() == "没有上一期申报，也未填报上期营业收入，无法计算变化率"
    assert compute_all(f, filing(revenue=None))["revenue_change"].fields == ("previous_revenue",)
    assert compute_all(f, filing(revenue="0"))["revenue_change"].reason == "zero"


def test_reasons_and_values_in_english():
    from django.utils import translation

    with translation.override("en"):
        r = compute_all(filing(tax_payable=None))
        assert r["tax_burden"].reason_text() == "Not computed: tax payable not reported"
        assert format_value("inventory_turnover", Decimal("8")) == "8.0000 times"


def test_values_are_shown_as_percent_times_or_ratio_to_four_decimals():
    # Four decimals in the unit shown (two before issue 13: the ranking and a case's selection
    # basis are the record of a decision, and 3.12% could not tell 3.1249% from 3.1150%).
    assert format_value("tax_burden", Decimal("0.031249")) == "3.1249%"
    assert format_value("tax_burden", Decimal("0.0300")) == "3.0000%"
    assert format_value("revenue_change", Decimal("-0.1234")) == "-12.3400%"
    assert format_value("inventory_turnover", Decimal("8.0000")) == "8.0000 次"
    assert format_value("quick_ratio", Decimal("1.3")) == "1.3000"
    assert format_value("quick_ratio", Decimal("1.234567")) == "1.2346"
    assert format_value("quick_ratio", None) == "—"


def test_cost_profit_ratio_is_on_total_cost_and_expense():
    """成本利润率 = 利润总额 ÷ 成本费用总额 (营业成本 + 税金及附加 + 销售/管理/财务费用)."""
    r = compute_all(filing(total_profit="60000.00", cost_of_sales="800000.00", cost_expense_total="1200000.00"))
    assert r["cost_profit"].value == Decimal("0.05")  # not 60 000 ÷ 800 000 = 0.075
    assert "成本费用总额" in BY_KEY["cost_profit"].formula_zh
    missing = compute_all(filing(cost_expense_total=None))["cost_profit"]
    assert (missing.value, missing.fields) == (None, ("cost_expense_total",))
    assert missing.reason_text() == "未申报成本费用总额，无法计算"


def test_tax_burden_and_sales_profit_tax_are_on_tax_payable_not_tax_paid():
    # Paid 30 000 in the year (arrears of the year before included), declared 24 000 on its revenue.
    r = compute_all(filing(tax_payable="24000.00", taxes_paid="30000.00"))
    assert r["tax_burden"].value == Decimal("0.024")
    assert r["sales_profit_tax"].value == Decimal("0.074")  # (50 000 + 24 000) ÷ 1 000 000
    assert BY_KEY["tax_burden"].formula_zh.startswith("税负率 = 应纳税额 ÷ 营业收入")


def test_revenue_change_from_the_previous_revenue_given_in_the_filing():
    """A taxpayer whose previous period was never filed here: the filing carries 上期营业收入."""
    stated = compute_all(filing(previous_revenue="800000.00"))["revenue_change"]
    assert (stated.value, stated.basis) == (Decimal("0.25"), "stated_previous")
    assert stated.basis_text() == "上期营业收入取自本期申报填报数"
    # a filed previous period is the record and comes first
    filed = compute_all(filing(previous_revenue="800000.00"), filing(revenue="500000.00"))["revenue_change"]
    assert (filed.value, filed.basis) == (Decimal("1"), "previous_filing")
    # filed without its revenue: the figure given in this filing fills the gap
    gap = compute_all(filing(previous_revenue="800000.00"), filing(revenue=None))["revenue_change"]
    assert (gap.value, gap.basis) == (Decimal("0.25"), "stated_previous")


def test_every_indicator_documents_its_formula():
    assert len(INDICATORS) == 9
    for ind in INDICATORS:
        assert "=" in ind.formula_zh and "=" in ind.formula_en and ind.compute.__doc__


def test_industry_codes_follow_the_national_classification():
    validate_industry_code("F5137")
    validate_industry_code("c13")
    for bad in ("C51", "Z12", "F51371", "5137", ""):
        with pytest.raises(ValidationError):
            validate_industry_code(bad)
    assert industry_code_chain("f5137") == ["F5137", "F513", "F51", "F"]


def test_periods_are_years_or_quarters():
    assert str(Period.parse("2024q3")) == "2024Q3"
    assert str(Period.parse("2024Q1").previous()) == "2023Q4"
    assert str(Period.parse("2024").previous()) == "2023"
    for bad in ("2024-13", "24", "2024Q5"):
        with pytest.raises(ValidationError):
            Period.parse(bad)
