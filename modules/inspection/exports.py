"""The case-selection ranking as a spreadsheet: every candidate with every indicator's value,
industry benchmark, deviation, points and explanation, as the ranking page computes them.

Numbers are written as numbers in the unit the pages show (percent for rates, times for
turnovers) to 4 decimals, so the file is the same record as the page and can be re-sorted
and checked by hand. The platform's writer keeps text from being read as a formula.
"""
from __future__ import annotations

from decimal import Decimal

from zhengtong.audit.services import audit_record
from zhengtong.imports.definitions import ExportColumn
from zhengtong.imports.writers import write_xlsx
from zhengtong.registry.registry import localized

from . import selectors
from .indicators import INDICATORS, shown_number
from .scoring import Candidate, Contribution

FOUR = "0.0000"
UNIT = {"percent": ("%", "%"), "times": ("次", "times"), "ratio": ("", "")}


def _contribution(cand: Candidate, key: str) -> Contribution:
    return next(c for c in cand.contributions if c.key == key)


def _shown(key: str, value: Decimal | None) -> Decimal | None:
    return None if value is None else shown_number(key, value)


def _deviation(c: Contribution) -> Decimal | None:
    return None if c.deviation is None else (c.deviation * 100).quantize(Decimal("0.0001"))


def _unit(ind) -> tuple[str, str]:
    zh, en = UNIT[ind.display]
    return (f"（{zh}）" if zh else ""), (f" ({en})" if en else "")


def ranking_columns() -> list[ExportColumn]:
    columns = [
        ExportColumn("排名", "Rank", lambda row: row[0], width=6),
        ExportColumn("纳税人", "Taxpayer", lambda row: row[1].entity.name, width=28),
        ExportColumn("统一社会信用代码", "Credit code", lambda row: row[1].entity.credit_code, width=22),
        ExportColumn("行业代码", "Industry", lambda row: row[1].entity.industry_code, width=8),
        ExportColumn("风险分值", "Score", lambda row: row[1].score, number_format="0.00", width=10),
        ExportColumn("参与评分指标数", "Indicators scored",
                     lambda row: len(INDICATORS) - len(row[1].unscored), width=10),
        ExportColumn("未参与评分的指标", "Indicators not scored", lambda row: "；".join(
            f"{c.name}（{c.explanation}）" for c in row[1].unscored), width=40),
        ExportColumn("标记", "Flags", lambda row: "；".join(f"{f.label} +{f.points}" for f in row[1].flags), width=24),
        ExportColumn("已立案", "Open case", lambda row: row[1].open_case.number if row[1].open_case else "", width=14),
    ]
    for ind in INDICATORS:
        unit_zh, unit_en = _unit(ind)

        def col(suffix_zh, suffix_en, value, fmt=FOUR, width=12, key=ind.key, name_zh=ind.name_zh,
                name_en=ind.name_en):
            return ExportColumn(f"{name_zh}{suffix_zh}", f"{name_en}{suffix_en}",
                                lambda row: value(_contribution(row[1], key)), number_format=fmt, width=width)

        columns += [
            col(f"{unit_zh}", f"{unit_en}", lambda c: _shown(c.key, c.result.value)),
            col(f"行业值{unit_zh}", f" industry{unit_en}", lambda c: _shown(c.key, c.benchmark)),
            col("偏离（%）", " deviation (%)", _deviation),
            col("得分", " points", lambda c: c.points, fmt="0.00", width=8),
            col("说明", " explanation", lambda c: c.explanation, fmt=None, width=40),
        ]
    return columns


def ranking_export(*, actor, period: str, include_all: bool):
    """The ranking ``actor`` sees on the page, as an .xlsx (a rewound temporary file). The
    caller checks the person may see the ranking; the export is written to the audit trail
    before any byte leaves, as every export of the platform is."""
    ranking = selectors.candidate_ranking(period=period, include_all=include_all)
    audit_record(action="inspection.ranking.export", actor=actor, object_type="export:inspection.ranking",
                 object_id=period, object_repr=localized(f"选案排序 {period}", f"Ranking {period}"),
                 after={"format": "xlsx", "rows": len(ranking), "period": period, "all": include_all})
    title = localized(f"选案排序{period}", f"Ranking {period}")
    return write_xlsx(ranking_columns(), enumerate(ranking, start=1), title=title)
