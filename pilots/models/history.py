"""What happened to a pilot: gate decisions and the audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from pilots.enums import Stage
from pilots.models.pilot import Pilot

User = settings.AUTH_USER_MODEL


class GateDecision(models.Model):
    """A recorded move between stages: who, when, from, to and why."""

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="decisions")
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)
    from_stage = models.CharField(max_length=10, choices=Stage.choices)
    to_stage = models.CharField(max_length=10, choices=Stage.choices)
    rationale = models.TextField()
    lessons_learned = models.TextField(blank=True)

    class Meta:
        ordering = ["pilot", "-decided_at", "-id"]
        get_latest_by = "decided_at"
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_stage=F("to_stage")), name="decision_changes_stage"
            ),
            models.CheckConstraint(condition=~Q(rationale=""), name="decision_has_rationale"),
            models.CheckConstraint(
                condition=~Q(to_stage=Stage.STOPPED) | ~Q(lessons_learned=""),
                name="decision_stop_has_lessons",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pilot}: {self.from_stage} → {self.to_stage}"


class PilotEvent(models.Model):
    """The audit history: every change to a pilot, its metrics, owners, tasks and gates.

    Written by the service that makes the change, in the same transaction.
    """

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"
        STAGE_CHANGED = "stage_changed", "Stage changed"
        OWNER_NOMINATED = "owner_nominated", "Business owner nominated"
        OWNER_ACCEPTED = "owner_accepted", "Ownership accepted"
        OWNER_DECLINED = "owner_declined", "Ownership declined"
        OPERATIONS_ACCEPTED = "operations_accepted", "Operations accepted the system"
        MEMBER_ADDED = "member_added", "Team member added"
        MEMBER_REMOVED = "member_removed", "Team member removed"
        METRIC_ADDED = "metric_added", "Metric added"
        METRIC_CHANGED = "metric_changed", "Metric changed"
        METRIC_LOCKED_CHANGE = "metric_locked_change", "Locked metric changed"
        READING_RECORDED = "reading_recorded", "Reading recorded"
        READING_DELETED = "reading_deleted", "Reading deleted"
        READINGS_INGESTED = "readings_ingested", "Readings ingested in bulk"
        INFRASTRUCTURE_ANSWERED = "infrastructure_answered", "Infrastructure answered"
        PLAN_CHANGED = "plan_changed", "Operating plan changed"
        TASK_ADDED = "task_added", "Knowledge-transfer task added"
        TASK_CHANGED = "task_changed", "Knowledge-transfer task changed"
        TASK_COMPLETED = "task_completed", "Knowledge-transfer task completed"
        TASK_REORDERED = "task_reordered", "Handover plan reordered"

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=30, choices=Action.choices)
    subject = models.CharField(max_length=200, blank=True, help_text="What changed, in words.")
    changes = models.JSONField(default=dict, blank=True, help_text="{field: [before, after]}")
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["pilot", "-at", "-id"]
        indexes = [models.Index(fields=["pilot", "-at"], name="event_pilot_recent")]

    def __str__(self) -> str:
        return f"{self.pilot}: {self.get_action_display()}"
