"""The base class of every module's API view set.

A module's view set names its ``module_key`` and model, reads through its selectors and writes
through its services; this class wires the shared permission classes and turns "one object"
into the module's selector call, so a view set holds no access rules of its own.
"""
from __future__ import annotations

from collections.abc import Mapping

from rest_framework import viewsets
from rest_framework.routers import SimpleRouter

from .exceptions import PreconditionRequired
from .permissions import MODULE_API_PERMISSIONS
from .schema import UnitAutoSchema


def module_router() -> SimpleRouter:
    """The router a module's api.py registers its view sets on: Django path converters, so an
    object id is ``<int:pk>`` (an integer in the OpenAPI schema too)."""
    return SimpleRouter(use_regex_path=False)


class ModuleViewSet(viewsets.GenericViewSet):
    module_key: str = ""
    permission_classes = MODULE_API_PERMISSIONS
    schema = UnitAutoSchema()
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


class VersionedUpdates:
    """For view sets whose objects carry an optimistic-locking ``version``: an update (PUT or
    PATCH) must send the version it read. Without it the service has nothing to compare, and
    the update silently overwrites whatever someone saved in the meantime (last write wins), so
    it is refused with 428; a version that is no longer current is the service's 409.

    The schema (UnitAutoSchema) marks ``version`` required on these updates and documents 409
    and 428."""

    version_field = "version"

    def require_version(self, request) -> None:
        data = request.data
        # Anything but a JSON object is the serializer's 400 ("expected a dictionary").
        if isinstance(data, Mapping) and self.version_field not in data:
            raise PreconditionRequired
