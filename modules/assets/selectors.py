"""Reads of asset cards, filtered by what the reader may see.

Who sees which cards (one rule for the list, the card, the export, the PDF register and
the API, since they all read through here):

* the asset officer and the unit admin — roles holding ``assets.view_asset`` — every card;
* a custodian — the cards in their custody (object permission granted with custody);
* a department head (role ``assets.department_head``) — also every card whose department
  is one the unit admin or asset officer assigned to them (``DepartmentHead``), read only.

Whatever the role, the list is one SQL statement (the permission filters are subqueries),
so its cost does not grow with the page or the books.
"""
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.http import Http404

from zhengtong.registry.registry import UNIT_ADMIN

from .budget import budget_figures, can_change, can_review
from .manifest import DEPARTMENT_HEAD
from .models import (
    Asset,
    AssetGroupObjectPermission,
    AssetUserObjectPermission,
    BudgetDeclaration,
    DepartmentHead,
    QuotaItem,
    QuotaRound,
)
from .quotas import can_take_step, current_stock, next_step

VIEW = "assets.view_asset"


def _held(user) -> Q:
    """Cards on which ``user`` holds the view permission object by object (custody), directly
    or through their roles in this unit: two small subqueries on the cards' direct-FK grant
    tables (models.AssetUserObjectPermission), joined on an integer. (guardian's
    get_objects_for_user, which zhengtong.core.permissions.visible uses, is slower here; see
    bench/asset_list.py.)"""
    codename = VIEW.split(".")[1]
    own = AssetUserObjectPermission.objects.filter(user_id=user.pk, permission__codename=codename)
    by_role = AssetGroupObjectPermission.objects.filter(group__in=user.groups.all(), permission__codename=codename)
    # One IN over a UNION ALL: PostgreSQL hashes the few granted ids once, where "IN a OR IN b"
    # tests both subplans for every card.
    return Q(pk__in=own.values("content_object_id").union(by_role.values("content_object_id"), all=True))


def _visible_cards(user, queryset: QuerySet[Asset]) -> QuerySet[Asset]:
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.has_perm(VIEW) or user.has_role(UNIT_ADMIN):
        return queryset
    seen = _held(user)
    if user.has_role(DEPARTMENT_HEAD):
        seen |= Q(department__in=DepartmentHead.objects.filter(user_id=user.pk).values("department"))
    return queryset.filter(seen)


def asset_list(*, user, search: str = "", status: str = "") -> QuerySet[Asset]:
    qs = _visible_cards(user, Asset.objects.select_related("custodian"))
    if search:
        qs = qs.filter(Q(number__icontains=search) | Q(name__icontains=search) | Q(spec__icontains=search)
                       | Q(location__icontains=search))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("number")


def card_by_number(*, user, number: str) -> Asset | None:
    """The card numbered ``number`` if ``user`` may see it, else None. Other modules read it through
    the lookup "assets.card_by_number" (manifest.py): equipment links a device to its card."""
    return _visible_cards(user, Asset.objects.all()).filter(number=number).first()


def asset_get(*, user, pk: int) -> Asset:
    """One card the user may see, or 404 (not 403: do not confirm it exists)."""
    try:
        return _visible_cards(user, Asset.objects.select_related("custodian", "asset_class__parent")).get(pk=pk)
    except Asset.DoesNotExist:
        raise Http404 from None


def department_heads() -> QuerySet[DepartmentHead]:
    return DepartmentHead.objects.select_related("user").order_by("department", "user__name")


def departments_on_cards() -> list[str]:
    """The departments written on this unit's cards, for choosing a head's department."""
    return list(Asset.objects.exclude(department="").order_by("department").values_list("department", flat=True)
                .distinct())


def actions_for(user, asset: Asset) -> set[str]:
    """What ``user`` may do with the card now — "edit", "set_status", "request_disposal",
    "record_disposal" — as the services' guards decide; the card page offers these and no others."""
    from .services import can_edit, can_record_disposal, can_request_disposal, can_set_status

    guards = {"edit": can_edit, "set_status": can_set_status, "request_disposal": can_request_disposal,
              "record_disposal": can_record_disposal}
    return {action for action, guard in guards.items() if guard(asset, user) is None}


# ---------------------------------------------------------------- quotas and the annual budget


def quota_items(*, user, side: str, year: int | None = None) -> list[dict]:
    """Quota items of the current schema with their rounds and stock, whose turn it is ("unit" or
    "bureau") and the steps ``user`` may take on the page of ``side`` (the quota pages of both
    sides read the unit's schema through this)."""
    items = QuotaItem.objects.select_related("asset_class").prefetch_related("rounds__by").order_by(
        "-year", "asset_class__code")
    if year:
        items = items.filter(year=year)
    shown = []
    for item in items:
        stock = current_stock(item.asset_class)
        following = next_step(item)
        shown.append({
            "item": item, "rounds": list(item.rounds.all()), "stock": stock,
            "available": None if item.approved_quantity is None else item.approved_quantity - stock,
            "over": item.approved_quantity is not None and stock > item.approved_quantity,
            "steps": [(s, QuotaRound.Step(s).label) for s in following[0]
                      if following[1] == side and can_take_step(item, user, s) is None] if following else [],
            "turn": following[1] if following else "",
        })
    return shown


def budget_rows(declaration: BudgetDeclaration) -> list[dict]:
    """Each line with the stock and quota beside it (live; and as declared, once submitted)."""
    return [{"line": line, "now": budget_figures(line)}
            for line in declaration.lines.select_related("asset_class").order_by("asset_class__code", "pk")]


def budget_totals(rows: list[dict]) -> dict:
    declared = sum((r["line"].amount for r in rows), Decimal("0.00"))
    approved = sum((r["line"].approved_amount or Decimal("0.00") for r in rows), Decimal("0.00"))
    return {"declared": declared, "approved": approved}


def budget_actions(user, declaration: BudgetDeclaration, *, side: str) -> set[str]:
    """What ``user`` may do with the declaration now on the ``side`` ("unit" or "bureau") whose
    page they are on: "change" (its lines, and submit it) on the unit's, "review" on the bureau's —
    decided by the guards in budget.py, offered as such by the page."""
    guards = {"change": can_change} if side == "unit" else {"review": can_review}
    return {action for action, guard in guards.items() if guard(declaration, user) is None}
