"""Pages of the annual asset allocation budget (资产配置预算): the unit declares its planned
acquisitions (unit portal, /m/assets/budget/), the district finance bureau reviews each line
next to the unit's stock and approved quota (district portal, /assets/budgets/<unit>/)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tenants.utils import schema_context

from . import budget, quotas
from .models import BudgetDeclaration, BudgetLine, Category
from .views_quota import _bureau, _unit


class BudgetLineForm(forms.Form):
    asset_class = forms.ModelChoiceField(label=gettext_lazy("Asset class"), queryset=Category.objects.none())
    quantity = forms.IntegerField(label=gettext_lazy("Quantity"), min_value=1)
    unit_price = forms.DecimalField(label=gettext_lazy("Unit price (yuan)"), min_value=Decimal("0"), max_digits=14,
                                    decimal_places=2)
    reason = forms.CharField(label=gettext_lazy("Reason"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["asset_class"].queryset = Category.objects.order_by("code")


def _rows(declaration: BudgetDeclaration) -> list[dict]:
    """Each line with the stock and quota beside it (live; and as declared, once submitted)."""
    rows = []
    for line in declaration.lines.select_related("asset_class").order_by("asset_class__code", "pk"):
        rows.append({"line": line, "now": budget.budget_figures(line)})
    return rows


def _totals(rows) -> dict:
    declared = sum((r["line"].amount for r in rows), Decimal("0.00"))
    approved = sum((r["line"].approved_amount or Decimal("0.00") for r in rows), Decimal("0.00"))
    return {"declared": declared, "approved": approved}


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
        try:
            if "submit" in request.POST:
                budget.budget_submit(actor=request.user, declaration=declaration)
                messages.success(request, _("Budget submitted to the finance bureau."))
                return redirect("assets:budget", year=year)
            if "remove" in request.POST:
                line = get_object_or_404(BudgetLine, pk=request.POST["remove"], declaration=declaration)
                budget.budget_line_remove(actor=request.user, line=line)
                return redirect("assets:budget", year=year)
            if form.is_valid():
                budget.budget_line_add(actor=request.user, declaration=declaration, **form.cleaned_data)
                return redirect("assets:budget", year=year)
        except ValidationError as exc:
            form.add_error(None, exc)
    rows = _rows(declaration)
    return render(request, "assets/budget_detail.html", {
        "declaration": declaration, "rows": rows, "totals": _totals(rows), "form": form, "side": "unit"})


@login_required
def bureau_budgets(request, slug):
    _bureau(request)
    unit = _unit(slug)
    with schema_context(unit.schema_name):
        declarations = list(BudgetDeclaration.objects.exclude(status=BudgetDeclaration.Status.DRAFT))
    return render(request, "assets/budget_bureau_list.html", {"unit": unit, "declarations": declarations})


@login_required
def bureau_budget(request, slug, year):
    _bureau(request)
    unit = _unit(slug)
    with schema_context(unit.schema_name):
        declaration = get_object_or_404(BudgetDeclaration.objects.exclude(status=BudgetDeclaration.Status.DRAFT),
                                        year=year)
        error = None
        if request.method == "POST":
            decisions = {}
            for line in declaration.lines.all():
                qty = request.POST.get(f"approved_quantity_{line.pk}", "").strip()
                decisions[line.pk] = {"decision": request.POST.get(f"decision_{line.pk}", ""),
                                      "approved_quantity": int(qty) if qty.isdigit() else None,
                                      "comment": request.POST.get(f"comment_{line.pk}", "")[:2000]}
            try:
                budget.budget_review(actor=request.user, declaration=declaration, decisions=decisions,
                                     opinion=request.POST.get("opinion", "")[:4000])
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                messages.success(request, _("Review recorded; the unit sees the opinion."))
                return redirect("assets_district:budget", slug=unit.slug, year=year)
        rows = _rows(declaration)
        return render(request, "assets/budget_detail.html", {
            "declaration": declaration, "rows": rows, "totals": _totals(rows), "side": "bureau", "unit": unit,
            "error": error, "decisions": BudgetLine.Decision.choices[1:]})
