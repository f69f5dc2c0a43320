"""Semester evaluation arithmetic (学期考评): percentages, rankings, trends. No database.

The checklist can change between semesters (items added, points changed), so places are
compared by the percentage of the points available in their own sheet, not by raw points.
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def percent(points: Decimal, available: Decimal) -> Decimal:
    """Points as a percentage of the points available, 2 decimals (half up, as people round)."""
    if available <= 0:
        return Decimal("0.00")
    return (points * 100 / available).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Ranked:
    rank: int
    key: Hashable
    score: Decimal


def rank(scores: Iterable[tuple[Hashable, Decimal]]) -> list[Ranked]:
    """Competition ranking ("1, 2, 2, 4"): equal scores share a rank and the next rank skips,
    as results are announced in schools. Ties keep the order they came in."""
    ordered = sorted(scores, key=lambda kv: -kv[1])
    ranked: list[Ranked] = []
    for position, (key, score) in enumerate(ordered, start=1):
        r = ranked[-1].rank if ranked and ranked[-1].score == score else position
        ranked.append(Ranked(r, key, score))
    return ranked


def sparkline_points(values: Sequence[Decimal | None], *, width: int = 160, height: int = 40,
                     pad: int = 4) -> str:
    """SVG polyline points for percentages 0–100 over equally spaced semesters (gaps skipped)."""
    n = len(values)
    if n == 0:
        return ""
    step = (width - 2 * pad) / max(n - 1, 1)
    pts = []
    for i, v in enumerate(values):
        if v is None:
            continue
        x = pad + i * step
        y = pad + (height - 2 * pad) * (1 - float(v) / 100)
        pts.append(f"{x:.1f},{y:.1f}")
    return " ".join(pts)
