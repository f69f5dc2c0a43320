"""Server-side SVG charts for the personnel dashboard and reports: bar and line.

Why our own ~150 lines and not a library: pygal (well kept, pure Python, plain SVG) was the
one candidate that renders without a browser, but its charts are built for a browser — they
link pygal's JavaScript for tooltips, carry ~20 kB of CSS per chart and pick fonts through
CSS classes — and we need exactly two chart types whose SVG must look the same on the
dashboard, when printed, and inside a WeasyPrint PDF (which draws SVG itself, without JS,
and only with the CJK font named explicitly). Matplotlib would add ~40 MB for the same two
shapes. So: plain SVG elements, fixed geometry, the CJK font named on every text, and all
text escaped (labels are department names users typed).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from xml.sax.saxutils import escape

FONT = "WenQuanYi Micro Hei, sans-serif"
# Colour-blind-safe palette (Okabe–Ito), in the order series are drawn.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


@dataclass
class Series:
    name: str
    values: list[float | int | Decimal]


@dataclass
class Chart:
    title: str
    categories: list[str]  # x-axis labels, one per value of every series
    series: list[Series] = field(default_factory=list)
    width: int = 640
    height: int = 300
    unit: str = ""  # printed after the y-axis values, e.g. "人"


def _attr(value) -> str:
    return escape(str(value), {'"': "&quot;"})


def nice_ceiling(value: float) -> float:
    """The smallest 1/2/5×10^n at or above ``value`` (so the y-axis reads 0, 5, 10 …)."""
    if value <= 0:
        return 1
    magnitude = 1
    while magnitude * 10 <= value:
        magnitude *= 10
    while magnitude > value:
        magnitude /= 10
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def _frame(chart: Chart) -> tuple[list[str], tuple[float, float, float, float], float]:
    """The SVG head, title, legend, y grid; returns (parts, plot box, y maximum)."""
    left, right, top, bottom = 48, chart.width - 12, 40, chart.height - 48
    peak = max((float(v) for s in chart.series for v in s.values), default=0)
    ymax = nice_ceiling(peak)
    if all(isinstance(v, int) for s in chart.series for v in s.values):
        # Head counts: at least 0–4 so the four grid steps are whole people, never "0.25".
        ymax = max(ymax, 4)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="zt-chart" role="img" width="{chart.width}" '
        f'height="{chart.height}" viewBox="0 0 {chart.width} {chart.height}" font-family="{_attr(FONT)}" '
        f'font-size="11" aria-label="{_attr(chart.title)}">',
        f"<title>{escape(chart.title)}</title>",
        f'<rect x="0" y="0" width="{chart.width}" height="{chart.height}" fill="#ffffff"/>',
        f'<text x="{chart.width / 2:.1f}" y="18" text-anchor="middle" font-size="14" '
        f'font-weight="bold" fill="#222">{escape(chart.title)}</text>',
    ]
    # legend, top right, one entry per series
    x = right
    for i, s in reversed(list(enumerate(chart.series))):
        label_w = 12 * len(s.name) + 18
        x -= label_w
        parts.append(f'<rect x="{x:.1f}" y="24" width="10" height="10" fill="{PALETTE[i % len(PALETTE)]}"/>'
                     f'<text x="{x + 14:.1f}" y="33" fill="#333">{escape(s.name)}</text>')
    for k in range(5):
        value = ymax * k / 4
        y = bottom - (bottom - top) * k / 4
        label = f"{value:g}{chart.unit}"
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#ddd" stroke-width="1"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#555">{escape(label)}</text>')
    parts.append(f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#333" stroke-width="1"/>')
    return parts, (left, right, top, bottom), ymax


def _category_labels(chart: Chart, box, step: float) -> list[str]:
    left, _right, _top, bottom = box
    # Long axes: label every n-th category so labels never overlap.
    every = max(1, int(len(chart.categories) * 40 / max(1, box[1] - left)) + 1) if step < 40 else 1
    out = []
    for i, c in enumerate(chart.categories):
        if i % every:
            continue
        cx = left + step * (i + 0.5)
        text = c if len(c) <= 8 else c[:7] + "…"
        out.append(f'<text x="{cx:.1f}" y="{bottom + 16}" text-anchor="middle" fill="#333">{escape(text)}</text>')
    return out


def bar_chart(chart: Chart) -> str:
    """Grouped bars: one group per category, one bar per series, value printed on top."""
    parts, box, ymax = _frame(chart)
    left, right, top, bottom = box
    n = max(1, len(chart.categories))
    step = (right - left) / n
    group = step * 0.8
    bar_w = group / max(1, len(chart.series))
    for si, s in enumerate(chart.series):
        colour = PALETTE[si % len(PALETTE)]
        for ci, v in enumerate(s.values):
            h = (bottom - top) * float(v) / ymax
            x = left + step * ci + (step - group) / 2 + bar_w * si
            parts.append(f'<rect class="bar" x="{x:.1f}" y="{bottom - h:.1f}" width="{max(bar_w - 1, 1):.1f}" '
                         f'height="{h:.1f}" fill="{colour}"><title>{escape(s.name)} '
                         f'{escape(chart.categories[ci])}: {v:g}</title></rect>')
            if v and bar_w >= 12:
                parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{bottom - h - 3:.1f}" text-anchor="middle" '
                             f'font-size="10" fill="#222">{float(v):g}</text>')
    parts += _category_labels(chart, box, step)
    parts.append("</svg>")
    return "".join(parts)


def line_chart(chart: Chart) -> str:
    """One polyline per series over the categories (periods), with a dot at each value."""
    parts, box, ymax = _frame(chart)
    left, right, top, bottom = box
    n = max(1, len(chart.categories))
    step = (right - left) / n
    for si, s in enumerate(chart.series):
        colour = PALETTE[si % len(PALETTE)]
        points = [(left + step * (i + 0.5), bottom - (bottom - top) * float(v) / ymax) for i, v in enumerate(s.values)]
        if points:
            parts.append(f'<polyline class="line" fill="none" stroke="{colour}" stroke-width="2" points="'
                         + " ".join(f"{x:.1f},{y:.1f}" for x, y in points) + '"/>')
        for (x, y), v in zip(points, s.values, strict=True):  # one point per value
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"><title>{escape(s.name)}: '
                         f'{float(v):g}</title></circle>')
    parts += _category_labels(chart, box, step)
    parts.append("</svg>")
    return "".join(parts)
