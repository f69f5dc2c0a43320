from django.db.models import Count, Q, QuerySet

from zhengtong.accounts.services import MEMBER_MANAGERS, ROLE_GRANTORS

from .models import Unit


def unit_list(*, search: str = "", status: str = "") -> QuerySet[Unit]:
    qs = Unit.objects.exclude(schema_name="public").prefetch_related("domains", "module_switches")
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(slug__icontains=search) | Q(credit_code__icontains=search))
    if status:
        qs = qs.filter(status=status)
    return qs.annotate(member_count=Count("user_set", distinct=True)).order_by("name")


def may_manage_members(user, unit) -> bool:
    """Whether ``user`` may open the members pages of ``unit`` (a unit, not the district portal):
    its unit or system administrator adds and removes members, the unit or security administrator
    grants roles. The members views and the sidebar ask this same question."""
    if unit is None or unit.is_district_portal or not user.is_authenticated:
        return False
    return user.has_role(*MEMBER_MANAGERS, *ROLE_GRANTORS)
