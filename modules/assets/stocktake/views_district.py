"""District portal page: each unit's stocktake progress (campaign, deadline, counted/total,
discrepancies) — figures only, read-only, never a unit's asset cards."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django_tenants.utils import schema_context

from tenants.models import Unit

from .selectors import campaign_figures

DISTRICT_READERS = ("district.operator", "district.finance_bureau")


def asset_units():
    return (Unit.objects.filter(module_switches__module_key="assets", module_switches__enabled=True)
            .exclude(status=Unit.Status.ARCHIVED).exclude(schema_name="public").order_by("name"))


def district_progress() -> list[tuple[Unit, list]]:
    """(unit, its latest campaigns as figures) for every unit running the assets module. A
    loop over schemas is fine: a few small aggregate queries per unit."""
    rows = []
    for unit in asset_units():
        with schema_context(unit.schema_name):
            rows.append((unit, campaign_figures()))
    return rows


@login_required
def progress(request):
    if not request.tenant.is_district_portal or not request.user.has_role(*DISTRICT_READERS):
        raise Http404
    return render(request, "stocktake/district_progress.html", {"rows": district_progress()})
