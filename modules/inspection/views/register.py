"""Pages of the register: taxpayers and their filings (by hand or from a spreadsheet), the
industry benchmarks and the regulation library."""
from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from zhengtong.core.actions import run_service
from zhengtong.core.permissions import require_perm
from zhengtong.core.submissions import once_per_submission
from zhengtong.registry.registry import localized

from .. import forms, selectors, services
from ..indicators import BY_KEY, FIELD_LABELS, FILING_FIELDS, INDICATORS
from ..models import Finding
from ..rules import current_rules


# ---------------------------------------------------------------- taxpayers and filings
@login_required
def entity_list(request):
    require_perm(request, "inspection.view_inspectedentity")
    q = request.GET.get("q", "").strip()
    industry = request.GET.get("industry", "").strip()
    page = Paginator(selectors.entity_list(user=request.user, search=q, industry=industry), 25).get_page(
        request.GET.get("page"))
    return render(request, "inspection/entity_list.html", {"page": page, "q": q, "industry": industry})


@login_required
@once_per_submission
def entity_create(request):
    require_perm(request, "inspection.add_inspectedentity")
    form = forms.EntityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done, entity = run_service(request, lambda: services.entity_register(actor=request.user, **form.cleaned_data))
        if done:
            messages.success(request, _("Taxpayer %(n)s registered.") % {"n": entity.name})
            return redirect("inspection:entity_detail", pk=entity.pk)
    return render(request, "inspection/form.html", {"form": form, "title": _("Register a taxpayer")})


@login_required
def entity_detail(request, pk):
    entity = selectors.entity_get(user=request.user, pk=pk)
    filings = selectors.entity_indicators(entity=entity)
    form = None
    if request.user.has_perm("inspection.add_financialfiling"):
        form = forms.FilingForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = dict(form.cleaned_data)
            done, _filing = run_service(request, lambda: services.filing_save(
                actor=request.user, entity=entity, period=data.pop("period"), filed_on=data.pop("filed_on"), **data),
                success=_("Filing saved."))
            if done:
                return redirect("inspection:entity_detail", pk=entity.pk)
    cases = selectors.case_list(user=request.user).filter(entity=entity)
    return render(request, "inspection/entity_detail.html", {
        "entity": entity, "filings": filings, "form": form, "indicators": INDICATORS, "cases": cases,
        "figure_rows": [(localized(*FIELD_LABELS[k]), k) for k in FILING_FIELDS],
    })


@login_required
def filings_import(request):
    require_perm(request, "inspection.add_financialfiling")
    form = forms.UploadForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        done, result = run_service(request, lambda: services.filings_import(
            actor=request.user, filename=upload.name, data=upload.read()))
        if done and not result.errors:
            messages.success(request, _("Imported: %(e)d new taxpayers, %(f)d new filings, %(u)d corrected "
                                        "filings.") % {"e": result.entities_created, "f": result.filings_created,
                                                       "u": result.filings_updated})
            messages.info(request, _("Figures taken from the file's columns: %(c)s. Figures of columns the "
                                     "file does not have were left as they were.") % {
                "c": "、".join(result.figure_columns) or "—"})
            return redirect("inspection:entity_list")
    return render(request, "inspection/import.html", {
        "form": form, "result": result, "title": _("Import taxpayers and filings"),
        "template_url": "inspection:filings_template",
        "help": _("A correction file may carry only some columns: figures of columns it does not have stay as "
                  "they are; an empty cell means not reported. 上期营业收入 only when the previous period was "
                  "not filed here.")})


@login_required
def filings_template(request):
    require_perm(request, "inspection.add_financialfiling")
    response = HttpResponse(services.import_template(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="filings-template.xlsx"'
    return response


# ---------------------------------------------------------------- benchmarks
@login_required
def benchmark_list(request):
    require_perm(request, "inspection.view_industrybenchmark")
    period = request.GET.get("period", "").strip()
    industry = request.GET.get("industry", "").strip()
    compute = forms.BenchmarkComputeForm(request.POST or None) if request.user.has_perm(
        "inspection.add_industrybenchmark") else None
    outcomes = None
    if compute is not None and request.method == "POST" and compute.is_valid():
        _done, outcomes = run_service(request, lambda: services.benchmark_compute(
            actor=request.user, **compute.cleaned_data), success=_("Benchmarks computed."))
    rows = selectors.benchmark_list(user=request.user, period=period, industry=industry)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "inspection/benchmark_list.html", {
        "page": page, "period": period, "industry": industry, "compute": compute, "by_key": BY_KEY,
        "outcomes": outcomes, "periods": selectors.filing_periods(), "codes": selectors.industry_codes(),
        "min_sample": current_rules().benchmark_min_sample,
    })


@login_required
def benchmarks_import(request):
    require_perm(request, "inspection.add_industrybenchmark")
    form = forms.UploadForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        done, result = run_service(request, lambda: services.benchmarks_import(
            actor=request.user, filename=upload.name, data=upload.read()))
        if done and not result.errors:
            messages.success(request, _("%(n)d benchmarks imported.") % {"n": result.benchmarks_saved})
            return redirect("inspection:benchmark_list")
    return render(request, "inspection/import.html", {
        "form": form, "result": result, "title": _("Import industry benchmarks"),
        "help": _("Columns: 行业代码, 期间, 指标, 基准值. Rates in percent (3.5 = 3.5%), turnovers in times."),
    })


# ---------------------------------------------------------------- regulation library
@login_required
def regulation_list(request):
    require_perm(request, "inspection.view_regulationarticle")
    q = request.GET.get("q", "").strip()
    on = request.GET.get("on", "").strip()
    in_force = None
    if on:
        try:
            in_force = date.fromisoformat(on)
        except ValueError:
            messages.error(request, _("Write dates as 2024-03-31 (日期格式应为2024-03-31)."))
    page = Paginator(selectors.regulation_search(user=request.user, q=q, in_force_on=in_force), 20).get_page(
        request.GET.get("page"))
    return render(request, "inspection/regulation_list.html", {"page": page, "q": q, "on": on})


@login_required
@once_per_submission
def regulation_create(request):
    require_perm(request, "inspection.add_regulationarticle")
    form = forms.RegulationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done, article = run_service(request, lambda: services.regulation_add(actor=request.user, **form.cleaned_data),
                                    success=_("Article saved."))
        if done:
            return redirect("inspection:regulation_detail", pk=article.pk)
    return render(request, "inspection/form.html", {"form": form, "title": _("Add an article")})


@login_required
def regulation_detail(request, pk):
    article = selectors.regulation_get(user=request.user, pk=pk)
    findings = Finding.objects.filter(articles=article).select_related("case")
    visible_cases = set(selectors.case_list(user=request.user).values_list("pk", flat=True))
    return render(request, "inspection/regulation_detail.html", {
        "article": article, "in_force": article.in_force_on(timezone.localdate()),
        "findings": [f for f in findings if f.case_id in visible_cases]})
