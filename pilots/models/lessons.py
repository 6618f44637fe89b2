"""The lessons library: what a pilot taught the organisation, asked at its decisions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from pilots.enums import FailureMode, LessonOccasion
from pilots.models.history import AppendOnly
from pilots.models.pilot import Pilot

User = settings.AUTH_USER_MODEL

TEXT_MAX = 4000
TAG_MAX_LENGTH = 30
TAGS_MAX = 6


class Lesson(AppendOnly):
    """One lesson: what worked, what failed, which failure modes bit, a few tags.

    Written by ``pilots.services.lessons.lesson_record`` (the stop, graduation and
    value-review decisions call it in their own transaction), with its audit event.
    A lesson is history, written once (append-only).

    ``search_text`` is what the library's search reads: both texts and the tags, in
    one column (on PostgreSQL a GIN index on its ``to_tsvector`` serves the
    full-text search; migration ``0019_lessons``).
    """

    pilot = models.ForeignKey(Pilot, on_delete=models.PROTECT, related_name="lessons")
    occasion = models.CharField(max_length=20, choices=LessonOccasion.choices)
    what_worked = models.TextField(blank=True, max_length=TEXT_MAX)
    what_failed = models.TextField(blank=True, max_length=TEXT_MAX)
    # One column per failure mode (``FailureMode`` values): portable filters.
    lab_to_desk_gap = models.BooleanField(default=False)
    metric_mirage = models.BooleanField(default=False)
    ownership_vacuum = models.BooleanField(default=False)
    tags = models.JSONField(default=list, blank=True, help_text="Lower-case, a handful.")
    search_text = models.TextField(blank=True, editable=False)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        get_latest_by = "recorded_at"
        indexes = [models.Index(fields=["pilot", "-recorded_at"], name="lesson_pilot_recent")]
        constraints = [
            models.CheckConstraint(
                condition=Q(occasion__in=LessonOccasion.values), name="lesson_occasion"
            ),
            models.CheckConstraint(
                condition=~Q(what_worked="") | ~Q(what_failed=""), name="lesson_has_text"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pilot}: lesson at {self.get_occasion_display().lower()}"

    @property
    def failure_modes(self) -> list[FailureMode]:
        """The failure modes that bit, in the enum's order."""
        return [mode for mode in FailureMode if getattr(self, mode.value)]

    @property
    def excerpt_text(self) -> str:
        """What a list shows first: what failed, else what worked."""
        return self.what_failed or self.what_worked
