"""What every module factory shares: the data is made in ``unit``'s schema by ``actor``, a
member holding the role whose page makes it (one is created when the test names none)."""
from __future__ import annotations

from importlib import import_module

import factory
from django_tenants.utils import schema_context

from .platform import MemberFactory


def _member(stub):
    if stub.unit is None:
        return None  # _create says what is missing
    return MemberFactory(unit=stub.unit, roles=stub.actor_roles)


class InUnitFactory(factory.Factory):
    """Subclasses name the module's service (``_service = "module.path:function"``, called with
    ``actor`` and the fields) and the roles of the member who calls it (``Params.actor_roles``);
    ``unit`` is required."""

    class Meta:
        abstract = True

    class Params:
        actor_roles = ()

    unit = None
    actor = factory.LazyAttribute(_member)

    _service = ""

    @classmethod
    def _create(cls, model_class, *, unit, actor, **fields):
        if unit is None:
            raise TypeError(f"{cls.__name__} needs unit=")
        module, function = cls._service.split(":")
        service = getattr(import_module(module), function)
        with schema_context(unit.schema_name):
            return service(actor=actor, **fields)
