"""The financial indicators that case selection (选案) compares with the industry.

The essay names them: 税负率, 成本利润率, 存货周转率, 购销比率, 销售利税率, 毛利率,
销售收入变化率, 应收账款周转率, 速动比率. Each is computed per entity and period from the
filing (and, for the change rate, the filing of the period before). The formula below is the
one shown on screen, so a person can redo the arithmetic by hand.

Nothing here guesses. When an input was not reported, or a denominator is zero, the value
is ``None`` with the reason — never a crash and never a made-up 0 that would look like a
real (and very suspicious) ratio and push the entity up the ranking.

Ratios are kept as fractions with 6 decimal places (0.031234 = 3.1234 %), so that the pages
recording a selection decision can show every indicator to 4 decimals in its own unit (percent,
times, ratio) without inventing digits; money stays in the filing as Decimal yuan.

The formulas are those of 纳税评估 (the tax authority's assessment indicators, 国税发〔2005〕43号
《纳税评估管理办法（试行）》 and its 通用分析指标): the industry benchmarks a unit imports from the tax
authority are computed that way, so a value computed any other way would be compared with a
benchmark that means something else.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from zhengtong.registry.registry import localized

PLACES = Decimal("0.000001")
SHOWN = Decimal("0.0001")  # 4 decimals in the unit shown (percent, times, ratio)
TWO = Decimal("2")

# Filing fields (Decimal yuan) with their names, used in formulas and explanations.
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "revenue": ("营业收入", "revenue"),
    "cost_of_sales": ("营业成本", "cost of sales"),
    "cost_expense_total": ("成本费用总额", "total cost and expense"),
    "tax_payable": ("应纳税额", "tax payable"),
    "taxes_paid": ("实缴税额", "taxes paid"),
    "total_profit": ("利润总额", "total profit"),
    "inventory_opening": ("期初存货", "opening inventory"),
    "inventory_closing": ("期末存货", "closing inventory"),
    "purchases": ("本期购进额", "purchases"),
    "receivables_opening": ("期初应收账款", "opening receivables"),
    "receivables_closing": ("期末应收账款", "closing receivables"),
    "current_assets": ("流动资产", "current assets"),
    "current_liabilities": ("流动负债", "current liabilities"),
    "cash": ("货币资金", "cash"),
    # Given in the filing itself when the period before was never filed here (a taxpayer new
    # to the register, or a first import): the revenue change rate needs it, and a made-up
    # filing of the period before would also be read by the loss check and the benchmarks.
    "previous_revenue": ("上期营业收入", "previous period's revenue"),
    "average_inventory": ("平均存货", "average inventory"),
    "average_receivables": ("平均应收账款", "average receivables"),
}
FILING_FIELDS = tuple(k for k in FIELD_LABELS if k not in ("average_inventory", "average_receivables"))


def field_label(key: str) -> str:
    zh, en = FIELD_LABELS[key]
    return localized(zh, en)


@dataclass(frozen=True)
class IndicatorResult:
    key: str
    value: Decimal | None
    # "" when there is a value; else "missing" (inputs not reported), "zero" (a denominator
    # is zero) or "no_previous" (no filing for the period before).
    reason: str = ""
    fields: tuple[str, ...] = ()  # the inputs the reason is about
    inputs: dict[str, Decimal | None] = field(default_factory=dict)
    # What the value rests on where that can differ from one filing to another: the revenue
    # change rate's previous revenue comes from the previous period's filing ("previous_filing")
    # or from the figure given in this filing ("stated_previous").
    basis: str = ""

    @property
    def ok(self) -> bool:
        return self.value is not None

    def reason_text(self) -> str:
        names = (", " if _english() else "、").join(field_label(f) for f in self.fields)
        if self.reason == "missing":
            return localized(f"未申报{names}，无法计算", f"Not computed: {names} not reported")
        if self.reason == "zero":
            return localized(f"{names}为零，比率无意义", f"Not computed: {names} is zero")
        if self.reason == "no_previous":
            return localized("没有上一期申报，也未填报上期营业收入，无法计算变化率",
                             "Not computed: no filing for the previous period and no previous revenue given")
        return ""

    def basis_text(self) -> str:
        return basis_text(self.basis)

    def as_json(self) -> dict[str, Any]:
        return {"value": _s(self.value), "reason": self.reason, "fields": list(self.fields), "basis": self.basis}


def basis_text(basis: str) -> str:
    if basis == "previous_filing":
        return localized("上期营业收入取自上期申报", "previous revenue from the previous period's filing")
    if basis == "stated_previous":
        return localized("上期营业收入取自本期申报填报数", "previous revenue as given in this filing")
    return ""


def _english() -> bool:
    from django.utils.translation import get_language

    return (get_language() or "").startswith("en")


def _s(v: Decimal | None) -> str | None:
    return None if v is None else str(v)


@dataclass(frozen=True)
class Indicator:
    key: str
    name_zh: str
    name_en: str
    formula_zh: str
    formula_en: str
    display: Literal["percent", "times", "ratio"]
    # Which way from the industry benchmark is the risk: "low" (e.g. a tax burden below
    # the industry's suggests unreported sales), "high", or "both" (a jump either way).
    risk_direction: Literal["low", "high", "both"]
    compute: Callable[[Any, Any], IndicatorResult]

    @property
    def name(self) -> str:
        return localized(self.name_zh, self.name_en)

    @property
    def formula(self) -> str:
        return localized(self.formula_zh, self.formula_en)

    @property
    def direction_text(self) -> str:
        return {"low": localized("低于行业值为风险", "risk when below the industry"),
                "high": localized("高于行业值为风险", "risk when above the industry"),
                "both": localized("偏离行业值即为风险", "risk when far from the industry either way")}[
            self.risk_direction]


def _q(value: Decimal) -> Decimal:
    return value.quantize(PLACES, rounding=ROUND_HALF_UP)


def _inputs(filing, names: tuple[str, ...]) -> dict[str, Decimal | None]:
    return {n: getattr(filing, n, None) for n in names}


def _ratio(key: str, inputs: dict[str, Decimal | None], numerator: Callable[[dict], Decimal],
           denominator: Callable[[dict], Decimal], denominator_fields: tuple[str, ...]) -> IndicatorResult:
    missing = tuple(k for k, v in inputs.items() if v is None)
    if missing:
        return IndicatorResult(key, None, "missing", missing, inputs)
    den = denominator(inputs)
    if den == 0:
        return IndicatorResult(key, None, "zero", denominator_fields, inputs)
    return IndicatorResult(key, _q(numerator(inputs) / den), "", (), inputs)


def tax_burden_rate(filing, previous=None) -> IndicatorResult:
    """税负率 = 应纳税额 ÷ 营业收入.

    On tax payable, not on tax paid: 纳税评估 defines 税收负担率 as 本期应纳税额 ÷ 本期应税
    主营业务收入, and the tax authority's industry warning values are computed that way. Tax
    paid in a period also holds arrears and prepayments of other periods and misses this
    period's tax still unpaid, so it measures collection, not what the taxpayer declared on the
    period's revenue, which is what case selection compares. A filing without the tax payable
    gets no value (and the page says so) rather than a value on another basis.
    """
    i = _inputs(filing, ("tax_payable", "revenue"))
    return _ratio("tax_burden", i, lambda d: d["tax_payable"], lambda d: d["revenue"], ("revenue",))


def cost_profit_ratio(filing, previous=None) -> IndicatorResult:
    """成本利润率 = 利润总额 ÷ 成本费用总额.

    成本费用总额 = 营业成本 + 税金及附加 + 销售费用 + 管理费用 + 财务费用 (纳税评估's 成本费用利润率),
    reported as one figure. On 营业成本 alone the ratio ignored the expenses that turn a gross
    profit into a profit and overstated every taxpayer's return on cost.
    """
    i = _inputs(filing, ("total_profit", "cost_expense_total"))
    return _ratio("cost_profit", i, lambda d: d["total_profit"], lambda d: d["cost_expense_total"],
                  ("cost_expense_total",))


def inventory_turnover(filing, previous=None) -> IndicatorResult:
    """存货周转率 = 营业成本 ÷ ((期初存货 + 期末存货) ÷ 2)."""
    i = _inputs(filing, ("cost_of_sales", "inventory_opening", "inventory_closing"))
    return _ratio("inventory_turnover", i, lambda d: d["cost_of_sales"],
                  lambda d: (d["inventory_opening"] + d["inventory_closing"]) / TWO, ("average_inventory",))


def purchase_sales_ratio(filing, previous=None) -> IndicatorResult:
    """购销比率 = 本期购进额 ÷ 营业收入."""
    i = _inputs(filing, ("purchases", "revenue"))
    return _ratio("purchase_sales", i, lambda d: d["purchases"], lambda d: d["revenue"], ("revenue",))


def sales_profit_tax_rate(filing, previous=None) -> IndicatorResult:
    """销售利税率 = (利润总额 + 应纳税额) ÷ 营业收入.

    利税 is the profit plus the taxes the period's business owes, on the same basis as the
    tax burden rate above (tax payable, not tax paid; see tax_burden_rate)."""
    i = _inputs(filing, ("total_profit", "tax_payable", "revenue"))
    return _ratio("sales_profit_tax", i, lambda d: d["total_profit"] + d["tax_payable"], lambda d: d["revenue"],
                  ("revenue",))


def gross_margin(filing, previous=None) -> IndicatorResult:
    """毛利率 = (营业收入 − 营业成本) ÷ 营业收入."""
    i = _inputs(filing, ("revenue", "cost_of_sales"))
    return _ratio("gross_margin", i, lambda d: d["revenue"] - d["cost_of_sales"], lambda d: d["revenue"],
                  ("revenue",))


def revenue_change_rate(filing, previous=None) -> IndicatorResult:
    """销售收入变化率 = (本期营业收入 − 上期营业收入) ÷ 上期营业收入.

    上期营业收入 is the revenue of the previous period's filing; when that period was never
    filed (or its revenue not reported), the figure given in this filing. The filed period
    comes first: it is the record, corrected through the audited filing services."""
    stated = getattr(filing, "previous_revenue", None)
    if previous is not None and previous.revenue is not None:
        basis, before = "previous_filing", previous.revenue
    elif stated is not None:
        basis, before = "stated_previous", stated
    elif previous is not None:
        basis, before = "previous_filing", None  # filed, revenue not reported: "missing"
    else:
        return IndicatorResult("revenue_change", None, "no_previous", ("previous_revenue",),
                               {"revenue": filing.revenue, "previous_revenue": None})
    i = {"revenue": filing.revenue, "previous_revenue": before}
    r = _ratio("revenue_change", i, lambda d: d["revenue"] - d["previous_revenue"],
               lambda d: d["previous_revenue"], ("previous_revenue",))
    return IndicatorResult(r.key, r.value, r.reason, r.fields, r.inputs, basis)


def receivables_turnover(filing, previous=None) -> IndicatorResult:
    """应收账款周转率 = 营业收入 ÷ ((期初应收账款 + 期末应收账款) ÷ 2)."""
    i = _inputs(filing, ("revenue", "receivables_opening", "receivables_closing"))
    return _ratio("receivables_turnover", i, lambda d: d["revenue"],
                  lambda d: (d["receivables_opening"] + d["receivables_closing"]) / TWO, ("average_receivables",))


def quick_ratio(filing, previous=None) -> IndicatorResult:
    """速动比率 = (流动资产 − 期末存货) ÷ 流动负债."""
    i = _inputs(filing, ("current_assets", "inventory_closing", "current_liabilities"))
    return _ratio("quick_ratio", i, lambda d: d["current_assets"] - d["inventory_closing"],
                  lambda d: d["current_liabilities"], ("current_liabilities",))


INDICATORS: tuple[Indicator, ...] = (
    Indicator("tax_burden", "税负率", "Tax burden rate",
              "税负率 = 应纳税额 ÷ 营业收入 × 100%", "Tax burden rate = tax payable ÷ revenue × 100%",
              "percent", "low", tax_burden_rate),
    Indicator("cost_profit", "成本利润率", "Cost-profit ratio",
              "成本利润率 = 利润总额 ÷ 成本费用总额 × 100%"
              "（成本费用总额 = 营业成本 + 税金及附加 + 销售费用 + 管理费用 + 财务费用）",
              "Cost-profit ratio = total profit ÷ total cost and expense × 100% (cost of sales + taxes and surcharges"
              " + selling, administrative and financial expenses)",
              "percent", "low", cost_profit_ratio),
    Indicator("inventory_turnover", "存货周转率", "Inventory turnover",
              "存货周转率（次）= 营业成本 ÷ ((期初存货 + 期末存货) ÷ 2)",
              "Inventory turnover (times) = cost of sales ÷ ((opening inventory + closing inventory) ÷ 2)",
              "times", "low", inventory_turnover),
    Indicator("purchase_sales", "购销比率", "Purchase-sales ratio",
              "购销比率 = 本期购进额 ÷ 营业收入 × 100%", "Purchase-sales ratio = purchases ÷ revenue × 100%",
              "percent", "high", purchase_sales_ratio),
    Indicator("sales_profit_tax", "销售利税率", "Sales profit-tax rate",
              "销售利税率 = (利润总额 + 应纳税额) ÷ 营业收入 × 100%",
              "Sales profit-tax rate = (total profit + tax payable) ÷ revenue × 100%",
              "percent", "low", sales_profit_tax_rate),
    Indicator("gross_margin", "毛利率", "Gross margin",
              "毛利率 = (营业收入 − 营业成本) ÷ 营业收入 × 100%",
              "Gross margin = (revenue − cost of sales) ÷ revenue × 100%",
              "percent", "low", gross_margin),
    Indicator("revenue_change", "销售收入变化率", "Revenue change rate",
              "销售收入变化率 = (本期营业收入 − 上期营业收入) ÷ 上期营业收入 × 100%",
              "Revenue change rate = (revenue − previous period's revenue) ÷ previous period's revenue × 100%",
              "percent", "both", revenue_change_rate),
    Indicator("receivables_turnover", "应收账款周转率", "Receivables turnover",
              "应收账款周转率（次）= 营业收入 ÷ ((期初应收账款 + 期末应收账款) ÷ 2)",
              "Receivables turnover (times) = revenue ÷ ((opening receivables + closing receivables) ÷ 2)",
              "times", "low", receivables_turnover),
    Indicator("quick_ratio", "速动比率", "Quick ratio",
              "速动比率 = (流动资产 − 期末存货) ÷ 流动负债",
              "Quick ratio = (current assets − closing inventory) ÷ current liabilities",
              "ratio", "both", quick_ratio),
)
INDICATOR_KEYS = tuple(i.key for i in INDICATORS)
BY_KEY = {i.key: i for i in INDICATORS}
INDICATOR_CHOICES = [(i.key, i.name_zh) for i in INDICATORS]


def compute_all(filing, previous=None) -> dict[str, IndicatorResult]:
    """Every indicator for one filing; ``previous`` is the filing of the period before, if any."""
    return {ind.key: ind.compute(filing, previous) for ind in INDICATORS}


def shown_number(key: str, value: Decimal) -> Decimal:
    """The value in the unit it is shown in (percent for rates), to 4 decimals."""
    if BY_KEY[key].display == "percent":
        value = value * 100
    return value.quantize(SHOWN, rounding=ROUND_HALF_UP)


def format_value(key: str, value: Decimal | None) -> str:
    """How a value is shown: percentages for rates, "次" for turnovers, a plain ratio otherwise;
    4 decimals, as the ranking and a case's selection basis are the record of a decision and
    two decimals could hide that a value crossed a threshold."""
    if value is None:
        return "—"
    display = BY_KEY[key].display
    shown = shown_number(key, value)
    if display == "percent":
        return f"{shown}%"
    if display == "times":
        return localized(f"{shown} 次", f"{shown} times")
    return f"{shown}"
