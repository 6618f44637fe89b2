"""Session lifetime: an idle timeout and an absolute cap, without a write on every request.

A session expires SESSION_COOKIE_AGE (PILOTGATE_SESSION_IDLE_MINUTES) after it
was last saved. Saving it on every request (SESSION_SAVE_EVERY_REQUEST) would
cost a database write per page, so the middleware renews it at most once a
minute: the idle timeout holds to within a minute. Whatever the activity, a
session ends PILOTGATE_SESSION_MAX_HOURS after sign-in (0: no cap).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse

SIGNED_IN_AT = "pilotgate_signed_in_at"
RENEWED_AT = "pilotgate_renewed_at"
RENEW_EVERY = 60  # seconds


def session_started(*, request: HttpRequest | None, **kwargs: Any) -> None:
    """On sign-in (``user_logged_in``, connected in PilotsConfig.ready): start both clocks.

    Only for a session signed in to: a token obtained with a password signals a
    sign-in too, and must not start a session.
    """
    if request is not None and request.session.get(SESSION_KEY) is not None:
        now = int(time.time())
        request.session[SIGNED_IN_AT] = now
        request.session[RENEWED_AT] = now


class SessionLifetimeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            cap = settings.PILOTGATE_SESSION_MAX_HOURS * 60 * 60
            started = request.session.get(SIGNED_IN_AT)
            if started is None:  # signed in before this rule: its clocks start now
                session_started(request=request)
            elif cap and now - started > cap:
                logout(request)  # a new, empty session: the next middleware asks to sign in
            elif now - request.session.get(RENEWED_AT, 0) >= RENEW_EVERY:
                request.session[RENEWED_AT] = now  # saved: its expiry moves forward
        return self.get_response(request)
