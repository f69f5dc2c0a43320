"""District portal pages of the assets module: the roll-up of every unit's books and a
drill-down to one unit. District operators and the finance bureau read figures only
(roll-ups), never a unit's individual cards."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from . import rollup
from .models import Asset

DISTRICT_READERS = ("district.operator", "district.finance_bureau")


def _district_reader(request) -> None:
    if not request.tenant.is_district_portal or not request.user.has_role(*DISTRICT_READERS):
        raise Http404


def _status_label(code: str) -> str:
    return dict(Asset.Status.choices).get(code, code)


@login_required
def district_rollup(request):
    _district_reader(request)
    units = rollup.rollup_units()
    rows = rollup.asset_rollup(units)
    by_unit = rollup.totals_by(rows, lambda r: r.unit.pk)
    return render(request, "assets/district_rollup.html", {
        "units": [(u, by_unit.get(u.pk, rollup.Totals())) for u in units],
        "by_status": [(_status_label(s), t) for s, t in sorted(rollup.totals_by(rows, lambda r: r.status).items())],
        "by_class": sorted(rollup.totals_by(rows, lambda r: (r.class_code, r.class_name)).items()),
        "total": rollup.totals_by(rows, lambda r: "all").get("all", rollup.Totals()),
        "quota_usage": rollup.quota_usage(units),
    })


@login_required
def district_unit(request, slug):
    _district_reader(request)
    unit = next((u for u in rollup.rollup_units() if u.slug == slug), None)
    if unit is None:
        raise Http404
    rows = rollup.asset_rollup([unit])
    return render(request, "assets/district_unit.html", {
        "unit": unit,
        "rows": [(r, _status_label(r.status)) for r in sorted(rows, key=lambda r: (r.class_code, r.status))],
        "by_status": [(_status_label(s), t) for s, t in sorted(rollup.totals_by(rows, lambda r: r.status).items())],
        "total": rollup.totals_by(rows, lambda r: "all").get("all", rollup.Totals()),
        "quota_usage": rollup.quota_usage([unit]),
    })
