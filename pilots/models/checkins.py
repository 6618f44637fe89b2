"""The business owner's check-ins: their own word on the pilot, at the metric's cadence."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from pilots.enums import Confidence
from pilots.models.history import AppendOnly
from pilots.models.pilot import Pilot

User = settings.AUTH_USER_MODEL

NARRATIVE_MAX = 500
BLOCKERS_MAX = 500


class CheckIn(AppendOnly):
    """A short check-in by the accepted business owner: confidence, narrative, blockers.

    Written by ``pilots.services.checkins.checkin_record`` with its audit event;
    a check-in is history, written once (append-only, like the events).
    """

    pilot = models.ForeignKey(Pilot, on_delete=models.PROTECT, related_name="checkins")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    confidence = models.CharField(
        max_length=10,
        choices=Confidence.choices,
        help_text="The owner's own word: on track, at risk or off track.",
    )
    narrative = models.CharField(
        max_length=NARRATIVE_MAX,
        help_text="In a few sentences: where the pilot stands and why you think so.",
    )
    blockers = models.CharField(
        max_length=BLOCKERS_MAX,
        blank=True,
        help_text="What stands in the way, and who could remove it (optional).",
    )

    class Meta:
        ordering = ["pilot", "-created_at", "-id"]
        get_latest_by = "created_at"
        verbose_name = "check-in"
        indexes = [models.Index(fields=["pilot", "-created_at"], name="checkin_pilot_latest")]
        constraints = [
            models.CheckConstraint(
                condition=Q(confidence__in=Confidence.values), name="checkin_confidence"
            ),
            models.CheckConstraint(condition=~Q(narrative=""), name="checkin_has_narrative"),
        ]

    def __str__(self) -> str:
        return f"{self.pilot}: {self.get_confidence_display()} on {self.created_at:%Y-%m-%d}"
