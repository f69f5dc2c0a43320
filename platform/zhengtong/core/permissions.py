"""One way for every module to filter lists and check single objects.

A role's model-level permission (from its manifest, granted to the role's group in the
unit's schema) means "every object of this kind in this unit". Otherwise the user sees
what django-guardian grants them on that object, directly or through their groups in
this unit. Everything runs in the active unit's schema, so grants never cross units.
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm


def visible(user, perm: str, queryset: QuerySet) -> QuerySet:
    """The subset of ``queryset`` on which ``user`` holds ``perm`` ("app.codename")."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.has_perm(perm):
        return queryset
    return get_objects_for_user(user, perm, klass=queryset, accept_global_perms=False, with_superuser=False)


def get_visible(user, perm: str, queryset: QuerySet, **lookup) -> Model:
    """One object the user may see, or 404 (not 403: do not confirm it exists)."""
    try:
        return visible(user, perm, queryset).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None


def require_perm(request, perm: str) -> None:
    """A view's model-level check: 403 unless the user holds ``perm`` in this unit."""
    if not request.user.has_perm(perm):
        raise PermissionDenied


def can(user, perm: str, obj: Model) -> bool:
    return user.is_authenticated and (user.has_perm(perm) or user.has_perm(perm, obj))


def grant(perm: str, who, obj: Model) -> None:
    """Grant an object permission to a user or a group (prefer groups on containers)."""
    assign_perm(perm, who, obj)


def revoke(perm: str, who, obj: Model) -> None:
    remove_perm(perm, who, obj)
