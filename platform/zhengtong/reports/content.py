"""What a report builder returns. Modules build these from their selectors (so a report shows
exactly what the requesting user may see) and never deal with pages, fonts or PDF."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from .layout import Column

__all__ = ["Column", "TableReport", "money"]


def money(value) -> str:
    """Yuan as reports print them: thousands separated, two places (1,234,567.80)."""
    return f"{value:,.2f}"


@dataclass
class TableReport:
    """A tabular report: a title, columns, rows of already formatted cell text, and an
    optional totals row and summary printed at the end.

    ``rows`` may be a generator: it is read once, before ``totals`` and ``summary`` are
    read — so these may be callables that return what the rows added up to, and the totals
    always match the rows printed (one pass, no second query that could see other rows).
    Cell values are strings as they should be printed (money with two decimals, dates as
    dates); long values are wrapped, never cut, up to a sane number of lines.
    """

    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[str]]
    subtitle: str = ""  # one line under the title on the first page: scope, filters, as-of
    totals: Sequence[str] | Callable[[], Sequence[str]] | None = None  # last row (合计)
    summary: Sequence[tuple[str, str]] | Callable[[], Sequence[tuple[str, str]]] = ()  # after the table
    # About how many rows there will be, if the builder knows cheaply (a COUNT): a large report
    # then starts its render processes while the rows are still being read.
    expected_rows: int | None = None

    def resolved_totals(self) -> Sequence[str] | None:
        return self.totals() if callable(self.totals) else self.totals

    def resolved_summary(self) -> Sequence[tuple[str, str]]:
        return self.summary() if callable(self.summary) else self.summary
