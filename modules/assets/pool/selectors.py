"""Reads of the idle pool, filtered by who asks and from which unit.

Listings are meant to be seen across the district, but only by the people who act on them:
asset officers and unit heads of units with the assets module on, and the district finance
bureau. A transfer is seen only by its two units and the bureau; ids repeat nowhere here
(public schema), but a unit must never reach another pair's transfer by its id.
"""
from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from zhengtong.registry.registry import DISTRICT_FINANCE, DISTRICT_OPERATOR, UNIT_ADMIN

from ..manifest import ASSET_OFFICER
from .models import IdleFlag, PoolListing, PoolTransfer

POOL_ROLES = (ASSET_OFFICER, UNIT_ADMIN)


def may_use_pool(user) -> bool:
    """In the active unit's schema: asset officers and unit heads take part in the pool."""
    return user.is_authenticated and user.has_role(*POOL_ROLES)


def is_bureau(user) -> bool:
    """In the public schema: the district finance bureau (and operators, read-only)."""
    return user.is_authenticated and user.has_role(DISTRICT_FINANCE, DISTRICT_OPERATOR)


def open_listings(*, user, unit) -> QuerySet[PoolListing]:
    if unit is None or not may_use_pool(user):
        return PoolListing.objects.none()
    return (PoolListing.objects.filter(status__in=PoolListing.OPEN, unit__district_id=unit.district_id)
            .select_related("unit").order_by("-published_at"))


def listing_get(*, user, unit, pk: int) -> PoolListing:
    try:
        return open_listings(user=user, unit=unit).get(pk=pk)
    except PoolListing.DoesNotExist:
        raise Http404 from None


def unit_transfers(*, user, unit) -> QuerySet[PoolTransfer]:
    """Transfers where the active unit gives or receives."""
    if unit is None or not may_use_pool(user):
        return PoolTransfer.objects.none()
    return (PoolTransfer.objects.filter(Q(listing__unit=unit) | Q(receiving_unit=unit))
            .select_related("listing__unit", "receiving_unit", "requested_by", "giver_approved_by",
                            "receiver_approved_by", "bureau_approved_by", "rejected_by"))


def unit_transfer_get(*, user, unit, pk: int) -> PoolTransfer:
    try:
        return unit_transfers(user=user, unit=unit).get(pk=pk)
    except PoolTransfer.DoesNotExist:
        raise Http404 from None


def unit_party(transfer: PoolTransfer, unit) -> str | None:
    """The side the active unit is on: giver or receiver."""
    if transfer.listing.unit_id == unit.pk:
        return "giver"
    if transfer.receiving_unit_id == unit.pk:
        return "receiver"
    return None


def district_transfers(*, user) -> QuerySet[PoolTransfer]:
    if not is_bureau(user):
        return PoolTransfer.objects.none()
    return PoolTransfer.objects.select_related("listing__unit", "receiving_unit", "requested_by",
                                               "giver_approved_by", "receiver_approved_by", "bureau_approved_by",
                                               "rejected_by")


def district_transfer_get(*, user, pk: int) -> PoolTransfer:
    try:
        return district_transfers(user=user).get(pk=pk)
    except PoolTransfer.DoesNotExist:
        raise Http404 from None


def unit_idle_flags(*, user, unit) -> QuerySet[IdleFlag]:
    if unit is None or not may_use_pool(user):
        return IdleFlag.objects.none()
    return IdleFlag.objects.filter(unit=unit, cleared_on__isnull=True)


def transfer_for_card(*, unit, asset_id: int) -> dict | None:
    """What the card page shows about an executed pool transfer of this card, if any: out to
    another unit (offering side) or in from one (receiving side)."""
    out = (PoolTransfer.objects.filter(status=PoolTransfer.Status.EXECUTED, listing__unit=unit,
                                       listing__asset_id=asset_id).select_related("receiving_unit").first())
    if out:
        return {"direction": "out", "transfer": out, "other": out.receiving_unit}
    came = (PoolTransfer.objects.filter(status=PoolTransfer.Status.EXECUTED, receiving_unit=unit,
                                        new_asset_id=asset_id).select_related("listing__unit").first())
    if came:
        return {"direction": "in", "transfer": came, "other": came.listing.unit}
    return None


def idle_assets_by_unit(units) -> dict[int, int]:
    """Open idle flags per unit id (for the district roll-up)."""
    from django.db.models import Count

    return dict(IdleFlag.objects.filter(unit__in=units, cleared_on__isnull=True).values_list("unit_id")
                .annotate(n=Count("pk")))


def listing_actions(user, listing: PoolListing) -> set[str]:
    """What ``user`` may do with a listing now: "withdraw" (their unit's) or "request" (another's)."""
    from .services import can_request, can_withdraw_listing

    guards = {"withdraw": can_withdraw_listing, "request": can_request}
    return {action for action, guard in guards.items() if guard(listing, user) is None}


def transfer_actions(user, transfer: PoolTransfer, party: str) -> set[str]:
    """What ``user``, on the page of ``party`` ("giver", "receiver" or "bureau"), may do with the
    transfer now: "decide" (approve or reject), "withdraw" (the receiving unit's officer),
    "execute" (the bureau, once approved)."""
    from .services import can_decide, can_execute, can_withdraw_request

    actions = set()
    if can_decide(transfer, user, party) is None:
        actions.add("decide")
    if party == "receiver" and can_withdraw_request(transfer, user) is None:
        actions.add("withdraw")
    if party == "bureau" and can_execute(transfer, user) is None:
        actions.add("execute")
    return actions
