"""Page planning for tabular reports: which rows go on which page, decided before WeasyPrint.

Why plan pages ourselves: "第 N 页 / 共 M 页" must be right on every page although a large
report is rendered as chunks in parallel processes, each unaware of the others. If every row's
height is known in advance, the page count of every chunk — hence its first page number and the
total — is known before anything is rendered, and each chunk is rendered exactly once.

Row heights are known because cells never wrap by themselves: each cell's text is broken into
lines here, with the advance widths of the very font file Pango uses (engine.FontMetrics), and
printed as those lines (``white-space: pre``, the lines separated by newlines). Each page is its own table with a
forced page break after it, and gets a few points of slack. The pipeline still checks the page
count of every chunk after rendering and re-renders with corrected numbers if a plan was ever
wrong (a glyph from a fallback font with a taller line box, say).

Knowing every row's height also lets the table's inner rules be one vector image per page (an
SVG background) instead of four borders per cell: WeasyPrint lays out and draws collapsed cell
borders one cell side at a time, which was a fifth of the work of a large table.

And since every cell is measured and broken here anyway, each data row is typeset here too:
one table cell spanning the columns, holding the row's line(s) with each value placed at its
column by fixed-width Unicode spaces (EM, EN, THIN, HAIR … whose advances the font defines).
WeasyPrint's cost is per box — a ten-cell row is some thirty boxes, a typeset row three or
four — and this is what brings a 10,000-row register from minutes to seconds. The header row
is typeset the same way; kerning and ligatures are off so a line is exactly as wide as measured.

Django-free: geometry and planning are plain Python, shared by the pipeline and the benchmark.
"""
from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from html import escape
from urllib.parse import quote

from .engine import FontMetrics

PT_PER_MM = 72 / 25.4


@dataclass(frozen=True)
class Geometry:
    """Page and table measurements in points. The CSS is written from these numbers (see
    templates/reports/pdf/table.html), so the plan and the render cannot disagree."""

    page_width: float = 297 * PT_PER_MM  # A4 landscape
    page_height: float = 210 * PT_PER_MM
    margin_top: float = 17 * PT_PER_MM
    margin_bottom: float = 14 * PT_PER_MM
    margin_side: float = 12 * PT_PER_MM
    font_size: float = 8.5
    line_height: float = 11.0
    pad_v: float = 1.5  # cell padding top and bottom
    pad_h: float = 3.0  # cell padding left and right
    rule: float = 0.5  # every table line
    masthead_height: float = 42.0  # title block on the first page
    closing_height: float = 30.0  # summary/sign-off block on the last page
    slack: float = 4.0  # left free on every page against rounding
    max_cell_lines: int = 12

    @property
    def body_width(self) -> float:
        return self.page_width - 2 * self.margin_side

    @property
    def body_height(self) -> float:
        return self.page_height - self.margin_top - self.margin_bottom

    def row_height(self, lines: int) -> float:
        # The cell's bottom padding holds the rule drawn under the row (see grid_image()).
        return lines * self.line_height + 2 * self.pad_v + self.rule

    @property
    def table_inner_width(self) -> float:
        return self.body_width - 2 * self.rule  # inside the table's own border

    def text_width(self, column_width: float) -> float:
        # 2% narrower than the cell's content box: measured lines never touch the next cell.
        return (column_width - 2 * self.pad_h - self.rule) * 0.98


@dataclass(frozen=True)
class Column:
    label: str
    width: float  # relative weight; scaled to the page's width
    align: str = "left"  # "left", "right" or "center"


@dataclass
class PlannedPage:
    rows: list[str] = field(default_factory=list)  # <tr>… of each row (end tags are optional in HTML)
    heights: list[float] = field(default_factory=list)  # of each row, points
    first_row: int = 0  # index of the first data row on this page
    data_rows: int = 0
    has_totals: bool = False  # the last row is the totals row
    has_masthead: bool = False
    has_closing: bool = False


@dataclass
class Plan:
    geometry: Geometry
    widths: list[float]  # column widths in points
    header_html: str  # the <tr> of column labels
    header_height: float
    pages: list[PlannedPage]
    row_count: int


def column_widths(columns: Sequence[Column], geo: Geometry) -> list[float]:
    total = sum(c.width for c in columns)
    # Rounded down to 1/100 pt so their sum never exceeds the table's inner width.
    return [int(geo.table_inner_width * c.width / total * 100) / 100 for c in columns]


# Fixed-width spaces the CJK font defines, with the advance it gives them (checked at start-up).
_SPACES = "\u2004\u2005\u2006\u2008\u2009\u200a\u0020"  # 1/3, 1/4, 1/6 em, punctuation, thin, hair, space
_EM_SPACE = "\u2003"


class Typesetter:
    """Places text at given x positions on one line with fixed-width spaces.

    Positions are tracked from the exact advances of everything already on the line, so the
    small error of each padding (a few hundredths of a point) never adds up along a row.
    """

    def __init__(self, metrics: FontMetrics, size: float):
        adv = metrics.advance_em
        missing = [c for c in _SPACES + _EM_SPACE if ord(c) not in adv]
        if missing:
            raise ValueError(f"the report font lacks the spaces {missing!r}")
        self.metrics, self.size = metrics, size
        self.em = adv[ord(_EM_SPACE)] * size
        # Every sum of up to two of each small space: a dense set of widths up to ~3 em.
        combos: dict[float, str] = {0.0: ""}
        for ch in _SPACES:
            w = adv[ord(ch)] * size
            for base, text in list(combos.items()):
                for n in (1, 2):
                    key = round(base + n * w, 4)
                    if key not in combos or len(combos[key]) > len(text) + n:
                        combos[key] = text + ch * n
        self._widths = sorted(combos)
        self._texts = [combos[w] for w in self._widths]

    def pad(self, distance: float) -> tuple[str, float]:
        """Spaces about ``distance`` points wide, and their exact width."""
        if distance <= 0:
            return "", 0.0
        ems = max(0, int((distance - 1.5 * self.em) // self.em))
        rest = distance - ems * self.em
        i = bisect_left(self._widths, rest)
        candidates = [j for j in (i - 1, i) if 0 <= j < len(self._widths)]
        j = min(candidates, key=lambda k: abs(self._widths[k] - rest))
        return _EM_SPACE * ems + self._texts[j], ems * self.em + self._widths[j]

    def line(self, segments: Sequence[tuple[float, str]]) -> str:
        """``segments``: (x where the text starts, text), in increasing x."""
        out, x = [], 0.0
        for start, text in segments:
            if not text:
                continue
            spaces, width = self.pad(start - x)
            out.append(spaces)
            out.append(text)
            x += width + self.metrics.width(text, self.size)
        return "".join(out)


def _row_html(cells: Sequence[str], columns: Sequence[Column], widths: Sequence[float], geo: Geometry,
              metrics: FontMetrics, typesetter: Typesetter, tag: str = "td",
              align: str | None = None) -> tuple[str, int]:
    """A row as one cell across all columns holding the row's typeset line(s)."""
    cell_lines = [wrap_cell(str(text) if text is not None else "", width, geo, metrics)
                  for text, width in zip(cells, widths, strict=False)]
    n = max(len(lines) for lines in cell_lines)
    lines = []
    for i in range(n):
        segments, left = [], 0.0
        for col, width, cl in zip(columns, widths, cell_lines, strict=False):
            text = cl[i] if i < len(cl) else ""
            if text:
                how = align or col.align
                if how == "left":
                    start = left + geo.pad_h
                else:
                    w = metrics.width(text, geo.font_size)
                    inner = width - 2 * geo.pad_h - geo.rule
                    start = left + geo.pad_h + (inner - w if how == "right" else (inner - w) / 2)
                segments.append((start, text))
            left += width
        lines.append(typesetter.line(segments))
    return f'<tr><{tag} colspan="{len(columns)}">{escape(chr(10).join(lines))}', n


_CONTROL = {c: None for c in range(32) if c != 10}  # all control characters but the newline
_CONTROL[9] = " "


def wrap_cell(text: str, width: float, geo: Geometry, metrics: FontMetrics) -> list[str]:
    from .engine import wrap_text

    # The HTML parser turns a carriage return into a newline and white-space: pre would print a
    # tab eight spaces wide: normalise first, so that what is measured is what is printed.
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_CONTROL)
    avail = geo.text_width(width)
    # Fast path for the common case: a short value certainly fits on one line (no glyph of
    # the font is wider than 1.2 em, the width charged for unknown characters).
    if "\n" not in text and len(text) * 1.2 * geo.font_size <= avail:
        return [text]
    return wrap_text(text, avail, geo.font_size, metrics, geo.max_cell_lines)


def plan_pages(columns: Sequence[Column], rows: Iterable[Sequence[str]], *, geo: Geometry, metrics: FontMetrics,
               totals: Sequence[str] | Callable[[], Sequence[str] | None] | None = None) -> Plan:
    """Lay the rows out on pages. The first page holds the masthead, the last the closing
    block; every page repeats the header row. A totals row, when given, ends the last page
    (a callable is called after the rows are read)."""
    widths = column_widths(columns, geo)
    typesetter = Typesetter(metrics, geo.font_size)
    header_html, header_lines = _row_html([c.label for c in columns], columns, widths, geo, metrics, typesetter,
                                          tag="th", align="center")
    header_height = geo.row_height(header_lines)
    # The table's own border (top and bottom), plus the header row.
    capacity = geo.body_height - geo.slack - 2 * geo.rule - header_height

    pages: list[PlannedPage] = [PlannedPage(has_masthead=True)]
    used = geo.masthead_height
    count = 0

    def place(html: str, lines: int) -> PlannedPage:
        nonlocal used
        h = geo.row_height(lines)
        if used + h > capacity and pages[-1].rows:
            pages.append(PlannedPage(first_row=count))
            used = 0.0
        page = pages[-1]
        page.rows.append(html)
        page.heights.append(h)
        used += h
        return page

    for row in rows:
        html, lines = _row_html(row, columns, widths, geo, metrics, typesetter)
        place(html, lines).data_rows += 1
        count += 1
    if callable(totals):
        totals = totals()
    if totals is not None:
        html, lines = _row_html(totals, columns, widths, geo, metrics, typesetter)
        place(html, lines).has_totals = True
    if used + geo.closing_height > capacity:
        # The closing block needs a page of its own.
        pages.append(PlannedPage(first_row=count))
    pages[-1].has_closing = True
    return Plan(geometry=geo, widths=widths, header_html=header_html, header_height=header_height, pages=pages,
                row_count=count)


def grid_image(plan: Plan, page: PlannedPage) -> str:
    """The inner rules of one page's table as an SVG data URI, drawn as the table's background
    (its own border draws the outside): a rule under every row, one between columns, and the
    header and totals rows shaded. Pages with the same row heights share the same URI, which
    WeasyPrint decodes once."""
    geo = plan.geometry
    width = sum(plan.widths)
    heights = [plan.header_height, *page.heights]
    height = sum(heights)
    half = geo.rule / 2
    fills = [f'<rect width="{width:.2f}" height="{plan.header_height:.2f}" fill="#eee"/>']
    if page.has_totals:
        fills.append(f'<rect y="{height - heights[-1]:.2f}" width="{width:.2f}" height="{heights[-1]:.2f}" '
                     'fill="#f3f3f3"/>')
    path, x = [], 0.0
    for w in plan.widths[:-1]:
        x += w
        path.append(f"M{x - half:.2f} 0V{height:.2f}")
    y = 0.0
    for h in heights[:-1]:
        y += h
        path.append(f"M0 {y - half:.2f}H{width:.2f}")
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.2f}pt" height="{height:.2f}pt" '
           f'viewBox="0 0 {width:.2f} {height:.2f}" preserveAspectRatio="none">{"".join(fills)}'
           f'<path fill="none" stroke="#000" stroke-width="{geo.rule}" d="{"".join(path)}"/></svg>')
    return "data:image/svg+xml," + quote(svg, safe="")


def split_chunks(plan: Plan, rows_per_chunk: int, workers: int) -> list[list[int]]:
    """Group consecutive page indexes into chunks of about ``rows_per_chunk`` rows — more
    chunks than workers so that a slow chunk does not leave the other processes idle."""
    total_rows = max(1, plan.row_count)
    n = max(1, -(-total_rows // max(1, rows_per_chunk)))
    if n > 1:
        n = max(n, workers)
    n = min(n, len(plan.pages))
    target = total_rows / n
    chunks: list[list[int]] = [[]]
    seen = 0
    for i, page in enumerate(plan.pages):
        if chunks[-1] and len(chunks) < n and seen >= target * len(chunks):
            chunks.append([])
        chunks[-1].append(i)
        seen += max(1, page.data_rows)
    return chunks
