"""Serializer fields and bases that take a request at its word.

DRF is lenient by default: an integer sent for a text field is stored as text ("department": 5
became "5"), a number or "1e3" passes as an amount, "2024-1-5" and "20240105" pass as dates, an
unknown key is silently dropped (a misspelt field looks saved), and a filter given twice
(``?status=a&status=b``) quietly uses the last. Callers are other systems of the unit: a request
that does not match the published OpenAPI schema is refused with 400 and the field named, so
their mistakes surface the first time instead of as wrong data.

Every pattern these fields enforce is also published in the schema (``openapi_pattern``, read by
``zhengtong.api.schema.UnitAutoSchema``), so what the schema calls valid is accepted and what it
calls invalid is refused (checked by schemathesis in tests/platform/api/test_fuzz.py).
"""
from __future__ import annotations

import re
from collections.abc import Mapping

from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

# No control characters (zhengtong.core.text: refused for every request by
# ControlCharacterMiddleware before a serializer runs; stated here for the schema).
_TEXT = r"[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]"
TEXT_PATTERN = rf"^{_TEXT}*$"
# A field that may not be blank: leading and trailing white space is trimmed, so at least one
# character must be something else.
NON_BLANK_TEXT_PATTERN = rf"^{_TEXT}*[^\s\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]{_TEXT}*$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


class StrictCharField(serializers.CharField):
    """Text only, and at most ``max_length`` characters as sent (before trimming)."""

    @property
    def openapi_pattern(self) -> str:
        return TEXT_PATTERN if self.allow_blank else NON_BLANK_TEXT_PATTERN

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        if self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer: not true/false, not "3", not 3.0."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictDecimalField(serializers.DecimalField):
    """An amount written as text ("2680.50"), as the API answers it: a JSON number may already
    have lost its exact value in the sender's floating point, and "1e3" or " 5" is no amount."""

    default_error_messages = {
        # DRF fills in {places} with str.format.
        "invalid": _('Write the amount as text with digits and at most {places} decimals, e.g. "2680.50" '
                     '(金额请写成文本，如"2680.50"，最多{places}位小数).'),
    }

    @property
    def openapi_pattern(self) -> str:
        whole = self.max_digits - self.decimal_places
        sign = "" if self.min_value is not None and self.min_value >= 0 else "-?"
        return rf"^{sign}[0-9]{{1,{whole}}}(?:\.[0-9]{{1,{self.decimal_places}}})?$"

    def to_internal_value(self, data):
        if not isinstance(data, str) or not re.fullmatch(self.openapi_pattern, data):
            self.fail("invalid", places=self.decimal_places)
        return super().to_internal_value(data)


def year_pattern(first: int, last: int) -> str:
    """A regular expression for the four-digit years ``first``..``last``, a decade at a time."""
    parts = []
    for decade in range(first // 10, last // 10 + 1):
        low, high = max(first, decade * 10) % 10, min(last, decade * 10 + 9) % 10
        parts.append(f"{decade:03d}" + ("[0-9]" if (low, high) == (0, 9) else f"[{low}-{high}]"))
    return "(?:" + "|".join(parts) + ")"


class StrictDateField(serializers.DateField):
    """YYYY-MM-DD only (the schema's ``format: date``), not the other forms ``fromisoformat`` reads.

    ``date_range`` is the model's plausible range for the field (``date_ranges`` of the model,
    zhengtong.core.dates: refused by the model's ``full_clean`` with 400). JSON Schema has no
    bounds for dates, so the schema's pattern admits the whole years inside the range; a date of
    the current year up to today is accepted too, though the pattern does not name it."""

    def __init__(self, *, date_range=None, **kwargs):
        self.date_range = date_range
        super().__init__(**kwargs)

    @property
    def openapi_pattern(self) -> str:
        if self.date_range is None:
            return DATE_PATTERN
        earliest, latest = self.date_range.earliest, self.date_range.latest()
        first = earliest.year + (0 if (earliest.month, earliest.day) == (1, 1) else 1)
        last = latest.year - (0 if (latest.month, latest.day) == (12, 31) else 1)
        return rf"^{year_pattern(first, last)}-[0-9]{{2}}-[0-9]{{2}}$"

    def to_internal_value(self, data):
        if not isinstance(data, str) or not re.fullmatch(DATE_PATTERN, data):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(data)


def refuse_unknown_fields(serializer: serializers.Serializer, data) -> None:
    """400 naming every key the serializer does not take (read-only fields included: they are
    not the caller's to set)."""
    if not isinstance(data, Mapping):
        return  # DRF answers "expected a dictionary" itself
    writable = {name for name, field in serializer.fields.items() if not field.read_only}
    unknown = sorted(str(key) for key in data if key not in writable)
    if unknown:
        message = _("Unknown field; the fields you may send are: %(fields)s (未知字段，可提交的字段：%(fields)s).") % {
            "fields": ", ".join(sorted(writable))}
        raise serializers.ValidationError({key[:100]: [message] for key in unknown[:10]})


class StrictModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer with the strict fields above, refusing keys it does not take.

    The request schema of such a serializer says ``additionalProperties: false``."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.IntegerField: StrictIntegerField,
        models.BigIntegerField: StrictIntegerField,
        models.SmallIntegerField: StrictIntegerField,
        models.PositiveIntegerField: StrictIntegerField,
        models.PositiveSmallIntegerField: StrictIntegerField,
        models.PositiveBigIntegerField: StrictIntegerField,
        models.DecimalField: StrictDecimalField,
        models.DateField: StrictDateField,
    }

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        date_range = getattr(self.Meta.model, "date_ranges", {}).get(field_name)
        if date_range is not None and issubclass(field_class, StrictDateField):
            kwargs["date_range"] = date_range
        return field_class, kwargs

    def to_internal_value(self, data):
        refuse_unknown_fields(self, data)
        return super().to_internal_value(data)


class QueryParameters(serializers.Serializer):
    """The filters of a list, read from the query string: each at most once.

    ``Filters.read(request)`` returns the validated values or raises 400."""

    @classmethod
    def read(cls, request) -> dict:
        params = request.query_params
        names = list(cls().fields)
        repeated = [name for name in names if len(params.getlist(name)) > 1]
        if repeated:
            raise serializers.ValidationError(
                {name: [_("Give this parameter once (该参数只能给出一次).")] for name in repeated})
        form = cls(data={name: params[name] for name in names if name in params})
        form.is_valid(raise_exception=True)
        return form.validated_data
