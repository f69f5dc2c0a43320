"""Risk score: how far each indicator is from its industry benchmark, weighted by the unit's
rules, plus flags for abnormal filings and key taxpayers.

For indicator *i* with value *v*, benchmark *b* (≠ 0), weight *w* and threshold *t*:

    deviation  d = (v − b) ÷ |b|
    risky part r = max(0, −d) when a low value is the risk (tax burden, margins, turnovers),
                   max(0, d)  when a high value is (purchase-sales ratio),
                   |d|        when either is (revenue change, quick ratio)
    points       = 0                       if r < t
                   w × min(r ÷ (2t), 1)    otherwise — half the weight at the threshold,
                                           the full weight at twice the threshold or more

    score = Σ points + key-taxpayer points + abnormal-filing points × number of flags

An indicator without a value (not reported, zero denominator) or without a benchmark adds
nothing, and the explanation says why. Nothing here touches the database: the selectors
load filings and benchmarks and hand them in, so the arithmetic is testable by hand.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from zhengtong.registry.registry import localized

from .indicators import BY_KEY, INDICATORS, PLACES, SHOWN, IndicatorResult, compute_all, format_value
from .rules import InspectionRules
from .validators import _chain, normalise_industry_code

CENT = Decimal("0.01")
ZERO = Decimal("0")
# Notes of an indicator that was not compared with the industry at all: no value or nothing
# to compare it with. (Weight 0 is the unit's choice and "within" was compared and scored 0.)
NOT_SCORED = ("no_value", "no_benchmark", "benchmark_zero")


def _cents(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Contribution:
    key: str
    result: IndicatorResult
    benchmark: Decimal | None = None
    benchmark_code: str = ""  # the industry level the benchmark came from (F5137, F51, …)
    deviation: Decimal | None = None  # signed fraction: −0.5 = half the benchmark
    risky: Decimal | None = None
    threshold: Decimal = ZERO
    weight: Decimal = ZERO
    points: Decimal = ZERO
    note: str = ""  # "" | "no_value" | "no_benchmark" | "benchmark_zero" | "weight_zero" | "within"
    # The formula the value was computed with (zh, en), when rebuilt from a case's snapshot:
    # a case selected before a formula changed keeps showing the one it was selected on.
    formula_as_selected: tuple[str, str] | None = None

    @property
    def name(self) -> str:
        return BY_KEY[self.key].name

    @property
    def formula(self) -> str:
        if self.formula_as_selected:
            return localized(*self.formula_as_selected)
        return BY_KEY[self.key].formula

    @property
    def value_text(self) -> str:
        return format_value(self.key, self.result.value)

    @property
    def benchmark_text(self) -> str:
        return format_value(self.key, self.benchmark)

    @property
    def deviation_pct(self) -> str:
        return "—" if self.deviation is None else f"{_pct4(self.deviation)}%"

    @property
    def basis_text(self) -> str:
        return self.result.basis_text()

    @property
    def scored(self) -> bool:
        return self.note not in NOT_SCORED

    @property
    def explanation(self) -> str:
        if self.note == "no_value":
            return self.result.reason_text()
        if self.note == "no_benchmark":
            return localized("无行业基准", "No industry benchmark")
        if self.note == "benchmark_zero":
            return localized("行业基准为零，无法比较", "The benchmark is zero: no comparison")
        if self.note == "weight_zero":
            return localized("权重为0，不参与评分", "Weight 0: not scored")
        # Every figure of the sentence comes from the one signed deviation shown beside it, so
        # the text cannot contradict the number (it once printed "高于行业值0.00%" beside a
        # deviation of 189.74%: the risky part, 0 on the harmless side, stood in for it).
        if self.deviation == 0:
            return localized("与行业值相同", "Same as the industry")
        words = self._deviation_words()
        threshold_pct = _cents(self.threshold * 100)
        if self.risky == 0:
            return localized(f"{words}，{BY_KEY[self.key].direction_text}，不计分",
                             f"{words}; {BY_KEY[self.key].direction_text}: no points")
        if self.note == "within":
            return localized(f"{words}，未达阈值{threshold_pct}%",
                             f"{words}, under the {threshold_pct}% threshold")
        return localized(f"{words}，超过阈值{threshold_pct}%：{self.weight} × {self._factor()} = {self.points}分",
                         f"{words}, over the {threshold_pct}% threshold: "
                         f"{self.weight} × {self._factor()} = {self.points} points")

    def _factor(self) -> Decimal:
        return min(self.risky / (2 * self.threshold), Decimal(1)).quantize(Decimal("0.0001"), ROUND_HALF_UP)

    def _deviation_words(self) -> str:
        pct = _pct4(abs(self.deviation))
        if self.deviation < 0:
            return localized(f"低于行业值{pct}%", f"Below the industry by {pct}%")
        return localized(f"高于行业值{pct}%", f"Above the industry by {pct}%")

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key, **self.result.as_json(), "benchmark": _s(self.benchmark),
            "benchmark_code": self.benchmark_code, "deviation": _s(self.deviation), "risky": _s(self.risky),
            "threshold": str(self.threshold), "weight": str(self.weight), "points": str(self.points),
            "note": self.note, "formula_zh": BY_KEY[self.key].formula_zh, "formula_en": BY_KEY[self.key].formula_en,
        }


@dataclass
class Flag:
    code: str  # "key_taxpayer" | "zero_tax_with_revenue" | "zero_revenue" | "consecutive_losses"
    points: Decimal

    @property
    def label(self) -> str:
        return {
            "key_taxpayer": localized("重点税源户", "Key taxpayer"),
            "zero_tax_with_revenue": localized("有收入零税额申报", "Revenue reported with no tax paid"),
            "zero_revenue": localized("零收入申报", "Zero revenue reported"),
            "consecutive_losses": localized("连续亏损", "Losses in consecutive periods"),
        }[self.code]

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "points": str(self.points)}


@dataclass
class Candidate:
    entity: Any
    period: str
    score: Decimal
    contributions: list[Contribution]
    flags: list[Flag] = field(default_factory=list)
    open_case: Any = None  # the entity's case in progress, if any

    @property
    def unscored(self) -> list[Contribution]:
        """The indicators left out of the score because they have no value or no benchmark."""
        return unscored(self.contributions)

    @property
    def scored_count(self) -> int:
        return len(self.contributions) - len(self.unscored)

    @property
    def drivers(self) -> list[Contribution]:
        """The indicators that scored, largest first: what put the entity on the list."""
        return sorted((c for c in self.contributions if c.points > 0), key=lambda c: (-c.points, c.key))

    def snapshot(self, rules: InspectionRules, *, rank: int | None = None, of: int | None = None) -> dict[str, Any]:
        return {
            "period": self.period, "score": str(self.score), "rank": rank, "of": of,
            "indicators": [c.as_json() for c in self.contributions],
            "flags": [f.as_json() for f in self.flags], "rules": rules.as_json(),
        }


def _s(v: Decimal | None) -> str | None:
    return None if v is None else str(v)


def _pct4(fraction: Decimal) -> Decimal:
    return (fraction * 100).quantize(SHOWN, rounding=ROUND_HALF_UP)


def unscored(contributions: list[Contribution]) -> list[Contribution]:
    return [c for c in contributions if not c.scored]


def find_benchmark(benchmarks: dict[tuple[str, str], Decimal], industry_code: str,
                   indicator: str) -> tuple[Decimal | None, str]:
    """The most specific benchmark for the entity's industry: F5137, then F513, F51, F."""
    for code in _chain(normalise_industry_code(industry_code)):
        if (code, indicator) in benchmarks:
            return benchmarks[(code, indicator)], code
    return None, ""


def contribution(result: IndicatorResult, benchmark: Decimal | None, benchmark_code: str,
                 rules: InspectionRules) -> Contribution:
    key = result.key
    c = Contribution(key, result, benchmark, benchmark_code, threshold=rules.thresholds[key],
                     weight=rules.weights[key])
    if not result.ok:
        c.note = "no_value"
        return c
    if benchmark is None:
        c.note = "no_benchmark"
        return c
    if benchmark == 0:
        c.note = "benchmark_zero"
        return c
    c.deviation = ((result.value - benchmark) / abs(benchmark)).quantize(PLACES, ROUND_HALF_UP)
    direction = BY_KEY[key].risk_direction
    if direction == "low":
        c.risky = max(ZERO, -c.deviation)
    elif direction == "high":
        c.risky = max(ZERO, c.deviation)
    else:
        c.risky = abs(c.deviation)
    if c.weight == 0:
        c.note = "weight_zero"
        return c
    if c.risky < c.threshold:
        c.note = "within"
        return c
    c.points = _cents(c.weight * c._factor())
    return c


def abnormal_flags(filing, history: list, rules: InspectionRules) -> list[str]:
    """Abnormal-filing flags (异常申报). ``history`` holds the filings of the periods just
    before this one, most recent first, as far as they exist."""
    flags = []
    if filing.revenue is not None and filing.revenue == 0:
        flags.append("zero_revenue")
    elif filing.revenue is not None and filing.revenue > 0 and filing.taxes_paid is not None \
            and filing.taxes_paid == 0:
        flags.append("zero_tax_with_revenue")
    run = [filing, *history][: rules.loss_periods]
    if len(run) == rules.loss_periods and all(f.total_profit is not None and f.total_profit < 0 for f in run):
        flags.append("consecutive_losses")
    return flags


def score(entity, filing, previous, history: list, benchmarks: dict[tuple[str, str], Decimal],
          rules: InspectionRules) -> Candidate:
    """Score one entity's filing. ``previous`` is the filing of the period just before (for
    the revenue change rate); ``history`` the consecutive earlier filings (for losses)."""
    results = compute_all(filing, previous)
    contributions = []
    for ind in INDICATORS:
        bench, code = find_benchmark(benchmarks, entity.industry_code, ind.key)
        contributions.append(contribution(results[ind.key], bench, code, rules))
    flags = [Flag(code, rules.abnormal_filing_points) for code in abnormal_flags(filing, history, rules)]
    if entity.is_key_taxpayer:
        flags.insert(0, Flag("key_taxpayer", rules.key_taxpayer_points))
    total = sum((c.points for c in contributions), ZERO) + sum((f.points for f in flags), ZERO)
    return Candidate(entity=entity, period=filing.period, score=_cents(total), contributions=contributions,
                     flags=flags)


# Formulas of snapshots taken before issue 13, which did not record them: the three indicators
# whose formula changed then were computed this way for those cases.
FORMULAS_BEFORE_ISSUE_13 = {
    "tax_burden": ("税负率 = 实缴税额 ÷ 营业收入 × 100%", "Tax burden rate = taxes paid ÷ revenue × 100%"),
    "cost_profit": ("成本利润率 = 利润总额 ÷ 营业成本 × 100%",
                    "Cost-profit ratio = total profit ÷ cost of sales × 100%"),
    "sales_profit_tax": ("销售利税率 = (利润总额 + 实缴税额) ÷ 营业收入 × 100%",
                         "Sales profit-tax rate = (total profit + taxes paid) ÷ revenue × 100%"),
}


def contributions_from_snapshot(snapshot: dict | None) -> list[Contribution]:
    """The explanation as it stood at selection, rebuilt from a case's score snapshot (with
    the formulas it was computed with)."""
    if not snapshot:
        return []

    def dec(v):
        return None if v is None else Decimal(v)

    out = []
    for row in snapshot.get("indicators", []):
        result = IndicatorResult(row["key"], dec(row["value"]), row.get("reason", ""), tuple(row.get("fields", ())),
                                 basis=row.get("basis", ""))
        out.append(Contribution(
            row["key"], result, dec(row["benchmark"]), row.get("benchmark_code", ""), dec(row["deviation"]),
            dec(row["risky"]), Decimal(row["threshold"]), Decimal(row["weight"]), Decimal(row["points"]),
            row.get("note", ""), _formula_as_selected(row)))
    return out


def _formula_as_selected(row: dict) -> tuple[str, str] | None:
    if "formula_zh" in row:
        return row["formula_zh"], row["formula_en"]
    return FORMULAS_BEFORE_ISSUE_13.get(row["key"])


def flags_from_snapshot(snapshot: dict | None) -> list[Flag]:
    return [Flag(f["code"], Decimal(f["points"])) for f in (snapshot or {}).get("flags", [])]
