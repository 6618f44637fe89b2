"""The handover plan: knowledge-transfer tasks, owned by the business owner."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from pilots.enums import Stage, TaskStatus
from pilots.errors import NotAllowed
from pilots.models import KnowledgeTransferTask, Pilot, PilotEvent
from pilots.permissions import HANDOVER_PLANNERS, Role, can_see, pilot_roles
from pilots.services.access import lock_in_stage, require_role
from pilots.services.audit import apply_changes, created_values, event_record

# Status moves only through task_complete / task_reopen.
TASK_FIELDS = frozenset(
    {"title", "kind", "assignee", "receiver", "receiver_team", "due_on", "evidence_url"}
)


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - TASK_FIELDS
    if unknown:
        raise TypeError(f"unexpected task fields: {sorted(unknown)}")


def _require_assignee_on_pilot(task: KnowledgeTransferTask) -> None:
    """The giver works on the pilot: they must be able to open the task's page."""
    if task.assignee_id is not None and not can_see(task.assignee, task.pilot):
        raise ValidationError(
            {"assignee": "Assign the task to someone on the pilot: its team, owner or sponsor."}
        )


@transaction.atomic
def task_create(*, pilot: Pilot, by: User, **fields: Any) -> KnowledgeTransferTask:
    require_role(by, pilot, HANDOVER_PLANNERS, "plan its handover")
    lock_in_stage(pilot, Stage.SETUP, "add a knowledge-transfer task")
    _check_fields(fields)
    last = pilot.tasks.aggregate(last=Max("position"))["last"]
    task = KnowledgeTransferTask(pilot=pilot, position=(last or 0) + 1, **fields)
    task.full_clean()
    _require_assignee_on_pilot(task)
    task.save()
    event_record(
        pilot=pilot,
        actor=by,
        action=PilotEvent.Action.TASK_ADDED,
        subject=task.title,
        changes=created_values(task, ("position", "status", *sorted(TASK_FIELDS))),
    )
    return task


@transaction.atomic
def task_update(*, task: KnowledgeTransferTask, by: User, **fields: Any) -> KnowledgeTransferTask:
    pilot = task.pilot
    require_role(by, pilot, HANDOVER_PLANNERS, "plan its handover")
    lock_in_stage(pilot, Stage.SETUP, "change a knowledge-transfer task")
    task.refresh_from_db()  # compare with what is stored, not with a form's edited copy
    _check_fields(fields)
    diff = apply_changes(task, fields)
    if diff:
        task.full_clean()
        _require_assignee_on_pilot(task)
        task.save()
        event_record(
            pilot=pilot,
            actor=by,
            action=PilotEvent.Action.TASK_CHANGED,
            subject=task.title,
            changes=diff,
        )
    return task


@transaction.atomic
def task_complete(
    *, task: KnowledgeTransferTask, by: User, evidence_url: str = ""
) -> KnowledgeTransferTask:
    """Mark a task done: by its assignee or the business owner, with an evidence link."""
    pilot = task.pilot
    if task.assignee_id != by.pk and Role.OWNER not in pilot_roles(by, pilot):
        raise NotAllowed("Only the task's assignee or the business owner may complete it.")
    lock_in_stage(pilot, Stage.SETUP, "complete a knowledge-transfer task")
    if task.status == TaskStatus.DONE:
        raise ValidationError("This task is already done.")
    evidence_url = evidence_url.strip() or task.evidence_url
    if not evidence_url:
        raise ValidationError(
            {"evidence_url": "Link the evidence (runbook, recording, rota…) to complete the task."}
        )
    diff = apply_changes(
        task,
        {
            "status": TaskStatus.DONE,
            "evidence_url": evidence_url,
            "completed_at": timezone.now(),
            "completed_by": by,
        },
    )
    task.full_clean()
    task.save()
    event_record(
        pilot=pilot,
        actor=by,
        action=PilotEvent.Action.TASK_COMPLETED,
        subject=task.title,
        changes=diff,
    )
    return task


@transaction.atomic
def task_reopen(*, task: KnowledgeTransferTask, by: User) -> KnowledgeTransferTask:
    pilot = task.pilot
    require_role(by, pilot, HANDOVER_PLANNERS, "plan its handover")
    lock_in_stage(pilot, Stage.SETUP, "reopen a knowledge-transfer task")
    diff = apply_changes(
        task, {"status": TaskStatus.IN_PROGRESS, "completed_at": None, "completed_by": None}
    )
    task.full_clean()
    task.save()
    event_record(
        pilot=pilot,
        actor=by,
        action=PilotEvent.Action.TASK_CHANGED,
        subject=task.title,
        changes=diff,
    )
    return task


@transaction.atomic
def task_reorder(*, pilot: Pilot, by: User, task_ids: list[int]) -> None:
    """Put the handover plan in the given order; every task must be named once."""
    require_role(by, pilot, HANDOVER_PLANNERS, "plan its handover")
    lock_in_stage(pilot, Stage.SETUP, "reorder the handover plan")
    tasks = {task.pk: task for task in pilot.tasks.select_for_update()}
    if sorted(task_ids) != sorted(tasks):
        raise ValidationError("Name every task of this pilot exactly once to reorder them.")
    before = [task.pk for task in sorted(tasks.values(), key=lambda t: (t.position, t.pk))]
    for position, task_id in enumerate(task_ids, start=1):
        tasks[task_id].position = position
    KnowledgeTransferTask.objects.bulk_update(tasks.values(), ["position"])
    if before != list(task_ids):
        event_record(
            pilot=pilot,
            actor=by,
            action=PilotEvent.Action.TASK_REORDERED,
            changes={"order": [before, list(task_ids)]},
        )
