"""The personnel figures page: inflow/outflow by month (line), by department and type,
establishment usage per department (bars), secondments outstanding — charts drawn on the
server as SVG (modules/personnel/charts.py), so the page prints as it shows and the same
drawings go into PDFs. HR and the unit leader only (unit-wide figures)."""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .. import charts
from . import figures
from .tables import PeriodParameters, _day


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


@login_required
def dashboard(request):
    from ..selectors import sees_unit

    if not sees_unit(request.user):
        raise Http404
    form = PeriodParameters(request.GET or None)
    today = timezone.localdate()
    start, end = date(today.year, 1, 1), today
    if request.GET and form.is_valid():
        start, end = _day(form.cleaned_data["start"]), _day(form.cleaned_data["end"])
    f = figures.flows(start, end)
    establishment = figures.establishment_usage()
    return render(request, "personnel/reports/dashboard.html", {
        "form": form, "start": start, "end": end, "flows": f,
        "establishment": establishment, "secondments": figures.secondments_outstanding(today),
        "flow_chart": mark_safe(flow_chart(f)), "department_chart": mark_safe(department_chart(f)),
        "establishment_chart": mark_safe(establishment_chart(establishment)),
    })
