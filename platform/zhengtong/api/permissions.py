"""Permission classes every module's API reuses, in this order:

1. ``IsUnitMember`` — signed in, and a member of the unit whose host is called. Non-members get
   404 like on the portal (TenantAccessMiddleware does the same for session users; bearer-token
   users are only known to DRF, so the check is repeated here).
2. ``ModuleEnabled`` — the view's ``module_key`` is switched on for the unit, else 404 (the module
   gate middleware already refuses its namespace; this holds even if a view is mounted elsewhere).
3. ``UnitModelPermissions`` — creating needs the model-level "add" permission of the unit's roles;
   changing or deleting an object needs "change"/"delete" on it, at model level or as a guardian
   object grant (``zhengtong.core.permissions.can``). Reading is filtered by the module's selector
   (``visible()``/``get_visible()``), so an object the caller may not see is a 404, never a 403.
"""
from __future__ import annotations

from rest_framework.exceptions import NotFound
from rest_framework.permissions import SAFE_METHODS, BasePermission

from zhengtong.core.permissions import can
from zhengtong.registry.middleware import enabled_modules

WRITE_ACTIONS = {"POST": "add", "PUT": "change", "PATCH": "change", "DELETE": "delete"}


class IsUnitMember(BasePermission):
    def has_permission(self, request, view):
        unit = getattr(request, "tenant", None)
        if unit is None or unit.is_district_portal:
            raise NotFound
        user = request.user
        if not (user and user.is_authenticated and user.is_active) or getattr(user, "is_system", False):
            return False  # DRF answers 401 (bearer challenge) or 403
        if not unit.user_set.filter(pk=user.pk).exists():
            raise NotFound
        return True


class ModuleEnabled(BasePermission):
    def has_permission(self, request, view):
        key = getattr(view, "module_key", "")
        if key and key not in enabled_modules(request.tenant):
            raise NotFound
        return True


def model_perm(model, action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


class UnitModelPermissions(BasePermission):
    """Needs the view to name its model: ``permission_model`` or ``queryset.model``.

    ``object_write_permissions`` on the view maps a method to another action on one object
    (e.g. ``{"POST": "change"}`` for a custom action that edits a card)."""

    @staticmethod
    def _model(view):
        model = getattr(view, "permission_model", None)
        if model is None:
            model = view.queryset.model
        return model

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")
        if request.method == "POST" and lookup not in view.kwargs:
            # A create: the unit's roles must allow adding at all (checked before the payload,
            # so a refused caller learns nothing from validation errors).
            return request.user.has_perm(model_perm(self._model(view), "add"))
        return True  # on one object: decided in has_object_permission

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS:
            if not can(request.user, model_perm(type(obj), "view"), obj):
                raise NotFound  # never confirm that an object the caller may not see exists
            return True
        action = getattr(view, "object_write_permissions", {}).get(request.method) or WRITE_ACTIONS[request.method]
        return can(request.user, model_perm(type(obj), action), obj)


MODULE_API_PERMISSIONS = [IsUnitMember, ModuleEnabled, UnitModelPermissions]
