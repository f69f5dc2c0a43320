"""Pages of the allocation quotas (配置定额, 两上两下) and acquisition requests.

Unit side (unit portal, /m/assets/quotas/): the asset officer and the unit admin see every
quota item with every round of its negotiation, take the unit's turns (propose, revise,
apply for a change when functions change) and request acquisitions, each checked against
the quota minus current stock.

Bureau side (district portal, /assets/quotas/): the district finance bureau opens quota
items per unit and class, returns its figures, approves, answers change applications and
decides over-quota acquisition requests. The quota rows live in the unit's schema, so each
page reads and writes inside that schema and materialises what it shows before leaving it.
"""
from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_tenants.utils import schema_context

from zhengtong.core.actions import run_service

from .. import quotas, rollup
from ..forms import AcquisitionForm, QuotaOpenForm, QuotaStepForm
from ..models import AcquisitionRequest, BudgetDeclaration, QuotaItem
from ..selectors import quota_items


def _step_post(request, item_pk: int) -> None:
    """Take one negotiation step from a POSTed QuotaStepForm; messages say how it went."""
    item = get_object_or_404(QuotaItem, pk=item_pk)
    form = QuotaStepForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the quantity (请检查数量)."))
        return
    run_service(request, lambda: quotas.quota_round_add(
        actor=request.user, item=item, step=form.cleaned_data["step"], quantity=form.cleaned_data["quantity"],
        note=form.cleaned_data["note"]), success=_("Round recorded."))


# ---------------------------------------------------------------- unit side


def _unit_side(request) -> None:
    if request.tenant.is_district_portal or not request.user.has_role(*quotas.UNIT_SIDE):
        raise PermissionDenied


@login_required
def quota_list(request):
    _unit_side(request)
    return render(request, "assets/quotas.html", {"items": quota_items(), "side": "unit"})


@login_required
@require_POST
def quota_step(request, pk):
    _unit_side(request)
    _step_post(request, pk)  # the service refuses the bureau's steps to the unit
    return redirect("assets:quotas")


@login_required
def acquisition_list(request):
    """Requests to acquire assets, each checked against quota minus current stock."""
    if request.tenant.is_district_portal or not (request.user.has_role(*quotas.UNIT_SIDE)
                                                 or request.user.has_perm("assets.add_asset")):
        raise PermissionDenied
    form = AcquisitionForm(request.POST or None, initial={"year": date.today().year})
    if request.method == "POST" and form.is_valid():
        try:
            req = quotas.acquisition_request(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:  # over quota: the message gives the figures
            form.add_error(None, exc)
        else:
            messages.success(request, _("Acquisition request recorded: %(s)s.") % {"s": req.get_status_display()})
            return redirect("assets:acquisitions")
    requests = list(AcquisitionRequest.objects.select_related("asset_class", "requested_by", "decided_by")
                    .order_by("-created_at")[:200])
    year = date.today().year
    return render(request, "assets/acquisitions.html", {
        "form": form, "requests": requests, "year": year,
        "quotas": [i for i in quota_items(year=year) if i["item"].approved_quantity is not None]})


# ---------------------------------------------------------------- bureau side (district portal)


def bureau_only(request) -> None:
    if not request.tenant.is_district_portal or not quotas.is_bureau(request.user):
        raise Http404


def rollup_unit(slug: str):
    unit = next((u for u in rollup.rollup_units() if u.slug == slug), None)
    if unit is None:
        raise Http404
    return unit


@login_required
def bureau_units(request):
    bureau_only(request)
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
    bureau_only(request)
    unit = rollup_unit(slug)
    with schema_context(unit.schema_name):
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
            "unit": unit, "items": quota_items(), "side": "bureau", "form": form,
            "acquisitions": list(AcquisitionRequest.objects.select_related("asset_class", "requested_by")
                                 .filter(status=AcquisitionRequest.Status.BUREAU_REVIEW)),
        }
        return render(request, "assets/quota_bureau_unit.html", context)


@login_required
@require_POST
def bureau_step(request, slug, pk):
    bureau_only(request)
    unit = rollup_unit(slug)
    with schema_context(unit.schema_name):
        _step_post(request, pk)
    return redirect("assets_district:quota_unit", slug=unit.slug)


@login_required
@require_POST
def bureau_acquisition_decide(request, slug, pk):
    bureau_only(request)
    unit = rollup_unit(slug)
    with schema_context(unit.schema_name):
        req = get_object_or_404(AcquisitionRequest, pk=pk)
        run_service(request, lambda: quotas.acquisition_decide(
            actor=request.user, request=req, approve=request.POST.get("decision") == "approve",
            note=request.POST.get("note", "")[:2000]), success=_("Decision recorded."))
    return redirect("assets_district:quota_unit", slug=unit.slug)
