"""The unit's OpenAPI schema: what each operation may answer and what a request must look like.

- Only the modules switched on in the unit are listed (``hide_disabled_modules``).
- ``UnitAutoSchema`` documents every answer an operation can give, errors included (a client
  generated from the schema must know the 400, 401, 403, 404, 406, 409, 415 and 428 it will
  meet), states the patterns the strict serializer fields enforce
  (``zhengtong.api.serializers``), closes request bodies (``additionalProperties: false``) and
  marks ``version`` required on versioned updates (``zhengtong.api.base.VersionedUpdates``).
  tests/platform/api/test_fuzz.py holds the API to it with schemathesis' checks.
"""
from __future__ import annotations

from django.db import connection
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import force_instance
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from zhengtong.registry.middleware import enabled_modules

from .serializers import StrictModelSerializer


def hide_disabled_modules(endpoints, **kwargs):
    unit = getattr(connection, "tenant", None)
    if unit is None or getattr(unit, "is_district_portal", True):
        return endpoints  # generated outside a unit (manage.py spectacular): everything
    enabled = enabled_modules(unit)
    kept = []
    for path, path_regex, method, callback in endpoints:
        key = getattr(getattr(callback, "cls", None), "module_key", "")
        if not key or key in enabled:
            kept.append((path, path_regex, method, callback))
    return kept


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What was refused and why, in the caller's language")


# 400: DRF's messages per field ({"name": ["..."]}, "non_field_errors" for the whole object), or
# one "detail" for a request refused as a whole (ControlCharacterMiddleware adds the "field").
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}, "field": {"type": "string"}},
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}

ANSWERS = {
    "400": "The request does not match this schema, or a rule refused it: the messages per field",
    "401": "No valid credentials: sign in on the portal, or send a token from POST /api/token/ that has not "
           "expired and was issued by this unit",
    "403": "Signed in, but not allowed: your roles do not permit this, or a session write lacks its CSRF token",
    "404": "Not found, or not visible to you; also on a unit you are not a member of, or a module that is off",
    "406": "The Accept header asks for something other than JSON",
    "409": "The record was changed after you read it (its version has moved on): read it again",
    "415": "The body is not JSON (send Content-Type: application/json)",
    "428": "The update does not say which version it read: send the field version",
}
WRITES = ("POST", "PUT", "PATCH")
UPDATES = ("PUT", "PATCH")


class UnitAutoSchema(AutoSchema):
    def _is_versioned_update(self) -> bool:
        return self.method in UPDATES and bool(getattr(self.view, "version_field", None))

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = ["400", "401", "403", "404", "406"]
        if self.method in WRITES and self.get_request_serializer() is not None:
            codes.append("415")
        if self._is_versioned_update():
            codes += ["409", "428"]
        for code in codes:
            body = VALIDATION_ERROR_SCHEMA if code == "400" else ErrorSerializer
            responses[code] = self._get_response_for_code(OpenApiResponse(body, ANSWERS[code]), code,
                                                          direction=direction)
        return responses

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        pattern = getattr(field, "openapi_pattern", None)
        if pattern and direction == "request" and isinstance(schema, dict) and schema.get("type") == "string":
            schema["pattern"] = pattern
        return schema

    def _insert_field_validators(self, field, schema):
        # drf-spectacular wraps a blank-allowing string with a pattern in oneOf [pattern, ""], and
        # "" then matches both branches, i.e. neither; these patterns admit "" where it is allowed.
        pattern = schema.pop("pattern", None) if getattr(field, "openapi_pattern", None) else None
        super()._insert_field_validators(field, schema)
        if pattern is not None:
            schema["pattern"] = pattern

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and isinstance(force_instance(serializer), StrictModelSerializer):
            schema["additionalProperties"] = False  # unknown keys are refused, not dropped
            version = getattr(self.view, "version_field", None)
            if self._is_versioned_update() and version in schema.get("properties", {}):
                schema["required"] = sorted({*schema.get("required", []), version})
        return schema
