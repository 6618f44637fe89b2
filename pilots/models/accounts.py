"""API tokens: keys its user creates and revokes."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from pilots.enums import TokenScope

User = settings.AUTH_USER_MODEL


class ApiToken(models.Model):
    """A key for the API (``Authorization: Token <key>``), created and revoked by its user.

    Only a SHA-256 digest of the key is stored: the key itself is shown once,
    when it is created. ``prefix`` lets its user recognise it in a list.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(
        max_length=100, help_text="What uses it, e.g. “nightly claims pipeline”."
    )
    scope = models.CharField(max_length=10, choices=TokenScope.choices, default=TokenScope.READ)
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=8, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(scope__in=TokenScope.values), name="token_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def expires_at(self) -> datetime | None:
        """When the token stops working (PILOTGATE_API_TOKEN_DAYS after creation), or None."""
        days = settings.PILOTGATE_API_TOKEN_DAYS
        if not days or self.created_at is None:
            return None
        return self.created_at + timedelta(days=days)

    @property
    def is_expired(self) -> bool:
        expires_at = self.expires_at
        return expires_at is not None and expires_at <= timezone.now()


class CalendarFeed(models.Model):
    """A user's calendar feed, ``/calendar/<secret>.ics``: read by calendar apps, which
    cannot sign in, so the unguessable secret in the address is the only key.

    The secret is kept as it is, not only as a digest like an API key's: the
    profile page shows the address again whenever its user adds the calendar to
    another device. The feed is found by the secret's SHA-256 digest
    (``secret_digest``, unique), so the database compares digests, never the
    secret itself: a timing difference in that comparison tells nothing about
    the secret. Resetting replaces both; the old address then finds nothing.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="calendar_feed")
    secret = models.CharField(max_length=64, editable=False)
    secret_digest = models.CharField(max_length=64, unique=True, editable=False)
    # When this address was made: on first use, and again by each reset.
    created_at = models.DateTimeField(editable=False)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"
