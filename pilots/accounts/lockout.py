"""The answer to a sign-in refused by the lock-out (django-axes' AXES_LOCKOUT_CALLABLE).

A page on the web (the sign-in page's own frame, HTTP 429), the API's JSON
error shape under /api/; both with Retry-After. Nothing is stored: the locked
attempt never reached the password check (axes' backend refused it first).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

LOCKED_OUT = (
    "Too many failed sign-in attempts for this account from your address. "
    "Try again in {minutes} minutes, or reset your password."
)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    minutes = settings.PILOTGATE_LOGIN_COOLOFF_MINUTES
    message = LOCKED_OUT.format(minutes=minutes)
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"code": "locked_out", "detail": message}, status=429)
    else:
        response = render(request, "registration/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
