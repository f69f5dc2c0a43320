"""Roles are Django groups named by role key, one set per schema. Their model-level
permissions come from the manifests; ``sync_roles`` makes a schema match them."""
from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from zhengtong.registry.manifest import RoleSpec


def _permissions(codes: Iterable[str]) -> list[Permission]:
    wanted = {tuple(c.split(".", 1)) for c in codes}
    if not wanted:
        return []
    perms = list(
        Permission.objects.filter(content_type__app_label__in={a for a, _ in wanted}).select_related("content_type")
    )
    found = [p for p in perms if (p.content_type.app_label, p.codename) in wanted]
    missing = wanted - {(p.content_type.app_label, p.codename) for p in found}
    if missing:
        raise LookupError(f"Unknown permissions in a manifest: {sorted('.'.join(m) for m in missing)}")
    return found


@transaction.atomic
def sync_roles(roles: Iterable[RoleSpec]) -> int:
    """Create/update the groups for ``roles`` in the current schema. Returns the count."""
    count = 0
    for spec in roles:
        group, _ = Group.objects.get_or_create(name=spec.key)
        group.permissions.set(_permissions(spec.permissions))
        count += 1
    return count
