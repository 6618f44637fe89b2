"""One error shape for the whole API, and its schema.

Every error is ``{"code": ..., "detail": ...}``, plus:

- 400: ``errors`` maps each field (``non_field_errors`` for the request as a
  whole, ``answers.2.evidence_url`` inside lists) to its messages; a bulk
  request adds ``rows``, each invalid row with its number and field errors;
- 409: ``missing`` lists every reason a transition was refused, each with a
  stable ``code``, a ``message`` and the ``section`` where it is fixed.

The services raise Django's ``ValidationError``, ``NotAllowed`` (403),
``TransitionRefused`` (409) and ``RowsInvalid``; this module translates them.

What goes wrong outside a DRF view (an unknown path, a body over Django's
size limit, a bad Host header, a CSRF failure, an uncaught error such as a
lost database connection) reaches Django's error handlers, set in
``config.urls``: under ``/api/`` they answer the same JSON shape, elsewhere
Django's HTML pages.
"""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import csrf, defaults
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
    # A declared field: SerializerMetaclass moves it into _declared_fields, so the
    # class keeps Serializer.errors; the stubs cannot tell the two apart.
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))  # type: ignore[assignment]


class ValidationErrorSerializer(ErrorSerializer):
    # A declared field, like RowErrorSerializer.errors (the stubs see a clash).
    errors = serializers.DictField(  # type: ignore[assignment]
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
        exc_codes = exc.get_codes()
        response.data = {
            "code": exc_codes if isinstance(exc_codes, str) else "error",
            "detail": str(exc.detail),
        }
        if response.status_code == status.HTTP_400_BAD_REQUEST:  # e.g. malformed JSON
            response.data["errors"] = {api_settings.NON_FIELD_ERRORS_KEY: [str(exc.detail)]}
    return response


# --- Django's error handlers (config.urls) and CSRF failure view (settings) ----------------


def _under_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _error(status_code: int, code: str, detail: str) -> JsonResponse:
    body: dict[str, Any] = {"code": code, "detail": detail}
    if status_code == status.HTTP_400_BAD_REQUEST:  # the documented 400 always has errors
        body["errors"] = {api_settings.NON_FIELD_ERRORS_KEY: [detail]}
    return JsonResponse(body, status=status_code)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A request Django refused before any view ran (body too large, bad Host...)."""
    if not _under_api(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return _error(
            status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            "too_large",
            f"The request body is larger than the {limit:,} bytes allowed: send less at once.",
        )
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        return _error(
            status.HTTP_400_BAD_REQUEST, "bad_request", "The request has too many fields."
        )
    return _error(status.HTTP_400_BAD_REQUEST, "bad_request", "The request could not be read.")


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _under_api(request):
        return defaults.permission_denied(request, exception)
    detail = str(exception) or "You do not have permission to perform this action."
    return _error(status.HTTP_403_FORBIDDEN, "permission_denied", detail)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The site's 404: JSON under /api/, the HTML page elsewhere."""
    if not _under_api(request):
        return defaults.page_not_found(request, exception)
    return _error(status.HTTP_404_NOT_FOUND, "not_found", "Not found.")


def server_error(request: HttpRequest) -> HttpResponse:
    """An uncaught error (already logged with its traceback by Django).

    Under /api/, a lost or refused database connection is a 503 a client may
    retry; anything else a 500. Django calls this inside its ``except``
    block, so the exception is at hand.
    """
    if not _under_api(request):
        return defaults.server_error(request)
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return _error(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "unavailable",
            "The database is unavailable: retry shortly.",
        )
    return _error(
        status.HTTP_500_INTERNAL_SERVER_ERROR,
        "server_error",
        "Something went wrong on our side; it has been logged.",
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW. DRF checks a session's CSRF token itself (a JSON 403);
    this covers anything under /api/ that Django's middleware checks."""
    if not _under_api(request):
        return csrf.csrf_failure(request, reason)
    return _error(
        status.HTTP_403_FORBIDDEN,
        "csrf_failed",
        f"CSRF check failed: {reason.rstrip('.')}. Send the session's CSRF token, "
        "or use an API token.",
    )
