"""Slack and Microsoft Teams channels, and the messages each one is sent."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from pilots.enums import ChannelDeliveryStatus, ChannelKind, ReminderKind
from pilots.models.pilot import BusinessUnit, Pilot


def webhook_masked(url: str) -> str:
    """The webhook URL without its secret part (the path): safe for lists and logs."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}/…" if parts.scheme else "…"


def webhook_url_validate(url: str) -> None:
    """An incoming-webhook URL: https, with a host (http only when
    ``PILOTGATE_WEBHOOK_ALLOW_HTTP`` is on: a local receiver in tests)."""
    parts = urlsplit(url)
    schemes = ("https", "http") if settings.PILOTGATE_WEBHOOK_ALLOW_HTTP else ("https",)
    if parts.scheme not in schemes or not parts.hostname:
        raise ValidationError(
            "Enter the channel's incoming-webhook URL: it starts with https://.",
            code="webhook_url",
        )


class Channel(models.Model):
    """A Slack or Teams channel told of a business unit's events (or, with no business
    unit, of the whole portfolio's) through its incoming webhook.

    The webhook URL is a secret (whoever has it may post to the channel): it is
    shown masked everywhere but in the administrator's change form.
    """

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=10, choices=ChannelKind.choices)
    webhook_url = models.CharField(
        "incoming-webhook URL",
        max_length=500,
        validators=[webhook_url_validate],
        help_text="The URL Slack or Teams gave for the channel's incoming webhook (https).",
    )
    business_unit = models.ForeignKey(
        BusinessUnit,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="channels",
        help_text="Empty: the portfolio's channel, told of every pilot.",
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ChannelKind.values), name="channel_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def webhook_masked(self) -> str:
        return webhook_masked(self.webhook_url)


class ChannelDelivery(models.Model):
    """One notification's message to one channel, at most once per event and channel.

    The event is the notification's (pilot, kind, period), as on ``Reminder``: the
    unique constraint, with ``ON CONFLICT DO NOTHING`` inserts and a claim on the
    status before sending, makes delivery exactly once per event and channel.
    """

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="deliveries")
    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="channel_deliveries")
    kind = models.CharField(max_length=30, choices=ReminderKind.choices)
    period = models.CharField(max_length=24, help_text="The notification's event (E123) or day.")
    sweep = models.UUIDField(editable=False, help_text="The call that recorded it.")
    text = models.CharField(max_length=300, help_text="The notification's sentence.")
    link = models.CharField(max_length=300, help_text="Path of the page it links to.")
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=ChannelDeliveryStatus.choices, default=ChannelDeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "channel deliveries"
        indexes = [
            models.Index(fields=["sweep"], name="channel_delivery_sweep"),
            models.Index(fields=["status", "claimed_at"], name="channel_delivery_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "pilot", "kind", "period"], name="channel_delivery_once"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ChannelDeliveryStatus.values),
                name="channel_delivery_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.channel} ({self.period})"
