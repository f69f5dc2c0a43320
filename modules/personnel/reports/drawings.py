"""The charts of the personnel figures page (views.figures): inflow/outflow by month (line), by
department and type, establishment usage per department (bars) — drawn on the server as SVG
(modules/personnel/charts.py), so the page prints as it shows and the same drawings go into PDFs."""
from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext as _

from .. import charts
from . import figures


def flow_chart(f: figures.Flows) -> str:
    return charts.line_chart(charts.Chart(
        title=_("Inflow and outflow by month"), categories=f.months, unit="",
        series=[charts.Series(_("Inflow"), f.inflow_by_month), charts.Series(_("Outflow"), f.outflow_by_month)]))


def department_chart(f: figures.Flows) -> str:
    rows = f.by_department[:12]
    return charts.bar_chart(charts.Chart(
        title=_("Moves by department"), categories=[r[0] for r in rows],
        series=[charts.Series(_("Inflow"), [r[1] for r in rows]), charts.Series(_("Outflow"), [r[2] for r in rows]),
                charts.Series(_("Internal"), [r[3] for r in rows])]))


def establishment_chart(rows: list[figures.EstablishmentRow]) -> str:
    by_dept: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        by_dept[r.department][0] += r.establishment
        by_dept[r.department][1] += r.occupied + r.reserved
    names = list(by_dept)[:12]
    return charts.bar_chart(charts.Chart(
        title=_("Establishment usage by department"), categories=names,
        series=[charts.Series(_("Establishment"), [by_dept[n][0] for n in names]),
                charts.Series(_("Occupied"), [by_dept[n][1] for n in names])]))
