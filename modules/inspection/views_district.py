"""District portal page of the inspection module: figures per unit, read-only."""
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from .district import district_overview

DISTRICT_READERS = ("district.operator",)


@login_required
def overview(request):
    if not request.tenant.is_district_portal or not request.user.has_role(*DISTRICT_READERS):
        raise Http404
    rows, total = district_overview()
    return render(request, "inspection/district_overview.html", {"rows": rows, "total": total})
