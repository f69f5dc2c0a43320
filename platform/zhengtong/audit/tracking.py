"""How a module opts its models into row-level change auditing.

    from zhengtong.audit.tracking import track_changes

    class AssetsConfig(AppConfig):
        def ready(self):
            track_changes("assets.Asset", exclude=("updated_at",), repr_fields=("number", "name"))

or, on the model itself::

    @track_changes(exclude=("updated_at",))
    class Asset(models.Model): ...

Every INSERT, UPDATE and DELETE of the model's table — through a service, a queryset
``update()``/``delete()``, ``bulk_create`` or raw SQL — then writes one event
(``data.create`` / ``data.update`` / ``data.delete``) into the unit's trail, in the same
transaction, with the changed columns before and after. The triggers are installed by
``migrate_platform`` (after migrations) and for every new unit; ``verify_audit`` reports
a tracked table that lacks its trigger.

``exclude`` names fields whose changes alone are not worth an event and which are left out
of before/after (timestamps maintained by Django, secrets). ``repr_fields`` name the
fields that make the event's object label readable ("ALPHA-2024-00001 台式计算机").
"""
from __future__ import annotations

from dataclasses import dataclass

_tracked: dict[str, TrackedModel] = {}


@dataclass(frozen=True)
class TrackedModel:
    label: str  # "app_label.ModelName"
    exclude: tuple[str, ...] = ()
    repr_fields: tuple[str, ...] = ()


def _label(model) -> str:
    if isinstance(model, str):
        return model
    return model._meta.label


def track_changes(model=None, /, *, exclude=(), repr_fields=()):
    """Opt ``model`` (a class or "app_label.Model") in; usable as a class decorator."""

    def register(target):
        spec = TrackedModel(label=_label(target), exclude=tuple(exclude), repr_fields=tuple(repr_fields))
        previous = _tracked.get(spec.label)
        if previous is not None and previous != spec:
            raise ValueError(f"{spec.label} is already tracked with other options")
        _tracked[spec.label] = spec
        return target

    if model is None:
        return register
    return register(model)


def tracked_models() -> list[TrackedModel]:
    return list(_tracked.values())


def is_tracked(model) -> bool:
    return _label(model) in _tracked
