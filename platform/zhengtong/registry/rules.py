"""Reading, validating and changing a module's rules for the current unit."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zhengtong.audit.services import audit_denied, audit_record

from .manifest import ModuleManifest, RuleField
from .models import ModuleRules
from .registry import localized


def rules_for(manifest: ModuleManifest) -> dict[str, Any]:
    """The effective rules: stored values over the manifest's defaults."""
    stored = ModuleRules.objects.filter(module_key=manifest.key).values_list("values", flat=True).first() or {}
    values = manifest.rule_defaults()
    for field in manifest.rules:
        if field.key in stored:
            values[field.key] = _coerce(field, stored[field.key])
    return values


def _coerce(field: RuleField, raw: Any) -> Any:
    if field.type == "decimal":
        return Decimal(str(raw))
    if field.type == "int":
        return int(raw)
    if field.type == "bool":
        return bool(raw)
    if field.type == "int_list":
        return [int(x) for x in raw]
    return raw


def _form_field(field: RuleField) -> forms.Field:
    label = localized(field.label_zh, field.label_en)
    help_text = localized(field.help_zh, field.help_en)
    common = {"label": label, "help_text": help_text, "initial": field.default}
    if field.type == "int":
        return forms.IntegerField(min_value=field.min_value, max_value=field.max_value, **common)
    if field.type == "decimal":
        return forms.DecimalField(
            min_value=field.min_value, max_value=field.max_value, decimal_places=2, max_digits=18, **common
        )
    if field.type == "bool":
        return forms.BooleanField(required=False, **common)
    if field.type == "choice":
        choices = [(v, localized(zh, en)) for v, zh, en in field.choices]
        return forms.ChoiceField(choices=choices, **common)
    if field.type == "int_list":
        return IntListField(**common)
    return forms.CharField(max_length=500, **common)


class IntListField(forms.CharField):
    """Comma-separated whole numbers, e.g. reminder days "30,7,1"."""

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return ",".join(str(v) for v in value)
        return value

    def to_python(self, value):
        text = (value or "").replace("，", ",")
        try:
            return [int(p) for p in text.split(",") if p.strip()]
        except ValueError as exc:
            raise ValidationError(_("Enter whole numbers separated by commas (请输入以逗号分隔的整数).")) from exc


def rules_form_class(manifest: ModuleManifest) -> type[forms.Form]:
    fields = {f.key: _form_field(f) for f in manifest.rules}

    def clean(self):
        data = forms.Form.clean(self)
        if manifest.rules_validator and not self.errors:
            for key, message in (manifest.rules_validator(data) or {}).items():
                self.add_error(key if key in self.fields else None, message)
        return data

    return type(f"{manifest.key.title()}RulesForm", (forms.Form,), {**fields, "clean": clean})


def _stored(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))  # money-like rules: 2 places, so 50000 == 50000.00
    return value


def can_edit_rules(user, manifest: ModuleManifest) -> bool:
    from .registry import UNIT_ADMIN

    return user.is_authenticated and user.has_role(manifest.module_admin_role, UNIT_ADMIN)


def module_rules_update(*, manifest: ModuleManifest, values: dict[str, Any], actor) -> dict[str, Any]:
    """Validate and store new rule values; audit who changed what, old → new."""
    if not can_edit_rules(actor, manifest):
        audit_denied(action="rules.update", actor=actor, object_type="module", object_id=manifest.key,
                     object_repr=manifest.name_zh)
        raise PermissionDenied(_("Only the module admin may change these rules."))
    return _module_rules_store(manifest=manifest, values=values, actor=actor)


@transaction.atomic
def _module_rules_store(*, manifest: ModuleManifest, values: dict[str, Any], actor) -> dict[str, Any]:
    form = rules_form_class(manifest)(data={k: _form_value(v) for k, v in values.items()})
    if not form.is_valid():
        raise ValidationError(form.errors)
    old = rules_for(manifest)
    new = {k: form.cleaned_data[k] for k in (f.key for f in manifest.rules)}
    changed_before = {k: _stored(old[k]) for k in new if _stored(old[k]) != _stored(new[k])}
    changed_after = {k: _stored(new[k]) for k in changed_before}
    row, _created = ModuleRules.objects.select_for_update().get_or_create(module_key=manifest.key)
    row.values = {k: _stored(v) for k, v in new.items()}
    row.updated_by_id = actor.pk
    row.save()
    if changed_before:
        audit_record(action="rules.update", actor=actor, object_type="module", object_id=manifest.key,
                     object_repr=manifest.name_zh, before=changed_before, after=changed_after)
    return new


def _form_value(v: Any) -> Any:
    if isinstance(v, (list, tuple)):
        return ",".join(str(x) for x in v)
    if isinstance(v, bool):
        return "on" if v else ""
    return v

