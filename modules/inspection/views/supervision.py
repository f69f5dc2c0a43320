"""The chief's dashboard, and the module's entry page sending each person to where they work."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone

from zhengtong.core.permissions import require_perm

from .. import selectors


@login_required
def dashboard(request):
    require_perm(request, "inspection.view_dashboard")
    return render(request, "inspection/dashboard.html", {"d": selectors.dashboard(), "today": timezone.localdate()})


@login_required
def home(request):
    if request.user.has_perm("inspection.view_dashboard"):
        return redirect("inspection:dashboard")
    if request.user.has_perm("inspection.add_inspectioncase"):
        return redirect("inspection:candidates")
    return redirect("inspection:case_list")
