from django.db.models import Count, Q, QuerySet

from .models import Unit


def unit_list(*, search: str = "", status: str = "") -> QuerySet[Unit]:
    qs = Unit.objects.exclude(schema_name="public").prefetch_related("domains", "module_switches")
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(slug__icontains=search) | Q(credit_code__icontains=search))
    if status:
        qs = qs.filter(status=status)
    return qs.annotate(member_count=Count("user_set", distinct=True)).order_by("name")
