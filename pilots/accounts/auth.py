"""API authentication: our tokens, their scopes, and obtaining one with a password."""

from __future__ import annotations

from typing import Any

from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request

from pilots.accounts.tokens import token_authenticate
from pilots.enums import TokenScope
from pilots.models import ApiToken


class ApiTokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>`` with a key from ``ApiToken`` (stored as a digest)."""

    keyword = "Token"

    def authenticate_credentials(self, key: str) -> tuple[Any, ApiToken]:
        token = token_authenticate(key)
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
