"""What happened to a pilot: gate decisions and the audit trail.

Both are append-only: a row is inserted once and never updated or deleted.
``AppendOnly`` refuses it in Python (``save()`` of a stored row, ``delete()``,
a queryset's ``update()``, ``bulk_update()`` and ``delete()``); on the
database, triggers (migration 0006) refuse UPDATE and DELETE from any client.
A pilot with history cannot be deleted (``on_delete=PROTECT``), nor can a
user who acted in it: deactivate the account instead.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from pilots.enums import CheckpointChoice, Stage
from pilots.models.pilot import Pilot

User = settings.AUTH_USER_MODEL


class HistoryIsAppendOnly(Exception):
    """Someone tried to change or delete a recorded history row."""


def _refuse(model: type[models.Model], what: str) -> NoReturn:
    raise HistoryIsAppendOnly(
        f"{str(model._meta.verbose_name_plural).capitalize()} are append-only history: "
        f"a recorded row cannot be {what}."
    )


class AppendOnlyQuerySet(models.QuerySet):
    """Inserts and reads only: bulk changes and deletes are refused."""

    def update(self, **kwargs: Any) -> NoReturn:
        _refuse(self.model, "updated")

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> NoReturn:
        _refuse(self.model, "updated")

    def delete(self) -> NoReturn:
        _refuse(self.model, "deleted")

    delete.alters_data = True  # type: ignore[attr-defined]
    delete.queryset_only = True  # type: ignore[attr-defined]


class AppendOnly(models.Model):
    """A model whose rows are written once: ``save()`` inserts, never updates."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding or kwargs.get("force_update") or kwargs.get("update_fields"):
            _refuse(type(self), "updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse(type(self), "deleted")


class GateDecision(AppendOnly):
    """A recorded move between stages: who, when, from, to and why."""

    pilot = models.ForeignKey(Pilot, on_delete=models.PROTECT, related_name="decisions")
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


class CheckpointDecision(AppendOnly):
    """A portfolio lead's decision when the handover window opens: continue, extend or stop.

    Recorded by ``pilots.services.checkpoints.checkpoint_record`` only. It answers the
    checkpoint of the window that opened on ``window_opened_on``; an extension moves
    the end (``previous_end`` → ``new_end``), so the next window asks again.
    """

    pilot = models.ForeignKey(Pilot, on_delete=models.PROTECT, related_name="checkpoints")
    decision = models.CharField(max_length=10, choices=CheckpointChoice.choices)
    rationale = models.TextField(help_text="Why: what the lead saw and decided.")
    window_opened_on = models.DateField(
        help_text="The first day of the handover window this decision answers."
    )
    previous_end = models.DateField(help_text="The planned end when the decision was taken.")
    new_end = models.DateField(
        null=True, blank=True, help_text="Extensions only: the new planned end."
    )
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pilot", "-decided_at", "-id"]
        get_latest_by = "decided_at"
        constraints = [
            models.CheckConstraint(
                condition=Q(decision__in=CheckpointChoice.values), name="checkpoint_decision_valid"
            ),
            models.CheckConstraint(condition=~Q(rationale=""), name="checkpoint_has_rationale"),
            models.CheckConstraint(
                condition=(Q(decision=CheckpointChoice.EXTEND) & Q(new_end__gt=F("previous_end")))
                | (~Q(decision=CheckpointChoice.EXTEND) & Q(new_end__isnull=True)),
                name="checkpoint_extension_moves_end_later",
                violation_error_message="An extension needs a new end later than the current one.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pilot}: {self.get_decision_display()}"


class PilotEvent(AppendOnly):
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
        WAIVER_APPROVED = "waiver_approved", "Infrastructure waiver approved"
        PLAN_CHANGED = "plan_changed", "Operating plan changed"
        BUDGET_ACCEPTED = "budget_accepted", "Run cost accepted by the budget holder"
        BUDGET_DECLINED = "budget_declined", "Run cost declined by the budget holder"
        TASK_ADDED = "task_added", "Knowledge-transfer task added"
        TASK_CHANGED = "task_changed", "Knowledge-transfer task changed"
        TASK_COMPLETED = "task_completed", "Knowledge-transfer task completed"
        TASK_CONFIRMED = "task_confirmed", "Knowledge-transfer task confirmed by its receiver"
        TASK_DECLINED = "task_declined", "Knowledge-transfer task declined by its receiver"
        TASK_REORDERED = "task_reordered", "Handover plan reordered"
        CHECKIN_RECORDED = "checkin_recorded", "Owner checked in"
        CHECKPOINT_DECIDED = "checkpoint_decided", "Checkpoint decision recorded"
        CONTRACT_ACKNOWLEDGED = "contract_acknowledged", "Contract changes acknowledged"
        LESSON_RECORDED = "lesson_recorded", "Lesson recorded"
        VALUE_REVIEW_RECORDED = "value_review_recorded", "Value review recorded"
        VALUE_REVIEW_SIGNED = "value_review_signed", "Value review signed off"
        VALUE_REVIEW_REFUSED = "value_review_refused", "Value review refused"
        OPERATION_ENDED = "operation_ended", "Operation ended: system retired"
        SUCCESSION_NOMINATED = "succession_nominated", "Successor nominated"
        SUCCESSION_ACCEPTED = "succession_accepted", "Succession accepted: the role changed hands"
        SUCCESSION_DECLINED = "succession_declined", "Succession declined by the successor"

    pilot = models.ForeignKey(Pilot, on_delete=models.PROTECT, related_name="events")
    # None: the system (a job). A user who acted cannot be deleted (PROTECT): deactivate them.
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
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

    @property
    def is_creation(self) -> bool:
        """A creation's values have nothing before them: the page shows the values alone."""
        return self.action in CREATIONS


CREATIONS = frozenset(
    {
        PilotEvent.Action.CREATED,
        PilotEvent.Action.METRIC_ADDED,
        PilotEvent.Action.MEMBER_ADDED,
        PilotEvent.Action.TASK_ADDED,
        PilotEvent.Action.LESSON_RECORDED,
    }
)
