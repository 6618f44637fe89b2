"""API authentication: our tokens, their scopes, and obtaining one with a password."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request

from pilots.accounts.addresses import client_address
from pilots.accounts.counters import counter_hit, counter_wait
from pilots.accounts.tokens import TokenExpired, token_authenticate
from pilots.enums import TokenScope
from pilots.models import ApiToken

BAD_TOKEN = "bad_token"  # noqa: S105 (a counter's name)


class ApiTokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>`` with a key from ``ApiToken`` (stored as a digest).

    Authentication runs before any throttle, so a key guesser would only ever
    meet 401s: failed attempts are counted per client address in the shared
    cache, and over PILOTGATE_API_BAD_TOKEN_RATE the address is answered 429
    (with Retry-After) before its key is even looked up.
    """

    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        rate = settings.PILOTGATE_API_BAD_TOKEN_RATE
        if authentication.get_authorization_header(request)[:1]:
            address = client_address(request._request)
            wait = counter_wait(name=BAD_TOKEN, ident=address, rate=rate)
            if wait is not None:
                raise exceptions.Throttled(
                    wait, detail="Too many requests with an invalid token from your address."
                )
            try:
                return super().authenticate(request)
            except exceptions.AuthenticationFailed:
                counter_hit(name=BAD_TOKEN, ident=address, rate=rate)
                raise
        return super().authenticate(request)

    def authenticate_credentials(self, key: str) -> tuple[Any, ApiToken]:
        try:
            token = token_authenticate(key)
        except TokenExpired as exc:
            raise exceptions.AuthenticationFailed(str(exc), code="token_expired") from exc
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        return token.user, token


class TokenScopeAllows(permissions.BasePermission):
    """A token limited to reading, or to metric ingest, may do only that.

    Session requests and full tokens pass; the user's own rights still apply
    (the services check them). Views that record readings set ``ingest = True``.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken) or request.method in permissions.SAFE_METHODS:
            return True
        if token.scope == TokenScope.FULL:
            return True
        if token.scope == TokenScope.INGEST and getattr(view, "ingest", False):
            return True
        self.message = (
            f"This token's scope is “{token.scope}”, which does not allow this request: "
            "use a token with full scope."
        )
        return False
