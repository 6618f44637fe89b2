"""Succession: hand a role that keeps a pilot alive to a successor, who must accept.

The sponsor or a portfolio lead (the sponsor's own role: a lead only) names the
successor with a written reason; nothing changes hands until the successor
accepts, exactly as a business owner accepts at registration (the pilot's
ownership fields record the nomination and the acceptance). It works in every
stage but stopped, in operation too. Every step is in the history with the
before and after values and the reason; the successor and the predecessor are
told at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from pilots.enums import OwnershipStatus, ReminderKind, Stage, SuccessionRole, TaskStatus
from pilots.errors import NotAllowed
from pilots.models import KnowledgeTransferTask, Pilot, PilotEvent, PilotMembership, Succession
from pilots.permissions import EDITORS, Role, pilot_roles, sponsor_as_owner_refusal
from pilots.services.access import lock_pilot, require_role
from pilots.services.audit import apply_changes, event_record
from pilots.services.notifications import event_notify

# The history's label for the successor's answer (a declined succession changes no field).
ANSWER = "Successor's answer"
SPONSOR_SUCCESSION_RULE = "Only a portfolio lead may name a new sponsor."


def _name(user: User) -> str:
    return user.get_full_name() or user.get_username()


@dataclass(frozen=True)
class Holder:
    """A role that may be handed on, and who holds it now."""

    role: str
    user: User
    open_tasks: int = 0  # a task giver's open tasks

    @property
    def key(self) -> str:
        """The form's value: the role, and the giver for a task giver's tasks."""
        if self.role == SuccessionRole.TASK_GIVER:
            return f"{self.role}:{self.user.get_username()}"
        return str(self.role)

    @property
    def label(self) -> str:
        text = f"{SuccessionRole(self.role).label}: {_name(self.user)}"
        if self.role == SuccessionRole.TASK_GIVER:
            text += f" ({self.open_tasks} open task{'' if self.open_tasks == 1 else 's'})"
        if not self.user.is_active:
            text += " (deactivated)"
        return text


def succession_holders(*, pilot: Pilot) -> list[Holder]:
    """Every role of ``pilot`` that may be handed on, with its holder (one query, for tasks)."""
    holders = []
    owner, operations = pilot.owner, pilot.operations_owner
    if owner and pilot.owner_status in (OwnershipStatus.PENDING, OwnershipStatus.ACCEPTED):
        holders.append(Holder(SuccessionRole.OWNER, owner))
    if operations:
        holders.append(Holder(SuccessionRole.OPERATIONS, operations))
    holders.append(Holder(SuccessionRole.SPONSOR, pilot.sponsor))
    counts: dict[int, list[KnowledgeTransferTask]] = {}
    for task in pilot.tasks.filter(status__in=TaskStatus.OPEN).select_related("assignee"):
        counts.setdefault(task.assignee_id, []).append(task)
    for tasks in counts.values():
        holders.append(Holder(SuccessionRole.TASK_GIVER, tasks[0].assignee, len(tasks)))
    return holders


def may_name_successor(user: User, pilot: Pilot) -> bool:
    """The sponsor or a portfolio lead, on a pilot that is not stopped."""
    return pilot.stage != Stage.STOPPED and bool(pilot_roles(user, pilot) & EDITORS)


def _holder(pilot: Pilot, role: str, predecessor: User | None) -> Holder:
    for holder in succession_holders(pilot=pilot):
        if holder.role != role:
            continue
        if role != SuccessionRole.TASK_GIVER or (
            predecessor is not None and holder.user.pk == predecessor.pk
        ):
            return holder
    if role == SuccessionRole.TASK_GIVER:
        message = "Choose a task giver who has open tasks on this pilot."
    else:
        message = f"This pilot has no {SuccessionRole(role).label.lower()} to succeed."
    raise ValidationError({"role": message})


def _refuse_successor(pilot: Pilot, role: str, successor: User, holder: Holder) -> None:
    if not successor.is_active:
        raise ValidationError({"successor": "This account is deactivated: name someone active."})
    if successor.pk == holder.user.pk:
        raise ValidationError({"successor": f"{_name(successor)} already holds this role."})
    if role == SuccessionRole.OWNER or (
        role == SuccessionRole.SPONSOR
        and pilot.owner_status in (OwnershipStatus.PENDING, OwnershipStatus.ACCEPTED)
    ):
        refusal = sponsor_as_owner_refusal(
            sponsor_id=successor.pk if role == SuccessionRole.SPONSOR else pilot.sponsor_id,
            owner_id=successor.pk if role == SuccessionRole.OWNER else pilot.owner_id,
            allowed=settings.PILOTGATE_ALLOW_SPONSOR_AS_OWNER,
        )
        if refusal:
            raise ValidationError({"successor": ValidationError(refusal, code="sponsor_as_owner")})


def _subject(succession: Succession) -> str:
    return (
        f"{succession.get_role_display()}: {_name(succession.predecessor)} → "
        f"{_name(succession.successor)}"
    )


def _field(role: str) -> str:
    return {
        SuccessionRole.OWNER: "owner",
        SuccessionRole.OPERATIONS: "operations_owner",
        SuccessionRole.SPONSOR: "sponsor",
    }.get(SuccessionRole(role), "assignee")


@transaction.atomic
def succession_nominate(
    *,
    pilot: Pilot,
    by: User,
    role: str,
    successor: User,
    reason: str,
    predecessor: User | None = None,
) -> Succession:
    """Name ``successor`` to ``role`` (a task giver's: ``predecessor``'s open tasks).

    The successor must accept (``succession_accept``) before the role changes hands.
    """
    lock_pilot(pilot)
    if role not in SuccessionRole.values:
        raise ValidationError({"role": "Choose a role to hand on."})
    if role == SuccessionRole.SPONSOR:
        if Role.LEAD not in pilot_roles(by, pilot):
            raise NotAllowed(SPONSOR_SUCCESSION_RULE)
    else:
        require_role(by, pilot, EDITORS, "name a successor")
    if pilot.stage == Stage.STOPPED:
        raise ValidationError("A stopped pilot has no role to hand on.", code="stage_locked")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the role changes hands."})
    holder = _holder(pilot, role, predecessor)
    _refuse_successor(pilot, role, successor, holder)
    if Succession.objects.filter(
        pilot=pilot, role=role, predecessor=holder.user, status=Succession.Status.PENDING
    ).exists():
        raise ValidationError(
            {"role": "A successor is already named for this role and has not answered yet."}
        )
    succession = Succession(
        pilot=pilot,
        role=role,
        predecessor=holder.user,
        successor=successor,
        reason=reason,
        nominated_by=by,
    )
    succession.full_clean()
    succession.save()
    event = event_record(
        pilot=pilot,
        actor=by,
        action=PilotEvent.Action.SUCCESSION_NOMINATED,
        subject=_subject(succession) + " (awaiting acceptance)",
        changes={_field(role): [holder.user.get_username(), successor.get_username()]},
        reason=reason,
    )
    event_notify(event=event, kind=ReminderKind.SUCCESSION_NOMINATED, to=[successor.pk])
    event_notify(event=event, kind=ReminderKind.SUCCEEDED, to=[holder.user.pk])
    return succession


def _pending_for(succession: Succession, by: User) -> Pilot:
    pilot = lock_pilot(succession.pilot)
    succession.refresh_from_db()
    if succession.successor_id != by.pk:
        raise NotAllowed("Only the named successor may answer the succession.")
    if succession.status != Succession.Status.PENDING:
        raise ValidationError(
            f"The succession was already answered ({succession.get_status_display().lower()})."
        )
    return pilot


@transaction.atomic
def succession_accept(*, succession: Succession, by: User) -> Succession:
    """The successor accepts: the role changes hands now, as at registration."""
    pilot = _pending_for(succession, by)
    if pilot.stage == Stage.STOPPED:
        raise ValidationError("The pilot was stopped: there is no role to take.")
    now = timezone.now()
    role = succession.role
    if role == SuccessionRole.TASK_GIVER:
        tasks = list(
            pilot.tasks.filter(assignee=succession.predecessor, status__in=TaskStatus.OPEN)
        )
        for task in tasks:
            task.assignee = by
            task.full_clean()
            task.save(update_fields=["assignee"])
        diff: dict[str, list[Any]] = {
            "assignee": [succession.predecessor.get_username(), by.get_username()],
            "Open tasks handed on": [None, len(tasks)],
        }
        if not PilotMembership.objects.filter(pilot=pilot, user=by).exists() and not (
            pilot_roles(by, pilot) - {Role.LEAD, Role.ADMIN}
        ):
            PilotMembership.objects.create(pilot=pilot, user=by, role="Task giver")
    else:
        field = _field(role)
        if getattr(pilot, f"{field}_id") != succession.predecessor_id:
            raise ValidationError("The role changed hands since the nomination: ask for a new one.")
        changes: dict[str, Any] = {field: by}
        if role == SuccessionRole.OWNER:
            changes |= {
                "owner_status": OwnershipStatus.ACCEPTED,
                "owner_nominated_at": succession.nominated_at,
                "owner_responded_at": now,
                "owner_decline_reason": "",
            }
        elif role == SuccessionRole.OPERATIONS and pilot.operations_accepted_at is not None:
            # The successor's acceptance is the operations' acceptance of the running system.
            changes |= {"operations_accepted_at": now, "operations_accepted_by": by}
        diff = apply_changes(pilot, changes)
        pilot.full_clean()
        pilot.save()
    succession.status = Succession.Status.ACCEPTED
    succession.responded_at = now
    succession.save(update_fields=["status", "responded_at"])
    event = event_record(
        pilot=pilot,
        actor=by,
        action=PilotEvent.Action.SUCCESSION_ACCEPTED,
        subject=_subject(succession),
        changes=diff,
        reason=succession.reason,
    )
    event_notify(
        event=event,
        kind=ReminderKind.SUCCESSION_ACCEPTED,
        to=[pilot.sponsor_id, succession.nominated_by_id, succession.predecessor_id],
    )
    return succession


@transaction.atomic
def succession_decline(*, succession: Succession, by: User, reason: str) -> Succession:
    pilot = _pending_for(succession, by)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why you decline, so the sponsor can act on it."})
    succession.status = Succession.Status.DECLINED
    succession.responded_at = timezone.now()
    succession.decline_reason = reason
    succession.save(update_fields=["status", "responded_at", "decline_reason"])
    event = event_record(
        pilot=pilot,
        actor=by,
        action=PilotEvent.Action.SUCCESSION_DECLINED,
        subject=_subject(succession),
        changes={ANSWER: [str(Succession.Status.PENDING.label), "Declined"]},
        reason=reason,
    )
    event_notify(
        event=event,
        kind=ReminderKind.SUCCESSION_DECLINED,
        to=[pilot.sponsor_id, succession.nominated_by_id],
    )
    return succession
