"""The OpenAPI schema: every operation documents the errors it can answer.

drf-spectacular documents the success response from the view's serializers;
``AutoSchema`` adds the error responses from what the view does, so the
contract lists every status a client can meet (schemathesis checks it).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework.permissions import AllowAny

from pilots.api.errors import ConflictSerializer, ErrorSerializer, ValidationErrorSerializer

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction: openapi.Direction = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        public = any(isinstance(p, AllowAny) for p in self.view.get_permissions())
        errors: dict[str, tuple[Any, str]] = {
            "429": (ErrorSerializer, "Too many requests: wait and retry."),
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
            errors["415"] = (ErrorSerializer, "Send JSON (Content-Type: application/json).")
        if self.method == "GET":
            # From the HTTP server in front (gunicorn: a request line over 4094 bytes), not JSON.
            responses.setdefault("414", {"description": "The URL is too long."})
        for code, (serializer, description) in errors.items():
            if code not in responses:
                response = self._get_response_for_code(serializer, code, direction=direction)
                response["description"] = description
                responses[code] = response
        return responses


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "pilots.api.auth.ApiTokenAuthentication"
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
    target_class = "pilots.api.fields.DecimalValue"

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        return self.target.schema()
