from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render

from zhengtong.registry.registry import DISTRICT_OPERATOR, role_label


@login_required
def home(request):
    unit = request.tenant
    if unit.is_district_portal:
        if request.user.has_role(DISTRICT_OPERATOR):
            return redirect("tenants:unit_list")
        return my_units(request)
    roles = [role_label(k) for k in sorted(request.user.role_keys)]
    return render(request, "core/unit_dashboard.html", {"roles": roles})


@login_required
def my_units(request):
    """Every unit the person belongs to, searchable and paged (the switcher shows a few)."""
    from django.core.paginator import Paginator

    from zhengtong.accounts.selectors import units_of
    from zhengtong.core.context_processors import unit_link

    q = request.GET.get("q", "").strip()
    units = units_of(request.user)
    if q:
        units = units.filter(Q(name__icontains=q) | Q(slug__icontains=q))
    page = Paginator(units, 50).get_page(request.GET.get("page"))
    rows = [{"name": u.name, "url": unit_link(u)} for u in page]
    return render(request, "core/my_units.html", {"page": page, "rows": rows, "q": q})


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")
