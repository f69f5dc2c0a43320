"""Unit pages of the allocation quotas (配置定额, 两上两下) and acquisition requests
(/m/assets/quotas/): the asset officer and the unit admin see every quota item with every round
of its negotiation, take the unit's turns (propose, revise, apply for a change when functions
change) and request acquisitions, each checked against the quota minus current stock. The
finance bureau's side is in views_district.py."""
from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhengtong.core.actions import run_service

from .. import quotas
from ..forms import AcquisitionForm, QuotaStepForm
from ..models import AcquisitionRequest, QuotaItem
from ..selectors import quota_items


def step_from_post(request, item_pk: int) -> None:
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


def unit_side_only(request) -> None:
    """The quota and budget pages of the unit portal: its asset officer and unit admin."""
    if request.tenant.is_district_portal or not request.user.has_role(*quotas.UNIT_SIDE):
        raise PermissionDenied


@login_required
def quota_list(request):
    unit_side_only(request)
    return render(request, "assets/quotas.html", {"items": quota_items(user=request.user, side="unit"), "side": "unit"})


@login_required
@require_POST
def quota_step(request, pk):
    unit_side_only(request)
    step_from_post(request, pk)  # the service refuses the bureau's steps to the unit
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
        "quotas": [i for i in quota_items(user=request.user, side="unit", year=year)
                   if i["item"].approved_quantity is not None]})
