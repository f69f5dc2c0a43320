from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django_tenants.utils import get_tenant_model

from .models import User

if TYPE_CHECKING:
    from tenants.models import Unit


def units_of(user: User) -> QuerySet[Unit]:
    """The units (not the district portal) a user belongs to, for the unit switcher."""
    Unit = get_tenant_model()  # the platform never imports tenants/ (docs/architecture.md, Layers)
    if not user.is_authenticated:
        return Unit.objects.none()
    return (
        user.tenants.exclude(schema_name="public")
        .exclude(status=Unit.Status.ARCHIVED)
        .prefetch_related("domains")
        .order_by("name")
    )


def unit_members(unit: Unit) -> QuerySet[User]:
    return unit.user_set.filter(is_active=True).order_by("name", "email")
