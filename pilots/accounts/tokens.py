"""API tokens: created and revoked by their own user.

A key is shown once, when it is created; only its SHA-256 digest is stored, so
a copy of the database does not hand out working keys.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from pilots.enums import TokenScope
from pilots.errors import NotAllowed
from pilots.frame.formats import day
from pilots.models import ApiToken

KEY_BYTES = 30  # 40 URL-safe characters
# last_used_at is a hint for its owner, not an audit trail: write it at most this often.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def token_create(
    *, user: User, name: str, scope: TokenScope | str = TokenScope.READ
) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns it with its key, which is not stored."""
    key = secrets.token_urlsafe(KEY_BYTES)
    token = ApiToken(
        user=user, name=name.strip(), scope=scope, key_digest=key_digest(key), prefix=key[:8]
    )
    token.full_clean()
    token.save()
    return token, key


@transaction.atomic
def token_revoke(*, token: ApiToken, by: User) -> ApiToken:
    """Revoke a token at once; revoking twice keeps the first time."""
    if token.user_id != by.pk:
        raise NotAllowed("Only its owner may revoke a token.")
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db(fields=["revoked_at"])
    return token


class TokenExpired(Exception):
    """The key is right but the token is older than PILOTGATE_API_TOKEN_DAYS."""

    def __init__(self, token: ApiToken) -> None:
        self.token = token
        when = timezone.localtime(token.expires_at)  # as the tokens page writes it
        super().__init__(
            f"This token expired on {day(when.date())} {when:%H:%M %Z}: create a new one "
            "(Account > API tokens, or POST /api/v1/auth/token/)."
        )


def token_authenticate(key: str) -> ApiToken | None:
    """The active token with this key and an active user, or None; raises TokenExpired."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_digest=key_digest(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is not None:
        if token.expires_at is not None and token.expires_at <= timezone.now():
            raise TokenExpired(token)
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
    return token


@transaction.atomic
def tokens_revoke_all(*, user: User) -> int:
    """Revoke every active token of ``user`` (after a password change); how many."""
    return ApiToken.objects.filter(user_id=user.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def api_tokens_of(user: User) -> QuerySet[ApiToken]:
    """A user's own API tokens, active and revoked, newest first; nobody else's."""
    return ApiToken.objects.filter(user_id=user.pk)
