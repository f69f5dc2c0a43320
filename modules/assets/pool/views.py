"""Unit pages of the idle pool (under /m/assets/pool/): the district's open listings, the
unit's idle assets to offer, and the transfers the unit gives or receives. Thin: checks in
selectors/services, writes in services."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from zhengtong.core.actions import run_service

from ..models import Asset
from . import selectors, services


def _unit(request):
    unit = getattr(request, "tenant", None)
    if unit is None or unit.is_district_portal or not selectors.may_use_pool(request.user):
        raise Http404
    return unit


@login_required
def pool_list(request):
    unit = _unit(request)
    listings = [(listing, selectors.listing_actions(request.user, listing))
                for listing in selectors.open_listings(user=request.user, unit=unit)]
    return render(request, "assets_pool/pool_list.html", {
        "listings": listings, "unit": unit,
        "transfers": selectors.unit_transfers(user=request.user, unit=unit)[:50]})


@login_required
def pool_idle(request):
    unit = _unit(request)
    listed = set(selectors.open_listings(user=request.user, unit=unit).filter(unit=unit)
                 .values_list("asset_id", flat=True))
    idle = Asset.objects.filter(status=Asset.Status.IDLE).order_by("status_changed_on", "number")
    return render(request, "assets_pool/pool_idle.html", {
        "flags": selectors.unit_idle_flags(user=request.user, unit=unit), "idle": idle, "listed": listed,
        "is_officer": request.user.has_role(services.ASSET_OFFICER)})


@login_required
@require_POST
def pool_publish(request, asset_pk):
    _unit(request)
    try:
        done, listing = run_service(request, lambda: services.pool_publish(
            actor=request.user, asset_id=asset_pk, note=request.POST.get("note", "")))
    except Asset.DoesNotExist:
        raise Http404 from None
    if not done:
        return redirect("assets:pool_idle")
    messages.success(request, f"{listing.asset_number} ✓")
    return redirect("assets:pool_list")


@login_required
@require_POST
def pool_withdraw(request, pk):
    unit = _unit(request)
    listing = selectors.listing_get(user=request.user, unit=unit, pk=pk)
    run_service(request, lambda: services.pool_withdraw(actor=request.user, listing_id=listing.pk))
    return redirect("assets:pool_list")


@login_required
@require_POST
def pool_request(request, pk):
    unit = _unit(request)
    listing = selectors.listing_get(user=request.user, unit=unit, pk=pk)
    done, transfer = run_service(request, lambda: services.pool_request(
        actor=request.user, listing_id=listing.pk, reason=request.POST.get("reason", "")[:2000]))
    if not done:
        return redirect("assets:pool_list")
    return redirect("assets:pool_transfer", pk=transfer.pk)


@login_required
def pool_transfer(request, pk):
    unit = _unit(request)
    transfer = selectors.unit_transfer_get(user=request.user, unit=unit, pk=pk)
    party = selectors.unit_party(transfer, unit)
    return render(request, "assets_pool/transfer.html", {
        "transfer": transfer, "party": party, "district": False,
        "actions": selectors.transfer_actions(request.user, transfer, party)})


@login_required
@require_POST
def pool_decide(request, pk):
    unit = _unit(request)
    transfer = selectors.unit_transfer_get(user=request.user, unit=unit, pk=pk)
    party = selectors.unit_party(transfer, unit)  # a unit signs only for its own side
    decision = request.POST.get("decision", "")
    if decision == "withdraw":
        run_service(request, lambda: services.pool_transfer_withdraw(actor=request.user, transfer_id=transfer.pk))
    elif decision in services.DECISIONS:
        run_service(request, lambda: services.pool_transfer_decide(
            actor=request.user, transfer_id=transfer.pk, party=party, decision=decision,
            note=request.POST.get("note", "")))
    else:
        raise Http404
    return redirect("assets:pool_transfer", pk=transfer.pk)
