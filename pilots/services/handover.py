"""The handover plan: knowledge-transfer tasks, owned by the business owner.

A task's life: to do (or in progress) → the giver completes it with evidence →
waiting for confirmation → the receiver confirms receipt → done; or the receiver
declines it with a reason → to do again. ``pilots.permissions.task_receiver_refusal``
says who the receiver is.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from pilots.enums import ReminderKind, Stage, TaskStatus
from pilots.errors import MissingItem, NotAllowed, TransitionRefused
from pilots.models import KnowledgeTransferTask, Pilot, PilotEvent
from pilots.permissions import (
    HANDOVER_PLANNERS,
    Role,
    can_see,
    pilot_roles,
    task_receiver_refusal_for,
)
from pilots.services.access import lock_in_stage, require_role
from pilots.services.audit import apply_changes, created_values, event_record
from pilots.services.notifications import event_notify, portfolio_lead_ids

# Status moves only through task_complete / task_reopen.
TASK_FIELDS = frozenset(
    {"title", "kind", "assignee", "receiver", "receiver_team", "due_on", "evidence_url"}
)


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - TASK_FIELDS
    if unknown:
        raise TypeError(f"unexpected task fields: {sorted(unknown)}")


def _require_assignee_on_pilot(task: KnowledgeTransferTask) -> None:
    """The giver works on the pilot: they must be able to open the task's page. The
    receiver named in person must see it too (they confirm receipt there), and is
    someone other than the giver (who cannot sign off their own task)."""
    if task.assignee_id is not None and not can_see(task.assignee, task.pilot):
        raise ValidationError(
            {"assignee": "Assign the task to someone on the pilot: its team, owner or sponsor."}
        )
    if task.receiver is not None:
        if task.receiver_id == task.assignee_id:
            raise ValidationError(
                {"receiver": "The receiver confirms the giver's work: name someone else."}
            )
        if not can_see(task.receiver, task.pilot):
            raise ValidationError(
                {
                    "receiver": "Name a receiver on the pilot (its operations owner or team), "
                    "so they can confirm receipt; or name the receiving team."
                }
            )


def _save_move(
    task: KnowledgeTransferTask,
    by: User,
    action: str,
    diff: dict[str, list[Any]],
    reason: str = "",
    notify: tuple[str, list[int | None]] | None = None,
) -> None:
    """Save a task's status move and record it (one event, its before and after values);
    ``notify``: the kind of notification, and to whom."""
    task.full_clean()
    task.save()
    event = event_record(
        pilot=task.pilot,
        actor=by,
        action=action,
        subject=task.title,
        changes=diff,
        reason=reason,
    )
    if notify:
        kind, to = notify
        event_notify(event=event, kind=kind, to=to, task_id=task.pk)


def _receivers(task: KnowledgeTransferTask) -> list[int | None]:
    """Who confirms the task's receipt (``permissions.task_receiver_refusal``): the receiver
    named, else the pilot's operations owner, else the portfolio leads."""
    if task.receiver_id is not None:
        return [task.receiver_id]
    if task.pilot.operations_owner_id is not None:
        return [task.pilot.operations_owner_id]
    return list(portfolio_lead_ids())


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
    event = event_record(
        pilot=pilot,
        actor=by,
        action=PilotEvent.Action.TASK_ADDED,
        subject=task.title,
        changes=created_values(task, ("position", "status", *sorted(TASK_FIELDS))),
    )
    event_notify(
        event=event, kind=ReminderKind.TASK_ASSIGNED, to=[task.assignee_id], task_id=task.pk
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
        event = event_record(
            pilot=pilot,
            actor=by,
            action=PilotEvent.Action.TASK_CHANGED,
            subject=task.title,
            changes=diff,
        )
        if "assignee" in diff:
            event_notify(
                event=event,
                kind=ReminderKind.TASK_ASSIGNED,
                to=[task.assignee_id],
                task_id=task.pk,
            )
    return task


@transaction.atomic
def task_complete(
    *, task: KnowledgeTransferTask, by: User, evidence_url: str = ""
) -> KnowledgeTransferTask:
    """The giver hands the task over: by its assignee or the business owner, with an
    evidence link. It then waits for its receiver's confirmation."""
    pilot = task.pilot
    if task.assignee_id != by.pk and Role.OWNER not in pilot_roles(by, pilot):
        raise NotAllowed("Only the task's assignee or the business owner may complete it.")
    lock_in_stage(pilot, Stage.SETUP, "complete a knowledge-transfer task")
    task.refresh_from_db()
    if task.status == TaskStatus.DONE:
        raise ValidationError("This task is already done.")
    if task.status == TaskStatus.WAITING:
        raise ValidationError("This task is already waiting for its receiver's confirmation.")
    evidence_url = evidence_url.strip() or task.evidence_url
    if not evidence_url:
        raise ValidationError(
            {"evidence_url": "Link the evidence (runbook, recording, rota…) to complete the task."}
        )
    diff = apply_changes(
        task,
        {
            "status": TaskStatus.WAITING,
            "evidence_url": evidence_url,
            "completed_at": timezone.now(),
            "completed_by": by,
            "declined_at": None,
            "declined_by": None,
            "decline_reason": "",
        },
    )
    _save_move(
        task,
        by,
        PilotEvent.Action.TASK_COMPLETED,
        diff,
        notify=(ReminderKind.TASK_COMPLETED, _receivers(task)),
    )
    return task


def _receiver_answer(task: KnowledgeTransferTask, by: User, action: str) -> None:
    """The checks before a receiver confirms or declines: the rule, the stage, the status."""
    pilot = task.pilot
    refusal = task_receiver_refusal_for(by, task)
    if refusal:
        raise NotAllowed(refusal)
    lock_in_stage(pilot, Stage.SETUP, f"{action} a knowledge-transfer task")
    task.refresh_from_db()
    if task.status != TaskStatus.WAITING:
        raise TransitionRefused(
            f"{action} the task",
            [
                MissingItem(
                    "task_not_waiting",
                    f"“{task.title}” is {task.get_status_display().lower()}, not waiting "
                    "for confirmation: "
                    + (
                        "its receiver has confirmed it."
                        if task.status == TaskStatus.DONE
                        else "its giver completes it with evidence first."
                    ),
                    "handover",
                )
            ],
        )


@transaction.atomic
def task_confirm(*, task: KnowledgeTransferTask, by: User) -> KnowledgeTransferTask:
    """The receiver confirms receipt: the task is done."""
    _receiver_answer(task, by, "confirm")
    givers = [task.assignee_id, task.completed_by_id]
    diff = apply_changes(
        task, {"status": TaskStatus.DONE, "confirmed_at": timezone.now(), "confirmed_by": by}
    )
    _save_move(
        task,
        by,
        PilotEvent.Action.TASK_CONFIRMED,
        diff,
        notify=(ReminderKind.TASK_CONFIRMED, givers),
    )
    return task


@transaction.atomic
def task_decline(*, task: KnowledgeTransferTask, by: User, reason: str) -> KnowledgeTransferTask:
    """The receiver declines receipt, saying why: the task goes back to the giver (to do)."""
    _receiver_answer(task, by, "decline")
    givers = [task.assignee_id, task.completed_by_id]
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {"reason": "Say what is missing, so the giver knows what to hand over."}
        )
    diff = apply_changes(
        task,
        {
            "status": TaskStatus.TODO,
            "completed_at": None,
            "completed_by": None,
            "declined_at": timezone.now(),
            "declined_by": by,
            "decline_reason": reason,
        },
    )
    _save_move(
        task,
        by,
        PilotEvent.Action.TASK_DECLINED,
        diff,
        reason=reason,
        notify=(ReminderKind.TASK_DECLINED, givers),
    )
    return task


@transaction.atomic
def task_reopen(*, task: KnowledgeTransferTask, by: User) -> KnowledgeTransferTask:
    pilot = task.pilot
    require_role(by, pilot, HANDOVER_PLANNERS, "plan its handover")
    lock_in_stage(pilot, Stage.SETUP, "reopen a knowledge-transfer task")
    diff = apply_changes(
        task,
        {
            "status": TaskStatus.IN_PROGRESS,
            "completed_at": None,
            "completed_by": None,
            "confirmed_at": None,
            "confirmed_by": None,
        },
    )
    _save_move(task, by, PilotEvent.Action.TASK_CHANGED, diff)
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
