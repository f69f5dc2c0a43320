"""District portal pages of the assets module: the roll-up of every unit's books, a
drill-down to one unit, "refresh now", the spreadsheet and the report for the city (上报);
and the finance bureau's side of each unit's allocation quotas and annual budget.

District operators and the finance bureau read figures only (roll-ups), never a unit's
individual cards. Everything here is refused (404) to anyone else, including unit members,
and on a unit's host."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from functools import cached_property

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django_tenants.utils import schema_context

from zhengtong.core.actions import run_service

from . import budget, quotas, rollup
from .district import exports, reports
from .district.services import summary_refresh_all, summary_refresh_later
from .forms import QuotaOpenForm
from .models import AcquisitionRequest, Asset, BudgetDeclaration, BudgetLine, QuotaItem
from .selectors import budget_actions, budget_rows, budget_totals, quota_items
from .views.quota import step_from_post

DISTRICT_READERS = ("district.operator", "district.finance_bureau")


def _district_reader(request) -> None:
    if not request.tenant.is_district_portal or not request.user.has_role(*DISTRICT_READERS):
        raise Http404


def _status_label(code: str) -> str:
    return dict(Asset.Status.choices).get(code, code)


class PeriodForm(forms.Form):
    """The period of the flow figures (disposals, lending income): this year by default."""

    start = forms.DateField(label=gettext_lazy("From"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        data["start"] = data.get("start") or date(today.year, 1, 1)
        data["end"] = data.get("end") or today
        if data["start"] > data["end"]:
            raise ValidationError(_("The period must start before it ends (起始日期不能晚于截止日期)."))
        return data


class RollupView:
    """The figures of the roll-up page for ``units`` and a period, shared by the page, the
    spreadsheet and the report for the city."""

    def __init__(self, units, *, start: date, end: date):
        self.units, self.start, self.end = units, start, end

    @cached_property
    def figures(self) -> rollup.DistrictFigures:
        return rollup.district_figures(self.units)

    @property
    def period_label(self) -> str:
        # The flow figures are kept by month: the period counts whole months.
        return f"{self.start:%Y-%m} – {self.end:%Y-%m}"

    @property
    def unit_rows(self):
        return [(u, self.figures.unit_totals(u)) for u in self.units]

    @cached_property
    def idle_by_unit(self) -> dict[int, int]:
        return {uid: t.count for (uid, status), t in self.figures.by_unit_status.items()
                if status == Asset.Status.IDLE}

    @property
    def by_class(self):
        return sorted(self.figures.by_class.items())

    @property
    def by_status(self):
        return [(_status_label(s), t) for s, t in sorted(self.figures.by_status.items())]

    @property
    def by_department(self):
        return sorted(self.figures.by_department.items())

    @cached_property
    def quota_usage(self):
        return rollup.quota_usage(self.units)

    @cached_property
    def disposals(self):
        return rollup.disposals_in_period(self.units, start=self.start, end=self.end)

    @cached_property
    def lending_income(self) -> dict[int, Decimal]:
        """Rent received in the period per unit id (the leasing sub-app's selector)."""
        return rollup.lending_income_in_period(self.units, start=self.start, end=self.end)

    @cached_property
    def period_rows(self):
        """Per unit with anything in the period: disposals and lending income."""
        disposed = {d.unit.pk: d for d in self.disposals}
        income = self.lending_income
        rows = []
        for u in self.units:
            d, money = disposed.get(u.pk), income.get(u.pk, rollup.ZERO)
            if d or money:
                rows.append((u, d.count if d else 0, d.original_value if d else rollup.ZERO, money))
        return rows

    @property
    def period_totals(self):
        return (sum(r[1] for r in self.period_rows), sum((r[2] for r in self.period_rows), rollup.ZERO),
                sum((r[3] for r in self.period_rows), rollup.ZERO))


def _period(data) -> tuple[PeriodForm, date, date]:
    form = PeriodForm(data or None)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data["start"], form.cleaned_data["end"]
    today = timezone.localdate()
    return form, date(today.year, 1, 1), today


@login_required
@require_GET
def district_rollup(request):
    _district_reader(request)
    form, start, end = _period(request.GET)
    view = RollupView(rollup.rollup_units(), start=start, end=end)
    return render(request, "assets/district_rollup.html", {
        "view": view, "form": form, "figures": view.figures, "total": view.figures.total,
        "unit_rows": _unit_rows_html(view), "quota_usage": view.quota_usage, "query": request.GET.urlencode(),
    })


def _money(value) -> str:
    return f"¥{value:,.2f}"


def _unit_rows_html(view: RollupView) -> str:
    """The by-unit table's rows, formatted here: 500 units through template tags and
    intcomma took half a second of the page; format_html escapes every value the same way."""
    link = reverse("assets_district:unit", args=["-slug-"])
    live = _("live")
    rows = []
    for u, t in view.unit_rows:
        as_of = view.figures.as_of.get(u.pk)
        rows.append((u.slug, link.replace("-slug-", u.slug), u.name, t.count, _money(t.original_value),
                     _money(t.net_value), view.idle_by_unit.get(u.pk, 0),
                     timezone.localtime(as_of).strftime("%Y-%m-%d %H:%M") if as_of else live))
    return format_html_join(
        "\n", '<tr data-unit="{}"><td><a href="{}">{}</a></td><td class="num">{}</td><td class="num">{}</td>'
               '<td class="num">{}</td><td class="num">{}</td><td class="as-of">{}</td></tr>', rows)


def _unit_or_404(slug: str):
    unit = next((u for u in rollup.rollup_units() if u.slug == slug), None)
    if unit is None:
        raise Http404
    return unit


@login_required
@require_GET
def district_unit(request, slug):
    _district_reader(request)
    unit = _unit_or_404(slug)
    form, start, end = _period(request.GET)
    view = RollupView([unit], start=start, end=end)
    rows = rollup.asset_rollup([unit])
    return render(request, "assets/district_unit.html", {
        "unit": unit, "form": form, "view": view, "as_of": view.figures.as_of.get(unit.pk),
        "rows": [(r, _status_label(r.status)) for r in sorted(rows, key=lambda r: (r.class_code, r.status,
                                                                                   r.department))],
        "by_status": view.by_status, "by_department": view.by_department, "total": view.figures.total,
        "quota_usage": view.quota_usage, "disposals": view.disposals,
    })


@login_required
@require_POST
def district_refresh(request):
    """"Refresh now": one unit at once (its page), or every unit through the worker."""
    _district_reader(request)
    slug = request.POST.get("unit", "")
    if slug:
        unit = _unit_or_404(slug)
        summary_refresh_all(units=[unit], actor=request.user)
        messages.success(request, _("The figures of %(unit)s were refreshed.") % {"unit": unit.name})
        return redirect("assets_district:unit", slug=unit.slug)
    queued = summary_refresh_later(units=rollup.rollup_units(), actor=request.user)
    messages.success(request, _("Refreshing the figures of %(n)d units: the page shows each unit's time.")
                     % {"n": queued})
    return redirect("assets_district:rollup")


@login_required
@require_GET
def district_export(request):
    _district_reader(request)
    __, start, end = _period(request.GET)
    view = RollupView(rollup.rollup_units(), start=start, end=end)
    response = HttpResponse(exports.rollup_workbook(view), content_type=exports.XLSX_TYPE)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="asset-rollup-{stamp}.xlsx"'
    return response


@login_required
@require_POST
def district_report(request):
    """Request the roll-up PDF (the report for the city, 上报) for the period: numbered and
    rendered by the worker, then found under the district's downloads."""
    _district_reader(request)
    __, start, end = _period(request.POST)
    kind = request.POST.get("kind", reports.CITY_RETURN)
    try:
        document = reports.rollup_report_request(actor=request.user, unit=request.tenant, kind=kind,
                                                 start=start, end=end)
    except PermissionDenied:
        raise Http404 from None
    messages.success(request, _("Report %(number)s requested: it is being generated.") % {"number": document.number})
    return redirect("reports:detail", pk=document.pk)


# ---------------------------------------------------------------- quotas and budgets of one unit (the finance bureau)
#
# The bureau opens quota items per unit and class, returns its figures, approves, answers change
# applications, decides over-quota acquisition requests and reviews the annual budgets. The rows live
# in the unit's schema, so each page reads and writes inside that schema and materialises what it
# shows before leaving it.


def _bureau_only(request) -> None:
    if not request.tenant.is_district_portal or not quotas.is_bureau(request.user):
        raise Http404


@contextmanager
def _bureau_in_unit(request, slug: str):
    """The bureau's pages about one unit: 404 to anyone else and for a unit outside the roll-up;
    inside, the unit's schema is active (its quota and budget rows live there)."""
    _bureau_only(request)
    unit = _unit_or_404(slug)
    with schema_context(unit.schema_name):
        yield unit


@login_required
def bureau_units(request):
    _bureau_only(request)
    units = []
    for unit in rollup.rollup_units():
        with schema_context(unit.schema_name):
            waiting = QuotaItem.objects.filter(status__in=(
                QuotaItem.Status.PROPOSED, QuotaItem.Status.REVISED, QuotaItem.Status.CHANGE_REQUESTED)).count()
            acquisitions = AcquisitionRequest.objects.filter(status=AcquisitionRequest.Status.BUREAU_REVIEW).count()
            items = QuotaItem.objects.count()
            budgets = BudgetDeclaration.objects.filter(status=BudgetDeclaration.Status.SUBMITTED).count()
        units.append({"unit": unit, "waiting": waiting, "acquisitions": acquisitions, "items": items,
                      "budgets": budgets})
    return render(request, "assets/quota_bureau_units.html", {"units": units})


@login_required
def bureau_unit(request, slug):
    with _bureau_in_unit(request, slug) as unit:
        form = QuotaOpenForm(request.POST or None, initial={"year": date.today().year + 1})
        if request.method == "POST" and form.is_valid():
            try:
                quotas.quota_item_open(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Quota item opened; the unit proposes its figure next."))
                return redirect("assets_district:quota_unit", slug=unit.slug)
        context = {
            "unit": unit, "items": quota_items(user=request.user, side="bureau"), "side": "bureau", "form": form,
            "acquisitions": list(AcquisitionRequest.objects.select_related("asset_class", "requested_by")
                                 .filter(status=AcquisitionRequest.Status.BUREAU_REVIEW)),
        }
        return render(request, "assets/quota_bureau_unit.html", context)


@login_required
@require_POST
def bureau_step(request, slug, pk):
    with _bureau_in_unit(request, slug) as unit:
        step_from_post(request, pk)
    return redirect("assets_district:quota_unit", slug=unit.slug)


@login_required
@require_POST
def bureau_acquisition_decide(request, slug, pk):
    with _bureau_in_unit(request, slug) as unit:
        req = get_object_or_404(AcquisitionRequest, pk=pk)
        run_service(request, lambda: quotas.acquisition_decide(
            actor=request.user, request=req, approve=request.POST.get("decision") == "approve",
            note=request.POST.get("note", "")[:2000]), success=_("Decision recorded."))
    return redirect("assets_district:quota_unit", slug=unit.slug)


@login_required
def bureau_budgets(request, slug):
    with _bureau_in_unit(request, slug) as unit:
        declarations = list(BudgetDeclaration.objects.exclude(status=BudgetDeclaration.Status.DRAFT))
    return render(request, "assets/budget_bureau_list.html", {"unit": unit, "declarations": declarations})


@login_required
def bureau_budget(request, slug, year):
    with _bureau_in_unit(request, slug) as unit:
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
