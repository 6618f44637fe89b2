"""Reminders sent to people, and the kinds each one muted."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from pilots.enums import DigestCadence, ReminderKind, ReminderStatus
from pilots.models.pilot import Pilot

User = settings.AUTH_USER_MODEL


class EmailDelivery(models.Model):
    """Where the email of a reminder or a digest is: claimed, sent, retried or given up
    (``pilots.reminders.delivery``)."""

    status = models.CharField(
        max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        abstract = True


class Reminder(EmailDelivery):
    """One reminder to one person about one pilot, at most once per kind and period.

    The unique constraint on (pilot, kind, recipient, period) is what makes
    delivery exactly-once: a sweep records reminders with ``ON CONFLICT DO
    NOTHING`` and only the sweep whose row was inserted sends it. The row is
    also the in-app notification (``read_at``) and the record leads review.
    """

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=30, choices=ReminderKind.choices)
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="reminders")
    period = models.CharField(
        max_length=24,
        help_text="ISO week of the sweep, e.g. 2026-W48; for a decline after graduation "
        "the day it was found (D2026-11-20: once per decline); for an event notification "
        "its event (E123), for a worsened risk its day and level (R2026-12-02-3).",
    )
    day = models.DateField(help_text="The day of the sweep that recorded it.")
    sweep = models.UUIDField(editable=False, help_text="The sweep run that recorded it.")
    reason = models.CharField(max_length=300, help_text="Why, in one sentence.")
    action = models.CharField(max_length=300, help_text="What to do about it.")
    link = models.CharField(max_length=300, help_text="Path of the page where it is fixed.")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    digest = models.ForeignKey(
        "Digest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="items",
        help_text="The digest that took it, once its recipient chose a digest for its kind.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="reminder_inbox"),
            models.Index(fields=["sweep"], name="reminder_sweep"),
            models.Index(fields=["period"], name="reminder_period"),
            models.Index(fields=["status", "claimed_at"], name="reminder_delivery"),
            models.Index(fields=["-created_at", "-id"], name="reminder_sent_log"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["pilot", "kind", "recipient", "period"], name="reminder_once_per_period"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ReminderKind.values), name="reminder_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReminderStatus.values), name="reminder_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient} ({self.period})"


class DigestChoice(models.Model):
    """A user's choice to get one kind by a daily or weekly digest (no row: emailed at once)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="digest_choices")
    kind = models.CharField(max_length=30, choices=ReminderKind.choices)
    cadence = models.CharField(
        max_length=10, choices=[c for c in DigestCadence.choices if c[0] in DigestCadence.PERSONAL]
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="digest_choice_once"),
            models.CheckConstraint(
                condition=Q(kind__in=ReminderKind.values), name="digest_choice_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(cadence__in=sorted(DigestCadence.PERSONAL)),
                name="digest_choice_cadence_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_kind_display()} by {self.get_cadence_display()}"


class Digest(EmailDelivery):
    """One email to one person listing the reminders held for their digest.

    Unique per (recipient, cadence, period): a digest run inserts with ``ON
    CONFLICT DO NOTHING`` and only the run whose row was inserted takes the held
    items and sends it; delivery claims it as a reminder's is claimed.
    """

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="digests")
    cadence = models.CharField(max_length=10, choices=DigestCadence.choices)
    period = models.CharField(
        max_length=10, help_text="The day (2026-12-02) or the ISO week (2026-W49) it covers."
    )
    run = models.UUIDField(editable=False, help_text="The digest run that recorded it.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["run"], name="digest_run")]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "cadence", "period"], name="digest_once_per_period"
            ),
            models.CheckConstraint(
                condition=Q(cadence__in=DigestCadence.values), name="digest_cadence_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReminderStatus.values), name="digest_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_cadence_display()} to {self.recipient} ({self.period})"


class ReminderMute(models.Model):
    """A user's choice not to receive one non-critical kind of reminder."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="reminder_mutes")
    kind = models.CharField(max_length=30, choices=ReminderKind.choices)
    muted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="reminder_mute_once"),
            models.CheckConstraint(
                condition=Q(kind__in=sorted(ReminderKind.MUTABLE)),
                name="reminder_mute_only_non_critical",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} mutes {self.get_kind_display()}"
