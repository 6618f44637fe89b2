"""Succession: a role that keeps a pilot alive handed to a successor, who must accept.

Written by ``pilots.services.succession`` only. A nomination waits (pending) until
the successor accepts, which hands the role over, or declines (with a reason).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from pilots.enums import SuccessionRole
from pilots.models.pilot import Pilot

User = settings.AUTH_USER_MODEL


class Succession(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting the successor's acceptance"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="successions")
    role = models.CharField(max_length=12, choices=SuccessionRole.choices)
    predecessor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    successor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="successions")
    reason = models.TextField(help_text="Why the role changes hands.")
    nominated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    nominated_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    responded_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["pilot", "-nominated_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="succession_has_reason"),
            models.CheckConstraint(
                condition=~Q(successor=F("predecessor")), name="succession_changes_hands"
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(responded_at__isnull=False),
                name="succession_response_has_time",
            ),
            # One open nomination per role holder: a second waits for the first's answer.
            models.UniqueConstraint(
                fields=["pilot", "role", "predecessor"],
                condition=Q(status="pending"),
                name="succession_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pilot}: {self.get_role_display()} → {self.successor}"
