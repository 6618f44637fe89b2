"""Reads of metrics: each one's status (trajectory, stale), recent readings, series."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import F, Max, Q, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils import timezone

from pilots import rules, timeline
from pilots.enums import Cadence, Direction, MetricKind
from pilots.models import (
    Metric,
    MetricReading,
    Pilot,
)
from pilots.selectors.pilots import graduated_on, rule_settings


@dataclass(frozen=True)
class MetricStatus:
    metric: Metric
    latest: MetricReading | None
    trajectory: timeline.Trajectory
    stale: bool
    breached: bool = False  # a critical segment beyond its guardrail (``rules.segment_breach``)

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
        operation_ended_on=pilot.operation_ended_on,
    )
    breached = metric.kind == MetricKind.CRITICAL_SEGMENT and rules.segment_breach(
        stage=pilot.stage,
        increasing=(metric.direction == Direction.INCREASE) if metric.direction else None,
        guardrail=Decimal(metric.guardrail) if metric.guardrail is not None else None,
        baseline=Decimal(metric.baseline) if metric.baseline is not None else None,
        target=Decimal(metric.target) if metric.target is not None else None,
        started_on=pilot.started_on,
        target_date=metric.target_date,
        latest_value=latest.value if latest else None,
        latest_on=latest.observed_on if latest else None,
    )
    return MetricStatus(
        metric=metric, latest=latest, trajectory=trajectory, stale=stale, breached=breached
    )


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


def metric_of(pilot: Pilot, metric_id: int) -> Metric:
    try:
        metric = pilot.metrics.get(pk=metric_id)
    except Metric.DoesNotExist:
        raise Http404("No such metric on this pilot.") from None
    metric.pilot = pilot
    return metric


def reading_of(pilot: Pilot, reading_id: int) -> MetricReading:
    try:
        reading = MetricReading.objects.select_related("metric").get(
            pk=reading_id, metric__pilot=pilot
        )
    except MetricReading.DoesNotExist:
        raise Http404("No such reading on this pilot.") from None
    reading.metric.pilot = pilot
    return reading
