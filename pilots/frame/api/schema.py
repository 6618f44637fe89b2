"""The OpenAPI schema: every operation documents the errors it can answer, and
every input states the constraints the code enforces.

drf-spectacular documents the success response from the view's serializers;
``AutoSchema`` adds the error responses from what the view does, so the
contract lists every status a client can meet, and the bounds drf-spectacular
leaves out (list sizes, page sizes, non-empty list parameters, text without a
NUL character). The field extensions below publish what the strict fields of
``pilots.frame.api.fields`` check. A request valid by the schema is refused only by
a business rule the schema cannot express (schemathesis checks both ways).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.utils import Direction
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from pilots.enums import ID_MAX
from pilots.frame.api.errors import ConflictSerializer, ErrorSerializer, ValidationErrorSerializer
from pilots.frame.api.fields import TEXT_PATTERN, RejectsUnknownFields, StrictCharField

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": ID_MAX}


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction: Direction = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        public = any(isinstance(p, AllowAny) for p in self.view.get_permissions())
        errors: dict[str, tuple[Any, str]] = {
            "429": (ErrorSerializer, "Too many requests: wait and retry."),
            "503": (ErrorSerializer, "The database is unavailable: retry shortly."),
        }
        if self.method in UNSAFE or self._is_list_view() or self.get_filter_backends():
            errors["400"] = (ValidationErrorSerializer, "Invalid input; nothing was changed.")
        if not public:
            errors["401"] = (ErrorSerializer, "No valid session or token.")
            errors["403"] = (ErrorSerializer, "You may see this but not do this.")
        if "{" in self.path or self._is_list_view():
            # A pilot one may not see is absent, whether or not it exists; so is a page too far.
            errors["404"] = (ErrorSerializer, "Not found, or not visible to you.")
        if self.method in UNSAFE and not public:
            errors["409"] = (
                ConflictSerializer,
                "Refused in the pilot's current state; `missing` lists every reason.",
            )
        if self.method in {"POST", "PUT", "PATCH"}:
            errors["413"] = (ErrorSerializer, "The request body is too large.")
            media = " or ".join(self.map_parsers())
            errors["415"] = (ErrorSerializer, f"Unsupported media type: send {media}.")
        if self.method == "GET":
            # From the HTTP server in front (gunicorn: a request line over 4094 bytes), not JSON.
            responses.setdefault("414", {"description": "The URL is too long."})
        for code, (serializer, description) in errors.items():
            if code not in responses:
                response = self._get_response_for_code(serializer, code, direction=direction)
                response["description"] = description
                responses[code] = response
        return responses

    def resolve_serializer(self, serializer: Any, direction: Any, bypass_extensions: bool = False):
        """A PATCH body is partial (drf-spectacular's default) unless the view parses it whole."""
        if self.method == "PATCH" and not getattr(self.view, "patch_is_partial", True):
            serializer.partial = False  # drf-spectacular passes a copy for PATCH
        return super().resolve_serializer(serializer, direction, bypass_extensions)

    def _map_basic_serializer(self, serializer: Any, direction: Any) -> dict[str, Any]:
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and isinstance(serializer, RejectsUnknownFields):
            schema["additionalProperties"] = False
        return schema

    def _map_serializer_field(self, field: Any, direction: Any, bypass_extensions: bool = False):
        """A list of objects states its allowed length (drf-spectacular leaves it out)."""
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if schema and isinstance(field, serializers.ListSerializer) and direction == "request":
            # ListSerializer has had min_length and max_length since DRF 3.14; the stubs
            # do not list them.
            min_length: int | None = field.min_length  # type: ignore[attr-defined]
            max_length: int | None = field.max_length  # type: ignore[attr-defined]
            if not field.allow_empty or min_length:
                schema["minItems"] = max(1, min_length or 0)
            if max_length is not None:
                schema["maxItems"] = max_length
        return schema

    def _insert_field_validators(self, field: Any, schema: dict[str, Any]) -> None:
        """drf-spectacular wraps a blankable string with a pattern in ``oneOf: [it, ""]``;
        a strict field's pattern already says whether "" is valid (and a ``oneOf`` both of
        whose branches match "" would refuse it)."""
        pattern = schema.pop("pattern", None) if isinstance(field, StrictCharField) else None
        super()._insert_field_validators(field, schema)
        if pattern is not None:
            schema["pattern"] = pattern

    def _get_filter_parameters(self) -> list[dict[str, Any]]:
        parameters = super()._get_filter_parameters()
        for parameter in parameters:
            schema = parameter["schema"]
            if schema.get("type") == "array":
                # An empty list (`sort=`) is refused: give a value or leave the parameter out.
                schema["minItems"] = 1
            elif schema.get("type") == "string" and not {"enum", "format", "pattern"} & set(schema):
                schema["pattern"] = TEXT_PATTERN  # free text: Django's forms refuse NUL
        return parameters


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "pilots.accounts.auth.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        scheme = build_bearer_security_scheme_object(
            header_name="Authorization",
            token_prefix="Token",  # noqa: S106 - the scheme's keyword, not a secret
        )
        scheme["description"] = (
            "`Authorization: Token <key>`. Create a key under Account > API tokens, or "
            "POST your username and password to /api/v1/auth/token/."
        )
        return scheme


class DecimalValueField(OpenApiSerializerFieldExtension):
    target_class = "pilots.frame.api.fields.DecimalValue"

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        return self.target.schema()


class StrictTextField(OpenApiSerializerFieldExtension):
    """Text (and links): the pattern of what is accepted, on input; output is as stored."""

    target_class = "pilots.frame.api.fields.StrictCharField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction == "request" and not self.target.read_only:
            schema["pattern"] = self.target.pattern
        return schema


class IdReference(OpenApiSerializerFieldExtension):
    """An object by its id: a positive 64-bit integer."""

    target_class = "pilots.frame.api.fields.StrictPrimaryKeyRelatedField"

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        return dict(ID_SCHEMA)
