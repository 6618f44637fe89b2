"""The handover plan: knowledge-transfer tasks to the operations team."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q

from pilots.enums import TaskKind, TaskStatus
from pilots.models.pilot import Pilot

User = settings.AUTH_USER_MODEL


class KnowledgeTransferTask(models.Model):
    """One item of the handover plan: knowledge moving to the receiving team.

    The giver (assignee, or the business owner for them) completes it with evidence:
    it then waits for confirmation. It is done once the receiver confirms receipt
    (``confirmed_at``); a decline, with its reason, sends it back to "to do". The
    status moves only in ``pilots.services.handover``.
    """

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=TaskKind.choices)
    assignee = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="kt_tasks",
        help_text="Who gives the knowledge.",
    )
    receiver = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="kt_tasks_received",
        help_text="Who receives it (or name a team).",
    )
    receiver_team = models.CharField(max_length=200, blank=True)
    due_on = models.DateField()
    status = models.CharField(max_length=12, choices=TaskStatus.choices, default=TaskStatus.TODO)
    evidence_url = models.URLField(blank=True, help_text="Link to the runbook, recording, rota…")
    position = models.PositiveIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    completed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    # Done tasks recorded before receivers signed off (migration 0010) count as
    # confirmed: confirmed_at is their completion, confirmed_by is empty.
    confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    confirmed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    # The receiver's last decline, shown on the plan until the giver completes it again.
    declined_at = models.DateTimeField(null=True, blank=True, editable=False)
    declined_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    decline_reason = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pilot", "position", "due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=TaskKind.values), name="task_kind"),
            models.CheckConstraint(condition=Q(status__in=TaskStatus.values), name="task_status"),
            models.CheckConstraint(
                condition=Q(receiver__isnull=False) | ~Q(receiver_team=""),
                name="task_has_receiver",
                violation_error_message="Name who receives the knowledge: a person or a team.",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=TaskStatus.COMPLETED)
                | (Q(completed_at__isnull=False) & ~Q(evidence_url="")),
                name="task_done_has_evidence",
                violation_error_message="A task is completed only with a link to its evidence.",
            ),
            models.CheckConstraint(
                condition=(Q(status=TaskStatus.DONE) & Q(confirmed_at__isnull=False))
                | (~Q(status=TaskStatus.DONE) & Q(confirmed_at__isnull=True)),
                name="task_done_is_confirmed",
                violation_error_message="A task is done only once its receiver confirms receipt.",
            ),
        ]

    def __str__(self) -> str:
        return self.title


if TYPE_CHECKING:

    class ListedTask(KnowledgeTransferTask):
        """A task as a page lists it (the pilot page, the agenda), with what the
        page worked out for its template. For the type checker only, not a model;
        kept off KnowledgeTransferTask because queries annotate an ``overdue`` count.
        """

        overdue: bool
        can_complete: bool  # the pilot page only
        can_confirm: bool  # the pilot page only
        waiting_for: str  # who confirms its receipt, in words
        unconfirmed: bool  # waiting for confirmation too long (the pilot page only)
        waited: int  # days since the giver completed it (the pilot page only)

        class Meta:
            proxy = True
