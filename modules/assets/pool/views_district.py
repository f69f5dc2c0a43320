"""District portal pages of the idle pool (/assets/pool/): the finance bureau sees every
transfer, approves after both units and executes an approved transfer whose execution
failed. Operators read only."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from zhengtong.core.actions import run_service

from . import selectors, services
from .models import PoolListing


def _bureau(request) -> None:
    if not request.tenant.is_district_portal or not selectors.is_bureau(request.user):
        raise Http404


@login_required
def district_pool(request):
    _bureau(request)
    return render(request, "assets_pool/district_pool.html", {
        "transfers": selectors.district_transfers(user=request.user)[:200],
        "listings": PoolListing.objects.filter(status__in=PoolListing.OPEN).select_related("unit")[:200]})


@login_required
def district_transfer(request, pk):
    _bureau(request)
    transfer = selectors.district_transfer_get(user=request.user, pk=pk)
    return render(request, "assets_pool/transfer.html", {
        "transfer": transfer, "party": "bureau", "district": True,
        "actions": selectors.transfer_actions(request.user, transfer, "bureau")})


@login_required
@require_POST
def district_decide(request, pk):
    _bureau(request)
    transfer = selectors.district_transfer_get(user=request.user, pk=pk)
    decision = request.POST.get("decision", "")
    if decision == "execute":
        run_service(request, lambda: services.pool_transfer_try_execute(actor=request.user, transfer_id=transfer.pk))
    elif decision in services.DECISIONS:
        run_service(request, lambda: services.pool_transfer_decide(
            actor=request.user, transfer_id=transfer.pk, party="bureau", decision=decision,
            note=request.POST.get("note", "")))
    else:
        raise Http404
    return redirect("assets_district:pool_transfer", pk=transfer.pk)
