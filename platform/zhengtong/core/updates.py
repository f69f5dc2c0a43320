"""Changing a record's fields with its audit trace: the one way services do it (issue 16 item 7).

``model_update`` is HackSoft's ``model_update`` with the audit trail folded in: a service
checks who may change what, then hands the new values over::

    device, changed = model_update(instance=device, data=changes, fields=DEVICE_FIELDS,
                                   actor=actor, action="equipment.device.update")

Only the named ``fields`` are touched, and only those whose value differs are written
(``save(update_fields=...)``): a form that sends back every field does not overwrite a column
someone else changed meanwhile, and a save that changes nothing leaves no event in the trail.
The event carries before and after of the changed fields only, in ``snapshot``'s form, which is
what a reader of the trail compares.

A name in ``fields`` may be a field's name or, for a foreign key, its column (``responsible`` or
``responsible_id``); the snapshot keys are the names given, and ``data`` may use either name.
"""
from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction

from zhengtong.audit.services import audit_record, json_safe

if TYPE_CHECKING:
    from zhengtong.accounts.models import User

M = TypeVar("M", bound=models.Model)


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The values of ``fields`` as the audit trail records them: dates and times in ISO 8601,
    decimals as text, a foreign key as the related row's id, a choice as its stored value, a
    many-to-many field as the sorted ids of the related rows."""
    return {name: _recorded(obj, obj._meta.get_field(name)) for name in fields}


def model_update(*, instance: M, data: dict[str, Any], fields: Iterable[str], actor: User | None,
                 action: str) -> tuple[M, bool]:
    """Set those of ``fields`` present in ``data`` whose value differs, validate the record
    (``full_clean``), save only the changed columns and write one ``action`` event with their
    before and after. Returns ``(instance, changed)``; nothing is written when nothing changed.

    A ``ValidationError`` from ``full_clean`` propagates with nothing saved. The caller locks the
    row first (``select_for_update``) when two people may change it at once.
    """
    meta = instance._meta
    before: dict[str, Any] = {}
    columns: list[str] = []
    relations: dict[str, tuple[models.Field, Any]] = {}
    for name in fields:
        field = meta.get_field(name)
        key = next((k for k in (name, field.name, field.attname) if k in data), None)
        if key is None:
            continue
        value = data[key]
        if field.many_to_many:
            if sorted(_pk(v) for v in value) != _recorded(instance, field):
                before[name] = _recorded(instance, field)
                relations[name] = (field, value)
            continue
        if _differs(instance, field, value):
            before[name] = _recorded(instance, field)
            if field.is_relation and not isinstance(value, models.Model) and value is not None:
                setattr(instance, field.attname, value)  # an id given for the relation
            else:
                setattr(instance, field.name, value)
            columns.append(field.name)
    if not before:
        return instance, False

    with transaction.atomic():
        if columns:
            instance.full_clean()
            # auto_now fields (updated_at) take their new value in save(); only if listed.
            stamped = [f.name for f in meta.concrete_fields if getattr(f, "auto_now", False) and f.name not in columns]
            instance.save(update_fields=columns + stamped)
        for field, value in relations.values():
            getattr(instance, field.name).set(value)
        after = snapshot(instance, before)
        audit_record(action=action, actor=actor, obj=instance, before=before, after=after)
    return instance, True


def _recorded(obj: models.Model, field) -> Any:
    if field.many_to_many:
        return sorted(getattr(obj, field.name).values_list("pk", flat=True)) if obj.pk else []
    if not field.concrete:
        raise ValueError(f"{obj._meta.label}.{field.name} is not a column of the record")
    value = getattr(obj, field.attname)
    return json_safe(value.value if isinstance(value, Enum) else value)


def _differs(obj: models.Model, field, value: Any) -> bool:
    current = getattr(obj, field.attname)
    if field.is_relation:
        return current != _pk(value)
    try:
        return current != field.to_python(value)
    except ValidationError:
        return True  # not even the right type: full_clean says why, next to the field's name


def _pk(value: Any) -> Any:
    return value.pk if isinstance(value, models.Model) else value
