"""Unit pages of the annual asset allocation budget (资产配置预算, /m/assets/budget/): the unit
declares its planned acquisitions; the finance bureau's review is in views_district.py."""
from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from zhengtong.core.actions import run_service

from .. import budget
from ..forms import BudgetLineForm
from ..models import BudgetDeclaration, BudgetLine
from ..selectors import budget_actions, budget_rows, budget_totals
from .quota import unit_side_only


@login_required
def budget_list(request):
    unit_side_only(request)
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
    unit_side_only(request)
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
