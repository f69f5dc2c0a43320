"""Pages of the annual asset allocation budget (资产配置预算): the unit declares its planned
acquisitions (unit portal, /m/assets/budget/), the district finance bureau reviews each line
next to the unit's stock and approved quota (district portal, /assets/budgets/<unit>/)."""
from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from zhengtong.core.actions import run_service

from .. import budget, quotas
from ..forms import BudgetLineForm
from ..models import BudgetDeclaration, BudgetLine
from ..selectors import budget_actions, budget_rows, budget_totals
from .quota import bureau_only, rollup_unit


def _unit_side(request) -> None:
    if request.tenant.is_district_portal or not request.user.has_role(*quotas.UNIT_SIDE):
        raise PermissionDenied


@login_required
def budget_list(request):
    _unit_side(request)
    if request.method == "POST":
        try:
            year = int(request.POST.get("year", ""))
        except ValueError:
            year = 0
        if not 2000 <= year <= 2100:
            messages.error(request, _("Enter a year (请填写年度)."))
        else:
            budget.budget_declaration_start(actor=request.user, year=year)
            return redirect("assets:budget", year=year)
    return render(request, "assets/budget_list.html", {
        "declarations": list(BudgetDeclaration.objects.all()), "next_year": date.today().year + 1})


@login_required
def budget_detail(request, year):
    _unit_side(request)
    declaration = get_object_or_404(BudgetDeclaration, year=year)
    form = BudgetLineForm(request.POST or None)
    if request.method == "POST":
        if "submit" in request.POST:
            done, _declaration = run_service(request, lambda: budget.budget_submit(
                actor=request.user, declaration=declaration), success=_("Budget submitted to the finance bureau."))
            if done:
                return redirect("assets:budget", year=year)
        elif "remove" in request.POST:
            line = get_object_or_404(BudgetLine, pk=request.POST["remove"], declaration=declaration)
            if run_service(request, lambda: budget.budget_line_remove(actor=request.user, line=line))[0]:
                return redirect("assets:budget", year=year)
        elif form.is_valid():
            try:
                budget.budget_line_add(actor=request.user, declaration=declaration, **form.cleaned_data)
            except ValidationError as exc:  # shown on the form, next to the line typed
                form.add_error(None, exc)
            else:
                return redirect("assets:budget", year=year)
    rows = budget_rows(declaration)
    return render(request, "assets/budget_detail.html", {
        "declaration": declaration, "rows": rows, "totals": budget_totals(rows), "form": form, "side": "unit",
        "actions": budget_actions(request.user, declaration, side="unit")})


@login_required
def bureau_budgets(request, slug):
    bureau_only(request)
    unit = rollup_unit(slug)
    with schema_context(unit.schema_name):
        declarations = list(BudgetDeclaration.objects.exclude(status=BudgetDeclaration.Status.DRAFT))
    return render(request, "assets/budget_bureau_list.html", {"unit": unit, "declarations": declarations})


@login_required
def bureau_budget(request, slug, year):
    bureau_only(request)
    unit = rollup_unit(slug)
    with schema_context(unit.schema_name):
        declaration = get_object_or_404(BudgetDeclaration.objects.exclude(status=BudgetDeclaration.Status.DRAFT),
                                        year=year)
        if request.method == "POST":
            decisions = {}
            for line in declaration.lines.all():
                qty = request.POST.get(f"approved_quantity_{line.pk}", "").strip()
                decisions[line.pk] = {"decision": request.POST.get(f"decision_{line.pk}", ""),
                                      "approved_quantity": int(qty) if qty.isdigit() else None,
                                      "comment": request.POST.get(f"comment_{line.pk}", "")[:2000]}
            done, _declaration = run_service(request, lambda: budget.budget_review(
                actor=request.user, declaration=declaration, decisions=decisions,
                opinion=request.POST.get("opinion", "")[:4000]),
                success=_("Review recorded; the unit sees the opinion."))
            if done:
                return redirect("assets_district:budget", slug=unit.slug, year=year)
        rows = budget_rows(declaration)
        return render(request, "assets/budget_detail.html", {
            "declaration": declaration, "rows": rows, "totals": budget_totals(rows), "side": "bureau", "unit": unit,
            "decisions": BudgetLine.Decision.choices[1:],
            "actions": budget_actions(request.user, declaration, side="bureau")})
