"""Unit rows made without schemas, for tests of what reads only the rows (the switcher, the
"my units" page, a page's query count): real schemas would cost minutes of set-up."""
from __future__ import annotations

import itertools

_batch = itertools.count(1)


def unit_rows(like, count: int, *, name: str, slug: str, module_keys=()) -> list:
    """``count`` units in ``like``'s district (same owner), each with its primary domain and
    ``module_keys`` switched on; named ``<name><batch>-<i>`` with slugs ``<slug><batch>-<i>``."""
    from tenants.models import Domain, Unit, UnitModule
    from zhengtong.core.hosts import unit_host

    batch = next(_batch)
    units = Unit.objects.bulk_create(
        Unit(name=f"{name}{batch}-{i:02d}", slug=f"{slug}{batch}-{i:02d}", schema_name=f"u_{slug}{batch}_{i:02d}",
             owner=like.owner, district=like.district)
        for i in range(count))
    Domain.objects.bulk_create(Domain(domain=unit_host(u.slug), tenant=u, is_primary=True) for u in units)
    UnitModule.objects.bulk_create(UnitModule(unit=u, module_key=key) for u in units for key in module_keys)
    return units
