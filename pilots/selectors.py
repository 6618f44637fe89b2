"""Reads: what a user may see, and the derived state of pilots and metrics.

Every page and endpoint fetches pilots through ``pilots_visible_to`` or
``pilot_get_for_user``, so visibility is decided in one query condition.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import F, Max, OuterRef, Prefetch, Q, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils import timezone

from pilots import rules, timeline
from pilots.enums import Cadence, Direction, OwnershipStatus, Stage, TaskStatus
from pilots.models import (
    GateDecision,
    KnowledgeTransferTask,
    Metric,
    MetricReading,
    Pilot,
    PilotEvent,
    PilotMembership,
)
from pilots.permissions import AnyUser, is_portfolio_lead, visible_pilots_filter
from pilots.rules import RuleSettings
from pilots.services.gates import submission_missing_items


def rule_settings() -> RuleSettings:
    """The deployment's settings for ``pilots.rules`` (``PILOTGATE_*``; defaults live there)."""
    return RuleSettings(
        lead_days=settings.PILOTGATE_HANDOVER_LEAD_DAYS,
        escalation_days=settings.PILOTGATE_HANDOVER_ESCALATION_DAYS,
        stale_grace_days=settings.PILOTGATE_STALE_GRACE_DAYS,
        task_grace_days=settings.PILOTGATE_TASK_OVERDUE_GRACE_DAYS,
        decision_grace_days=settings.PILOTGATE_DECISION_GRACE_DAYS,
        ownership_pending_days=settings.PILOTGATE_OWNERSHIP_PENDING_DAYS,
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


@dataclass(frozen=True)
class MetricStatus:
    metric: Metric
    latest: MetricReading | None
    trajectory: timeline.Trajectory
    stale: bool

    @property
    def counts_as_success(self) -> bool:
        return self.metric.counts_as_success


def metric_status(
    metric: Metric, *, pilot: Pilot, latest: MetricReading | None, today: date
) -> MetricStatus:
    """Trajectory and staleness of one metric, from its latest reading (pure)."""
    start = pilot.started_on or pilot.planned_start
    trajectory = timeline.Trajectory.NO_DATA
    if (
        latest is not None
        and start is not None
        and metric.baseline is not None
        and metric.target is not None
        and metric.target_date is not None
        and metric.direction
    ):
        trajectory = timeline.trajectory_status(
            baseline=Decimal(metric.baseline),
            target=Decimal(metric.target),
            increasing=metric.direction == Direction.INCREASE,
            start=start,
            target_date=metric.target_date,
            latest_value=latest.value,
            latest_on=latest.observed_on,
        )
    stale = rules.metric_stale(
        stage=pilot.stage,
        graduated_on=graduated_on(pilot),
        started_on=pilot.started_on,
        last_reading_on=latest.observed_on if latest else None,
        cadence_days=Cadence.DAYS[metric.cadence],
        today=today,
        rules=rule_settings(),
    )
    return MetricStatus(metric=metric, latest=latest, trajectory=trajectory, stale=stale)


def pilot_metric_statuses(pilot: Pilot, *, today: date | None = None) -> list[MetricStatus]:
    """Every metric of a pilot with its status, in two queries whatever the readings."""
    today = today or timezone.localdate()
    metrics = list(pilot.metrics.annotate(latest_on=Max("readings__observed_on")))
    latest_pairs = Q(pk__in=[])
    for metric in metrics:
        if metric.latest_on is not None:
            latest_pairs |= Q(metric_id=metric.pk, observed_on=metric.latest_on)
    latest_by_metric = {
        reading.metric_id: reading for reading in MetricReading.objects.filter(latest_pairs)
    }
    return [
        metric_status(metric, pilot=pilot, latest=latest_by_metric.get(metric.pk), today=today)
        for metric in metrics
    ]


# --- Pages ---------------------------------------------------------------------------


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
                    "assignee", "receiver", "completed_by"
                ),
            ),
            Prefetch("decisions", queryset=GateDecision.objects.select_related("decided_by")),
            "infrastructure",
            "metrics",
        )
    )
    try:
        return queryset.get(reference=reference.upper())
    except Pilot.DoesNotExist:
        raise Http404("No such pilot.") from None


def recent_readings(
    metric_ids: list[int], *, per_metric: int = 5
) -> dict[int, list[MetricReading]]:
    """The latest ``per_metric`` readings of each metric, in one query."""
    if not metric_ids:
        return {}
    rows = (
        MetricReading.objects.filter(metric_id__in=metric_ids)
        .select_related("recorded_by")
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("metric_id")],
                order_by=[F("observed_on").desc()],
            )
        )
        .filter(rank__lte=per_metric)
        .order_by("metric_id", "-observed_on")
    )
    grouped: dict[int, list[MetricReading]] = {pk: [] for pk in metric_ids}
    for reading in rows:
        grouped[reading.metric_id].append(reading)
    return grouped


def metric_series(metric: Metric) -> list[tuple[date, Decimal]]:
    """Every reading of a metric as (day, value), oldest first, for its chart."""
    return list(
        MetricReading.objects.filter(metric=metric)
        .order_by("observed_on")
        .values_list("observed_on", "value")
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


# --- The home page: what needs this user now --------------------------------------------

AGENDA_LIMIT = 10


@dataclass(frozen=True)
class ReadingDue:
    metric: Metric
    last_on: date | None
    stale: bool


@dataclass(frozen=True)
class Agenda:
    drafts: list[Pilot]  # to register or fix (with .missing and .rejection)
    nominations: list[Pilot]
    readings_due: list[ReadingDue]
    tasks_due: list[KnowledgeTransferTask]
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
                self.to_review,
                self.to_start,
                self.to_close,
                self.to_accept,
            )
        )


def agenda_for(user: AnyUser, *, today: date | None = None) -> Agenda:
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

    tasks_due = list(
        KnowledgeTransferTask.objects.filter(
            assignee=user,
            pilot__stage__in=Stage.IN_FLIGHT,
            due_on__lte=today + timedelta(days=14),
        )
        .exclude(status=TaskStatus.DONE)
        .select_related("pilot")
        .order_by("due_on", "pk")[:AGENDA_LIMIT]
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
        closable = closable.filter(sponsor=user)
    acceptable = visible.filter(
        stage=Stage.RUNNING, operations_owner=user, operations_accepted_at__isnull=True
    )
    to_review = list(review[:AGENDA_LIMIT])
    return Agenda(
        drafts=drafts,
        nominations=nominations,
        readings_due=readings_due[:AGENDA_LIMIT],
        tasks_due=tasks_due,
        to_review=to_review,
        to_start=list(startable.order_by("planned_start", "pk")[:AGENDA_LIMIT]),
        to_close=list(closable.order_by("planned_end", "pk")[:AGENDA_LIMIT]),
        to_accept=list(acceptable.order_by("planned_end", "pk")[:AGENDA_LIMIT]),
        review_total=review.count() if lead else 0,
    )


def active_users() -> QuerySet:
    """Whom a pilot's owner, team, operations or task may name (forms and API)."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .order_by("first_name", "last_name", "username")
    )
