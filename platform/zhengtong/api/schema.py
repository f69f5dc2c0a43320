"""OpenAPI schema per unit: a unit's schema lists only the modules switched on there."""
from __future__ import annotations

from django.db import connection

from zhengtong.registry.middleware import enabled_modules


def hide_disabled_modules(endpoints, **kwargs):
    unit = getattr(connection, "tenant", None)
    if unit is None or getattr(unit, "is_district_portal", True):
        return endpoints  # generated outside a unit (manage.py spectacular): everything
    enabled = enabled_modules(unit)
    kept = []
    for path, path_regex, method, callback in endpoints:
        key = getattr(getattr(callback, "cls", None), "module_key", "")
        if not key or key in enabled:
            kept.append((path, path_regex, method, callback))
    return kept
