"""Case selection (选案): the ranking with its explanation and export, selecting from it, and
opening a case by hand with its grounds."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhengtong.core.actions import run_service
from zhengtong.core.submissions import once_per_submission
from zhengtong.imports.writers import XLSX_TYPE

from .. import forms, selectors, services
from ..exports import ranking_export
from ..indicators import INDICATORS
from ..manifest import SELECTOR
from ..rules import current_rules
from ..validators import Period


def _require_ranking(request) -> None:
    """The ranking (page and export): selectors, who select from it, and the supervisors."""
    if not (request.user.has_perm("inspection.add_inspectioncase") or request.user.has_perm(
            "inspection.view_dashboard")):
        raise PermissionDenied


@login_required
def candidates(request):
    _require_ranking(request)
    periods = selectors.filing_periods()
    period = request.GET.get("period") or (periods[0] if periods else "")
    show_all = request.GET.get("all") == "1"
    ranking = []
    if period:
        done, parsed = run_service(request, lambda: str(Period.parse(period)))
        period = parsed if done else ""
        if done:
            ranking = selectors.candidate_ranking(period=period, include_all=show_all)
    rules = current_rules()
    return render(request, "inspection/candidates.html", {
        "ranking": ranking, "period": period, "periods": periods, "show_all": show_all, "rules": rules,
        "indicators": INDICATORS, "may_select": request.user.has_role(SELECTOR), "indicator_count": len(INDICATORS),
    })


@login_required
def candidates_export(request):
    _require_ranking(request)
    done, period = run_service(request, lambda: str(Period.parse(request.GET.get("period", ""))))
    if not done:
        return redirect("inspection:candidates")
    show_all = request.GET.get("all") == "1"
    data = ranking_export(actor=request.user, period=period, include_all=show_all)
    return FileResponse(data, as_attachment=True, filename=f"选案排序-{period}.xlsx", content_type=XLSX_TYPE)


@login_required
@require_POST
def candidate_select(request):
    if not request.user.has_perm("inspection.add_inspectioncase"):
        raise PermissionDenied
    entity = selectors.entity_get(user=request.user, pk=int(request.POST.get("entity", 0) or 0))
    period = request.POST.get("period", "")
    done, case = run_service(request, lambda: services.case_select(actor=request.user, entity=entity, period=period))
    if not done:
        return redirect(f"{_url('inspection:candidates')}?period={period}")
    messages.success(request, _("Case %(n)s opened.") % {"n": case.number})
    return redirect("inspection:case_detail", pk=case.pk)


def _url(name: str, **kw) -> str:
    return reverse(name, kwargs=kw or None)


@login_required
@once_per_submission
def case_manual(request):
    if not request.user.has_perm("inspection.add_inspectioncase"):
        raise PermissionDenied
    form = forms.ManualCaseForm(request.POST or None, entities=selectors.entity_list(user=request.user),
                                initial={"entity": request.GET.get("entity")})
    if request.method == "POST" and form.is_valid():
        done, case = run_service(request, lambda: services.case_open_manual(actor=request.user, **form.cleaned_data))
        if done:
            messages.success(request, _("Case %(n)s opened.") % {"n": case.number})
            return redirect("inspection:case_detail", pk=case.pk)
    return render(request, "inspection/form.html", {"form": form, "title": _("Open a case by hand")})
