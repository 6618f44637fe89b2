"""Reads: what a user may see, and the derived state of pilots and metrics.

Every page and endpoint fetches pilots through ``pilots_visible_to`` or
``pilot_get_for_user``, so visibility is decided in one query condition.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from pilots import timeline
from pilots.models import (
    CADENCE_DAYS,
    Direction,
    Metric,
    MetricReading,
    Pilot,
    Stage,
)
from pilots.permissions import AnyUser, visible_pilots_filter


def pilots_visible_to(user: AnyUser) -> QuerySet[Pilot]:
    """The pilots this user may see: leads and administrators all, others their own."""
    return Pilot.objects.filter(visible_pilots_filter(user))


def pilot_list(user: AnyUser) -> QuerySet[Pilot]:
    """Visible pilots with what a list row shows, in a fixed number of queries."""
    return pilots_visible_to(user).select_related(
        "sponsor", "owner", "operations_owner", "business_unit"
    )


def pilot_get_for_user(user: AnyUser, *, reference: str) -> Pilot:
    """One visible pilot by reference (``PIL-0042``), or 404 whether or not it exists."""
    try:
        return pilot_list(user).get(reference=reference.upper())
    except Pilot.DoesNotExist:
        raise Http404("No such pilot.") from None


def pilot_timeline(pilot: Pilot, *, today: date | None = None) -> timeline.Timeline | None:
    """The pilot's timeline in the deployment's time zone, once both dates are set."""
    start = pilot.started_on or pilot.planned_start
    if start is None or pilot.planned_end is None or pilot.planned_end < start:
        return None
    return timeline.timeline(
        start=start,
        end=pilot.planned_end,
        today=today or timezone.localdate(),
        lead_days=settings.PILOTGATE_HANDOVER_LEAD_DAYS,
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


TRACKED_STAGES = frozenset({Stage.RUNNING, Stage.GRADUATED})


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
    stale = (
        pilot.stage in TRACKED_STAGES
        and pilot.started_on is not None
        and timeline.is_stale(
            last_reading_on=latest.observed_on if latest else None,
            tracking_since=pilot.started_on,
            cadence_days=CADENCE_DAYS[metric.cadence],
            grace_days=settings.PILOTGATE_STALE_GRACE_DAYS,
            today=today,
        )
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
