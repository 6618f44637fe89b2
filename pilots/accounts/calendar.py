"""Calendar feeds: each user's secret address, made on first use and reset on request.

Calendar apps cannot sign in, so the address is the key: 256 random bits
(``secrets.token_urlsafe``), looked up by its SHA-256 digest
(``CalendarFeed``'s docstring says why the secret itself is kept too). A
reset makes a new one; the old address then answers 404. A deactivated
user's feed answers 404 as well, and comes back with the account.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from pilots.models import CalendarFeed

SECRET_BYTES = 32  # 43 URL-safe characters


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_address() -> dict[str, object]:
    secret = secrets.token_urlsafe(SECRET_BYTES)
    return {"secret": secret, "secret_digest": secret_digest(secret), "created_at": timezone.now()}


def calendar_feed_of(user: User) -> CalendarFeed:
    """The user's feed, made the first time it is asked for (the profile page)."""
    feed, _ = CalendarFeed.objects.get_or_create(user=user, defaults=_new_address())
    return feed


@transaction.atomic
def calendar_feed_reset(*, user: User) -> CalendarFeed:
    """A new secret address for the user's feed: the old one stops working at once."""
    feed, _ = CalendarFeed.objects.update_or_create(user=user, defaults=_new_address())
    return feed


def calendar_feed_owner(secret: str) -> User | None:
    """The active user whose feed has this secret, or None (unknown, reset, deactivated)."""
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(secret_digest=secret_digest(secret), user__is_active=True)
        .first()
    )
    return feed.user if feed is not None else None


def calendar_feed_url(feed: CalendarFeed) -> str:
    """The feed's address on the configured site (``SITE_URL``), as calendar apps reach it."""
    return settings.SITE_URL + reverse("pilots:calendar_feed", args=[feed.secret])
