"""One error shape for the whole API, and its schema.

Every error is ``{"code": ..., "detail": ...}``, plus:

- 400: ``errors`` maps each field (``non_field_errors`` for the request as a
  whole, ``answers.2.evidence_url`` inside lists) to its messages; a bulk
  request adds ``rows``, each invalid row with its number and field errors;
- 409: ``missing`` lists every reason a transition was refused, each with a
  stable ``code``, a ``message`` and the ``section`` where it is fixed.

The services raise Django's ``ValidationError``, ``NotAllowed`` (403),
``TransitionRefused`` (409) and ``RowsInvalid``; this module translates them.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from pilots.errors import RowsInvalid, TransitionRefused

STAGE_LOCKED = "stage_locked"


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, machine-readable: not_found, forbidden…")
    detail = serializers.CharField(help_text="A sentence for people.")


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The row's position in the request, from 1.")
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ValidationErrorSerializer(ErrorSerializer):
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages per field; non_field_errors for the request as a whole.",
    )
    rows = RowErrorSerializer(
        many=True, required=False, help_text="Bulk requests only: every invalid row."
    )


class MissingItemSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable: owner_not_accepted, rationale, task_open…")
    message = serializers.CharField()
    section = serializers.CharField(
        help_text="Where it is fixed: basics, metric, owner, operations, infrastructure, "
        "plan, handover, decision or stage."
    )


class ConflictSerializer(ErrorSerializer):
    missing = MissingItemSerializer(many=True)


def _flatten(data: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error structure as ``{"field.0.sub": [messages]}``."""
    if isinstance(data, dict):
        flat: dict[str, list[str]] = {}
        for key, value in data.items():
            name = api_settings.NON_FIELD_ERRORS_KEY if key == NON_FIELD_ERRORS else str(key)
            flat.update(_flatten(value, f"{prefix}.{name}" if prefix else name))
        return flat
    if isinstance(data, list) and any(isinstance(item, dict | list) for item in data):
        flat = {}
        for index, item in enumerate(data):
            if item:
                flat.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    messages = [str(item) for item in data] if isinstance(data, list) else [str(data)]
    return {prefix or api_settings.NON_FIELD_ERRORS_KEY: messages}


def _conflict(detail: str, missing: list[dict[str, str]]) -> Response:
    code = "transition_refused" if missing and missing[0]["code"] != STAGE_LOCKED else STAGE_LOCKED
    return Response(
        {"code": code, "detail": detail, "missing": missing}, status=status.HTTP_409_CONFLICT
    )


def _invalid(detail: str, errors: dict[str, list[str]], **extra: Any) -> Response:
    return Response(
        {"code": "invalid", "detail": detail, "errors": errors, **extra},
        status=status.HTTP_400_BAD_REQUEST,
    )


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, TransitionRefused):
        return _conflict(str(exc), [item.as_dict() for item in exc.missing])
    if isinstance(exc, RowsInvalid):
        return _invalid(str(exc), {}, rows=[row.as_dict() for row in exc.rows])
    if isinstance(exc, DjangoValidationError):
        codes = {error.code for error in exc.error_list} if not hasattr(exc, "error_dict") else {}
        if codes == {STAGE_LOCKED}:
            message = " ".join(exc.messages)
            return _conflict(
                message, [{"code": STAGE_LOCKED, "message": message, "section": "stage"}]
            )
        exc = exceptions.ValidationError(detail=serializers.as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {
            "code": "invalid",
            "detail": "The request is not valid: see errors.",
            "errors": _flatten(response.data),
        }
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        response.data = {
            "code": codes if isinstance(codes, str) else "error",
            "detail": str(exc.detail),
        }
        if response.status_code == status.HTTP_400_BAD_REQUEST:  # e.g. malformed JSON
            response.data["errors"] = {api_settings.NON_FIELD_ERRORS_KEY: [str(exc.detail)]}
    return response


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The site's 404: JSON under /api/, the HTML page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "not_found", "detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)
