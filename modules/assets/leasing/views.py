"""Unit pages of lending and renting (under /m/assets/lending/). Thin: reads through
selectors, writes through services, approval through the shared engine's panel."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhengtong.core.actions import run_service
from zhengtong.core.permissions import visible
from zhengtong.core.submissions import once_per_submission

from ..models import Asset
from . import selectors, services
from .forms import IncomeForm, LeaseContractForm
from .models import LeaseContract


@login_required
def lending_list(request):
    if not selectors.may_view_contracts(request.user):
        raise PermissionDenied
    status = request.GET.get("status", "")
    return render(request, "assets_leasing/list.html", {
        "contracts": selectors.contract_list(user=request.user, status=status)[:500], "status": status,
        "statuses": LeaseContract.Status.choices, "is_officer": services.is_officer(request.user)})


@login_required
@once_per_submission
def lending_create(request):
    if not services.is_officer(request.user):
        raise PermissionDenied
    assets = visible(request.user, "assets.change_asset",
                     Asset.objects.filter(status__in=services.LENDABLE)).order_by("number")
    form = LeaseContractForm(request.POST or None, assets=assets,
                             initial={"asset": request.GET.get("asset")} if request.GET.get("asset") else None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items()}
        try:
            contract = services.lease_request_create(actor=request.user, **data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Request saved: submit it for approval."))
            return redirect("assets:lending_detail", pk=contract.pk)
    return render(request, "assets_leasing/form.html", {"form": form})


@login_required
def lending_detail(request, pk):
    contract = selectors.contract_get(user=request.user, pk=pk)
    return render(request, "assets_leasing/detail.html", {
        "contract": contract, "entries": contract.income_entries.select_related("recorded_by"),
        "income_form": IncomeForm(), "actions": selectors.actions_for(request.user, contract)})


@login_required
@require_POST
def lending_income(request, pk):
    contract = selectors.contract_get(user=request.user, pk=pk)
    form = IncomeForm(request.POST)
    if form.is_valid():
        run_service(request, lambda: services.lease_income_record(actor=request.user, contract=contract,
                                                                  **form.cleaned_data))
    else:
        messages.error(request, "; ".join(e for errs in form.errors.values() for e in errs))
    return redirect("assets:lending_detail", pk=contract.pk)


@login_required
@require_POST
def lending_file(request, pk):
    contract = selectors.contract_get(user=request.user, pk=pk)
    run_service(request, lambda: services.lease_file_with_bureau(actor=request.user, contract=contract))
    return redirect("assets:lending_detail", pk=contract.pk)


@login_required
@require_POST
def lending_return(request, pk):
    contract = selectors.contract_get(user=request.user, pk=pk)
    run_service(request, lambda: services.lease_return(actor=request.user, contract=contract))
    return redirect("assets:lending_detail", pk=contract.pk)
