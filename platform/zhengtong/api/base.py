"""The base class of every module's API view set.

A module's view set names its ``module_key`` and model, reads through its selectors and writes
through its services; this class wires the shared permission classes and turns "one object"
into the module's selector call, so a view set holds no access rules of its own.
"""
from __future__ import annotations

from rest_framework import viewsets
from rest_framework.routers import SimpleRouter

from .permissions import MODULE_API_PERMISSIONS


def module_router() -> SimpleRouter:
    """The router a module's api.py registers its view sets on: Django path converters, so an
    object id is ``<int:pk>`` (an integer in the OpenAPI schema too)."""
    return SimpleRouter(use_regex_path=False)


class ModuleViewSet(viewsets.GenericViewSet):
    module_key: str = ""
    permission_classes = MODULE_API_PERMISSIONS
    # Ids are integers; anything else does not match the route (404) instead of reaching the
    # database as a malformed id (ids beyond bigint simply find nothing).
    lookup_value_converter = "int"

    def select_object(self, pk: int):
        """The object the caller may see (the module's selector), or Http404."""
        raise NotImplementedError

    def get_object(self):
        obj = self.select_object(int(self.kwargs[self.lookup_url_kwarg or self.lookup_field]))
        self.check_object_permissions(self.request, obj)
        return obj
