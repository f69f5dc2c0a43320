from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from zhengtong.registry.registry import DISTRICT_OPERATOR, role_label


@login_required
def home(request):
    unit = request.tenant
    if unit.is_district_portal:
        if request.user.has_role(DISTRICT_OPERATOR):
            return redirect("tenants:unit_list")
        return render(request, "core/my_units.html")
    roles = [role_label(k) for k in sorted(request.user.role_keys)]
    return render(request, "core/unit_dashboard.html", {"roles": roles})


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")
