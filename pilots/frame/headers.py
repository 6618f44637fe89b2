"""Response headers every page shares that no library sets: Cache-Control.

The Content-Security-Policy (django-csp) and the Permissions-Policy
(django-permissions-policy) come from their libraries' middleware; their
policies are in ``config/settings/base.py`` ("Response headers").
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control

PRIVATE = {"private": True, "no_store": True}
# Private without a session: the API (tokens), and the calendar feeds (a secret address).
PRIVATE_WITHOUT_SESSION = ("/api/", "/calendar/")


class PrivateCacheMiddleware:
    """``Cache-Control: private, no-store`` on what a signed-in user, the API or a feed is sent.

    Pilot data is shown to a signed-in user (every page needs one,
    LoginRequiredMiddleware), to the API's tokens, and in a user's calendar
    feed (read by a calendar app with the feed's secret address), so the rule
    is: every response to a signed-in request, and every response under
    ``/api/`` (tokens are not a session, and an error can say what exists)
    and ``/calendar/``. Neither a shared cache nor the browser's disk keeps
    them, so the back button after signing out shows nothing. A ``public``
    directive a view may have set is replaced. Anonymous pages (sign-in,
    password reset) keep what their views say (Django's auth views already
    send ``no-store``). Static files never reach this
    middleware (WhiteNoise and the development server answer them first) and
    keep their long cache; the ``STATIC_URL`` check is a second guard.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if self.is_private(request) and not request.path.startswith(self.static_prefix):
            patch_cache_control(response, **PRIVATE)
        return response

    @staticmethod
    def is_private(request: HttpRequest) -> bool:
        if request.path.startswith(PRIVATE_WITHOUT_SESSION):
            return True
        # DRF puts the user it authenticated (a token's too) on the request it wraps.
        user = getattr(request, "user", None)
        return bool(user and user.is_authenticated)
