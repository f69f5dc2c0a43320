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
from django.db.models import Q, QuerySet
from django.http import Http404

from zhengtong.registry.registry import UNIT_ADMIN

from .manifest import DEPARTMENT_HEAD
from .models import Asset, AssetGroupObjectPermission, AssetUserObjectPermission, DepartmentHead

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


def asset_get(*, user, pk: int) -> Asset:
    """One card the user may see, or 404 (not 403: do not confirm it exists)."""
    try:
        return _visible_cards(user, Asset.objects.select_related("custodian", "asset_class__parent")).get(pk=pk)
    except Asset.DoesNotExist:
        raise Http404


def department_heads() -> QuerySet[DepartmentHead]:
    return DepartmentHead.objects.select_related("user").order_by("department", "user__name")


def departments_on_cards() -> list[str]:
    """The departments written on this unit's cards, for choosing a head's department."""
    return list(Asset.objects.exclude(department="").order_by("department").values_list("department", flat=True)
                .distinct())
