from django.db.models import Q, QuerySet

from zhengtong.core.permissions import get_visible, visible

from .models import Asset


def asset_list(*, user, search: str = "", status: str = "") -> QuerySet[Asset]:
    qs = visible(user, "assets.view_asset", Asset.objects.select_related("custodian"))
    if search:
        qs = qs.filter(Q(number__icontains=search) | Q(name__icontains=search) | Q(spec__icontains=search)
                       | Q(location__icontains=search))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("number")


def asset_get(*, user, pk: int) -> Asset:
    return get_visible(user, "assets.view_asset", Asset.objects.select_related("custodian", "asset_class__parent"), pk=pk)
