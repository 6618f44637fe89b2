"""The home page: what needs this user now."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, cast

from django.contrib.auth.models import User
from django.db.models import Max, OuterRef, Q, Subquery
from django.utils import timezone

from pilots import rules
from pilots.enums import Cadence, OwnershipStatus, Stage, TaskStatus
from pilots.models import (
    GateDecision,
    KnowledgeTransferTask,
    Metric,
    Pilot,
)
from pilots.permissions import is_portfolio_lead
from pilots.selectors.pilots import pilot_list, review_queue, rule_settings
from pilots.services.gates import submission_missing_items

if TYPE_CHECKING:
    from pilots.models.handover import ListedTask

AGENDA_LIMIT = 10


@dataclass(frozen=True)
class ReadingDue:
    metric: Metric
    last_on: date | None
    stale: bool


@dataclass(frozen=True)
class Agenda:
    drafts: Sequence[Pilot]  # to register or fix (with .missing and .rejection)
    nominations: list[Pilot]
    readings_due: list[ReadingDue]
    tasks_due: list[ListedTask]
    to_confirm: list[ListedTask]  # handover tasks waiting for this user's confirmation
    to_review: list[Pilot]  # leads: proposed pilots
    to_start: list[Pilot]
    to_close: list[Pilot]  # past their end, no graduate/stop decision
    to_accept: list[Pilot]  # operations acceptance
    review_total: int

    @property
    def empty(self) -> bool:
        return not any(
            (
                self.drafts,
                self.nominations,
                self.readings_due,
                self.tasks_due,
                self.to_confirm,
                self.to_review,
                self.to_start,
                self.to_close,
                self.to_accept,
            )
        )


def agenda_for(user: User, *, today: date | None = None) -> Agenda:
    """Everything waiting for this user, one query per kind whatever the portfolio's size."""
    today = today or timezone.localdate()
    visible = pilot_list(user)
    lead = is_portfolio_lead(user)

    last_rejection = (
        GateDecision.objects.filter(
            pilot=OuterRef("pk"), from_stage=Stage.PROPOSED, to_stage=Stage.DRAFT
        )
        .order_by("-decided_at")
        .values("rationale")[:1]
    )
    drafts = list(
        visible.filter(sponsor=user, stage=Stage.DRAFT)
        .select_related("operating_plan")
        .prefetch_related("metrics", "infrastructure")
        .annotate(rejection=Subquery(last_rejection))
        .order_by("-updated_at")[:AGENDA_LIMIT]
    )
    for pilot in drafts:
        pilot.missing = submission_missing_items(pilot)

    nominations = list(
        visible.filter(owner=user, owner_status=OwnershipStatus.PENDING)
        .exclude(stage__in=Stage.CLOSED)
        .order_by("owner_nominated_at")[:AGENDA_LIMIT]
    )

    recorder = Q(pilot__owner=user, pilot__owner_status=OwnershipStatus.ACCEPTED) | Q(
        pilot__memberships__user=user
    )
    metrics = (
        Metric.objects.filter(recorder, pilot__stage=Stage.RUNNING)
        .select_related("pilot")
        .annotate(last_on=Max("readings__observed_on"))
        .distinct()
        .order_by("pilot__reference", "kind", "name")
    )
    settings_ = rule_settings()
    readings_due = []
    for metric in metrics:
        cadence_days = Cadence.DAYS[metric.cadence]
        started_on = metric.pilot.started_on
        if not rules.reading_due(
            last_reading_on=metric.last_on,
            started_on=started_on,
            cadence_days=cadence_days,
            today=today,
        ):
            continue  # a reading within the cadence: nothing due
        stale = rules.metric_stale(
            stage=metric.pilot.stage,
            graduated_on=None,  # running pilots only
            started_on=started_on,
            last_reading_on=metric.last_on,
            cadence_days=cadence_days,
            today=today,
            rules=settings_,
        )
        readings_due.append(ReadingDue(metric=metric, last_on=metric.last_on, stale=stale))

    # overdue is set below.
    tasks_due = cast(
        "list[ListedTask]",
        list(
            KnowledgeTransferTask.objects.filter(
                assignee=user,
                pilot__stage__in=Stage.IN_FLIGHT,
                due_on__lte=today + timedelta(days=14),
            )
            .filter(status__in=TaskStatus.OPEN)
            .select_related("pilot")
            .order_by("due_on", "pk")[:AGENDA_LIMIT]
        ),
    )
    # The receiver's side (``permissions.task_receiver_refusal``): the person named, else
    # the operations owner for the team, else a lead; never the task's giver.
    receives = Q(receiver=user) | Q(receiver__isnull=True, pilot__operations_owner=user)
    if lead:
        receives |= Q(receiver__isnull=True, pilot__operations_owner__isnull=True)
    to_confirm = cast(
        "list[ListedTask]",
        list(
            KnowledgeTransferTask.objects.filter(
                receives, status=TaskStatus.WAITING, pilot__stage__in=Stage.SETUP
            )
            .exclude(assignee=user)
            .exclude(completed_by=user)
            .select_related("pilot", "completed_by")
            .order_by("completed_at", "pk")[:AGENDA_LIMIT]
        ),
    )
    for task in tasks_due:
        task.overdue = rules.task_overdue(
            status=task.status, due_on=task.due_on, today=today, rules=settings_
        )

    review = review_queue(user) if lead else Pilot.objects.none()
    startable = visible.filter(stage=Stage.APPROVED, planned_start__lte=today)
    closable = visible.filter(
        stage__in=Stage.IN_FLIGHT,
        planned_end__lt=rules.decision_overdue_if_end_before(today=today, rules=settings_),
    )
    if not lead:
        startable = startable.filter(
            Q(sponsor=user) | Q(owner=user, owner_status=OwnershipStatus.ACCEPTED)
        )
        closable = closable.filter(sponsor=user)  # theirs to chase: a lead decides
    else:
        # The final decision is an independent lead's: not on a pilot they sponsor or own.
        closable = closable.exclude(sponsor=user).exclude(
            owner=user, owner_status__in=(OwnershipStatus.ACCEPTED, OwnershipStatus.PENDING)
        )
    acceptable = visible.filter(
        stage=Stage.RUNNING, operations_owner=user, operations_accepted_at__isnull=True
    )
    to_review = list(review[:AGENDA_LIMIT])
    return Agenda(
        drafts=drafts,
        nominations=nominations,
        readings_due=readings_due[:AGENDA_LIMIT],
        tasks_due=tasks_due,
        to_confirm=to_confirm,
        to_review=to_review,
        to_start=list(startable.order_by("planned_start", "pk")[:AGENDA_LIMIT]),
        to_close=list(closable.order_by("planned_end", "pk")[:AGENDA_LIMIT]),
        to_accept=list(acceptable.order_by("planned_end", "pk")[:AGENDA_LIMIT]),
        review_total=review.count() if lead else 0,
    )
