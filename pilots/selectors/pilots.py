"""Reads of pilots: what a user may see, one pilot for its page, and its timeline.

Every page and endpoint fetches pilots through ``pilots_visible_to`` or
``pilot_get_for_user``, so visibility is decided in one query condition.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from pilots import rules, timeline
from pilots.enums import InfrastructureItem, Stage
from pilots.models import (
    CheckpointDecision,
    GateDecision,
    InfrastructureAnswer,
    KnowledgeTransferTask,
    Pilot,
    PilotEvent,
    PilotMembership,
)
from pilots.permissions import AnyUser, visible_pilots_filter
from pilots.rules import RuleSettings


def rule_settings() -> RuleSettings:
    """The deployment's settings for ``pilots.rules`` (``PILOTGATE_*``; defaults live there)."""
    return RuleSettings(
        lead_days=settings.PILOTGATE_HANDOVER_LEAD_DAYS,
        escalation_days=settings.PILOTGATE_HANDOVER_ESCALATION_DAYS,
        stale_grace_days=settings.PILOTGATE_STALE_GRACE_DAYS,
        task_grace_days=settings.PILOTGATE_TASK_OVERDUE_GRACE_DAYS,
        decision_grace_days=settings.PILOTGATE_DECISION_GRACE_DAYS,
        ownership_pending_days=settings.PILOTGATE_OWNERSHIP_PENDING_DAYS,
        checkpoint_grace_days=settings.PILOTGATE_CHECKPOINT_GRACE_DAYS,
        unconfirmed_days=settings.PILOTGATE_TASK_UNCONFIRMED_DAYS,
        due_soon_days=settings.PILOTGATE_TASK_DUE_SOON_DAYS,
        ending_days=settings.PILOTGATE_PILOT_ENDING_DAYS,
        target_date_days=settings.PILOTGATE_TARGET_DATE_DAYS,
        start_grace_days=settings.PILOTGATE_START_GRACE_DAYS,
        review_days=settings.PILOTGATE_REVIEW_DAYS,
        reminder_escalation_days=settings.PILOTGATE_REMINDER_ESCALATION_DAYS,
        orphaned_after_days=settings.PILOTGATE_ORPHANED_AFTER_DAYS,
    )


def pilots_visible_to(user: AnyUser) -> QuerySet[Pilot]:
    """The pilots this user may see: leads and administrators all, others their own."""
    return Pilot.objects.filter(visible_pilots_filter(user))


def _closing_decision() -> QuerySet[GateDecision]:
    return GateDecision.objects.filter(to_stage__in=Stage.CLOSED).order_by("-decided_at")


def pilot_list(user: AnyUser) -> QuerySet[Pilot]:
    """Visible pilots with what a list row shows, in a fixed number of queries.

    ``closed_at``: when a graduated or stopped pilot was, else None.
    """
    return (
        pilots_visible_to(user)
        .select_related("sponsor", "owner", "operations_owner", "business_unit")
        .annotate(
            closed_at=Subquery(
                _closing_decision().filter(pilot=OuterRef("pk")).values("decided_at")[:1]
            )
        )
    )


def pilot_get_for_user(user: AnyUser, *, reference: str) -> Pilot:
    """One visible pilot by reference (``PIL-0042``), or 404 whether or not it exists."""
    try:
        return pilot_list(user).get(reference=reference.upper())
    except Pilot.DoesNotExist:
        raise Http404("No such pilot.") from None


def closed_on(pilot: Pilot) -> date | None:
    """The local day a graduated or stopped pilot was closed; None while it is open.

    ``closed_at`` comes from ``pilot_list``; a pilot fetched otherwise costs a query.
    """
    if pilot.stage not in Stage.CLOSED:
        return None
    if hasattr(pilot, "closed_at"):
        closed_at = pilot.closed_at
    else:
        closed_at = (
            _closing_decision().filter(pilot=pilot).values_list("decided_at", flat=True).first()
        )
    # The gate service records a decision with every stage change.
    return timezone.localdate(closed_at) if closed_at else None


def graduated_on(pilot: Pilot) -> date | None:
    """The local day a graduated pilot graduated (its metric is followed for 12 months)."""
    return closed_on(pilot) if pilot.stage == Stage.GRADUATED else None


def pilot_timeline(pilot: Pilot, *, today: date | None = None) -> timeline.Timeline | None:
    """The pilot's timeline in the deployment's time zone, once both dates are set.

    A graduated or stopped pilot's is closed on the day of that decision
    (``closed_at`` from ``pilot_list``; read here for a pilot fetched otherwise).
    """
    start = pilot.started_on or pilot.planned_start
    if start is None or pilot.planned_end is None or pilot.planned_end < start:
        return None
    return timeline.timeline(
        start=start,
        end=pilot.planned_end,
        today=today or timezone.localdate(),
        lead_days=settings.PILOTGATE_HANDOVER_LEAD_DAYS,
        closed_on=closed_on(pilot),
    )


def pilot_checkpoint_decisions(pilot: Pilot) -> list[CheckpointDecision]:
    """The pilot's checkpoint decisions, newest first, with who took them (one query)."""
    return list(
        CheckpointDecision.objects.filter(pilot=pilot)
        .select_related("decided_by")
        .order_by("-decided_at", "-pk")
    )


def pilot_checkpoint(
    pilot: Pilot,
    *,
    today: date,
    tl: timeline.Timeline | None = None,
    decisions: list[CheckpointDecision] | None = None,
) -> rules.Checkpoint | None:
    """The running pilot's checkpoint today (``rules.checkpoint``), from its latest decision.

    ``decisions``: those of ``pilot_checkpoint_decisions``, else they are read (one query).
    """
    if decisions is None:
        decisions = pilot_checkpoint_decisions(pilot)
    latest = decisions[0] if decisions else None
    return rules.checkpoint(
        stage=pilot.stage,
        window=tl if tl is not None else pilot_timeline(pilot, today=today),
        decided_for=latest.window_opened_on if latest else None,
        decided_on=timezone.localdate(latest.decided_at) if latest else None,
        today=today,
        rules=rule_settings(),
    )


def pilot_for_page(user: AnyUser, *, reference: str) -> Pilot:
    """One visible pilot with its people, plan, checklist, tasks and decisions prefetched.

    A fixed number of queries however many tasks, members or decisions it has.
    """
    queryset = (
        pilot_list(user)
        .select_related("operating_plan", "operations_accepted_by")
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=PilotMembership.objects.select_related("user").order_by("added_at", "pk"),
            ),
            Prefetch(
                "tasks",
                queryset=KnowledgeTransferTask.objects.select_related(
                    "assignee", "receiver", "completed_by", "confirmed_by", "declined_by"
                ),
            ),
            Prefetch("decisions", queryset=GateDecision.objects.select_related("decided_by")),
            Prefetch(
                "infrastructure",
                queryset=InfrastructureAnswer.objects.select_related("waiver_approved_by"),
            ),
            "metrics",
        )
    )
    try:
        return queryset.get(reference=reference.upper())
    except Pilot.DoesNotExist:
        raise Http404("No such pilot.") from None


@dataclass(frozen=True)
class InfrastructureRow:
    """One checklist answer as a page shows it: with its waiver's state on ``today``."""

    answer: InfrastructureAnswer
    expired: bool  # rules.waiver_expired


def infrastructure_rows(
    pilot: Pilot, *, today: date, answers: Iterable[InfrastructureAnswer] | None = None
) -> list[InfrastructureRow]:
    """The checklist's answers in the checklist's order (the prefetched ones by default)."""
    order = {item: n for n, item in enumerate(InfrastructureItem.values)}
    return [
        InfrastructureRow(
            answer,
            rules.waiver_expired(
                stage=pilot.stage,
                answer=answer.answer,
                expires_on=answer.waiver_expires_on,
                today=today,
            ),
        )
        for answer in sorted(
            pilot.infrastructure.all() if answers is None else answers,
            key=lambda answer: order[answer.item],
        )
    ]


def infrastructure_answers(pilot: Pilot) -> list[InfrastructureAnswer]:
    """The stored answers, read afresh (a form may change the instances it is given)."""
    return list(
        InfrastructureAnswer.objects.filter(pilot=pilot).select_related("waiver_approved_by")
    )


def pilot_events(pilot: Pilot) -> QuerySet[PilotEvent]:
    return pilot.events.select_related("actor").order_by("-at", "-id")


def review_queue(user: AnyUser) -> QuerySet[Pilot]:
    """Proposed pilots awaiting a lead's gate decision, the longest waiting first."""
    submitted = (
        GateDecision.objects.filter(pilot=OuterRef("pk"), to_stage=Stage.PROPOSED)
        .order_by("-decided_at")
        .values("decided_at")[:1]
    )
    return (
        pilot_list(user)
        .filter(stage=Stage.PROPOSED)
        .annotate(submitted_at=Subquery(submitted))
        .order_by("submitted_at", "pk")
    )


def review_waits_marked(pilots: Iterable[Any], *, today: date) -> None:
    """Mark each pilot of ``review_queue`` (annotated ``submitted_at``) waiting past the
    gate's time limit (``pilot.review_overdue``): the rule the leads' ``review overdue``
    reminder follows."""
    settings_, zone = rule_settings(), timezone.get_default_timezone()
    for pilot in pilots:
        submitted = pilot.submitted_at
        pilot.review_overdue = rules.review_overdue(
            stage=pilot.stage,
            submitted_on=timezone.localdate(submitted, zone) if submitted else None,
            today=today,
            rules=settings_,
        )


def active_users() -> QuerySet:
    """Whom a pilot's owner, team, operations or task may name (forms and API)."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .order_by("first_name", "last_name", "username")
    )


def pilot_people(pilot: Pilot) -> QuerySet:
    """Everyone active who works on the pilot: sponsor, owner, operations owner, team."""
    ids = [pilot.sponsor_id, pilot.owner_id, pilot.operations_owner_id]
    return (
        active_users()
        .filter(Q(pk__in=[pk for pk in ids if pk]) | Q(pilot_memberships__pilot=pilot))
        .distinct()
    )


PEOPLE_FOUND_AT_MOST = 20


def people_matching(people: QuerySet, query: str) -> list[User]:
    """The first people (at most ``PEOPLE_FOUND_AT_MOST``, by name) of ``people`` whose
    first name, last name, username or email contains every word of ``query``; none for
    an empty query. One query."""
    words = query.split()[:5]
    if not words:
        return []
    for word in words:
        people = people.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(username__icontains=word)
            | Q(email__icontains=word)
        )
    return list(people[:PEOPLE_FOUND_AT_MOST])


def task_of(pilot: Pilot, task_id: int) -> KnowledgeTransferTask:
    try:
        task = pilot.tasks.get(pk=task_id)
    except KnowledgeTransferTask.DoesNotExist:
        raise Http404("No such task on this pilot.") from None
    task.pilot = pilot
    return task


def task_receiver_words(task: KnowledgeTransferTask, operations_owner: User | None) -> str:
    """Who confirms the task's receipt, in words (``permissions.task_receiver_refusal``'s
    rule): the receiver named, else the operations owner for the team, else a lead."""
    if task.receiver is not None:
        return _name(task.receiver)
    team = f", for {task.receiver_team}" if task.receiver_team else ""
    if operations_owner is not None:
        return f"{_name(operations_owner)}{team}"
    return f"a portfolio lead{team}"


def _name(user: User) -> str:
    return user.get_full_name() or user.get_username()
