"""District portal pages of the idle pool (/assets/pool/): the finance bureau sees every
transfer, approves after both units and executes an approved transfer whose execution
failed. Operators read only."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from zhengtong.audit.services import audit_denied

from . import selectors, services
from .models import PoolListing


def _bureau(request) -> None:
    if not request.tenant.is_district_portal or not selectors.is_bureau(request.user):
        raise Http404


def _fail(request, exc) -> None:
    if isinstance(exc, PermissionDenied):
        # Outside the refused (rolled back) transaction, so the attempt stays in the trail.
        audit_denied(action="assets.pool.refused", actor=request.user, object_repr=request.path[:200],
                     detail=str(exc))
    messages.error(request, "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))


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
    may = services.may_decide(request.user, transfer, "bureau")
    return render(request, "assets_pool/transfer.html", {
        "transfer": transfer, "party": "bureau", "district": True,
        "may_decide": may and transfer.status == transfer.Status.PENDING,
        "may_execute": may and transfer.status == transfer.Status.APPROVED})


@login_required
@require_POST
def district_decide(request, pk):
    _bureau(request)
    transfer = selectors.district_transfer_get(user=request.user, pk=pk)
    try:
        if request.POST.get("decision") == "execute":
            services.pool_transfer_try_execute(actor=request.user, transfer_id=transfer.pk)
        else:
            services.pool_transfer_decide(actor=request.user, transfer_id=transfer.pk, party="bureau",
                                          decision=request.POST.get("decision", ""),
                                          note=request.POST.get("note", ""))
    except ValueError:
        raise Http404
    except (PermissionDenied, ValidationError) as exc:
        _fail(request, exc)
    return redirect("assets_district:pool_transfer", pk=transfer.pk)
