"""Reads for the degradation rule: the primary metric around and after graduation.

The scorecards and the reminder sweep read the series here, in the same two
queries whatever the number of pilots, and ask ``pilots.rules.degradation``:
the reason on the page and the reminder cannot disagree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import F, OuterRef, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber, TruncDate
from django.utils import timezone

from pilots import timeline
from pilots.enums import Direction, MetricKind, Stage
from pilots.models import GateDecision, Metric, MetricReading, Pilot
from pilots.rules import Degradation, RuleSettings, degradation, graduation_level


@dataclass(frozen=True)
class GraduationSeries:
    """A graduated pilot's primary metric: the readings that make each level."""

    graduated_on: date  # the local day of the graduate decision
    # The last readings on or before that day (at most N, oldest first).
    at_graduation: tuple[Decimal, ...]
    # Every reading after it, oldest first, with its day.
    after_graduation: tuple[tuple[date, Decimal], ...]


def _graduated_readings(*, today: date, pilot_ids: list[int] | None) -> QuerySet[Any]:
    """Primary-metric readings of the pilots graduated within the followed months, with the
    (local) day of their graduation."""
    graduation_day = (
        GateDecision.objects.filter(pilot=OuterRef("metric__pilot"), to_stage=Stage.GRADUATED)
        .annotate(day=TruncDate("decided_at", tzinfo=timezone.get_default_timezone()))
        .order_by("-decided_at")
        .values("day")[:1]
    )
    readings = MetricReading.objects.filter(
        metric__kind=MetricKind.PRIMARY, metric__pilot__stage=Stage.GRADUATED
    )
    if pilot_ids is not None:
        readings = readings.filter(metric__pilot_id__in=pilot_ids)
    return readings.annotate(graduation_day=Subquery(graduation_day)).filter(
        graduation_day__gte=today - timeline.TRACKED_AFTER_GRADUATION
    )


def graduation_series(
    *, today: date, rules: RuleSettings, pilot_ids: list[int] | None = None
) -> dict[int, GraduationSeries]:
    """Per pilot followed after graduation (``pilots.rules.followed``), its primary metric's
    series: two queries (the readings after graduation; the last N on or before it)."""
    after: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    graduated_on: dict[int, date] = {}
    for pilot_id, day, observed_on, value in (
        _graduated_readings(today=today, pilot_ids=pilot_ids)
        .filter(observed_on__gt=F("graduation_day"), observed_on__lte=today)
        .order_by("metric__pilot_id", "observed_on")
        .values_list("metric__pilot_id", "graduation_day", "observed_on", "value")
    ):
        graduated_on[pilot_id] = day
        after[pilot_id].append((observed_on, value))
    before: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    for pilot_id, observed_on, value in (
        _graduated_readings(today=today, pilot_ids=pilot_ids)
        .filter(observed_on__lte=F("graduation_day"))
        .annotate(
            rank=Window(
                RowNumber(), partition_by=[F("metric_id")], order_by=[F("observed_on").desc()]
            )
        )
        .filter(rank__lte=max(1, rules.degrading_readings))
        .values_list("metric__pilot_id", "observed_on", "value")
    ):
        before[pilot_id].append((observed_on, value))
    return {
        pilot_id: GraduationSeries(
            graduated_on=graduated_on[pilot_id],
            at_graduation=tuple(value for _day, value in sorted(before[pilot_id])),
            after_graduation=tuple(readings),
        )
        for pilot_id, readings in after.items()
        if before.get(pilot_id)
    }


@dataclass(frozen=True)
class PilotDecline:
    """One graduated pilot's primary metric after graduation, for its page."""

    graduated_on: date
    level: Decimal  # at graduation (``rules.graduation_level``)
    found: Degradation | None  # the decline, if it is degrading


def pilot_decline(
    pilot: Pilot, metric: Metric, *, today: date, rules: RuleSettings
) -> PilotDecline | None:
    """A graduated pilot's primary metric against its level at graduation: two queries,
    none for another stage or metric; None without readings on both sides."""
    if pilot.stage != Stage.GRADUATED or metric.kind != MetricKind.PRIMARY:
        return None
    series = graduation_series(today=today, rules=rules, pilot_ids=[pilot.pk]).get(pilot.pk)
    if series is None:
        return None
    return PilotDecline(
        graduated_on=series.graduated_on,
        level=graduation_level(series.at_graduation, rules=rules),
        found=degradation(
            stage=pilot.stage,
            graduated_on=series.graduated_on,
            increasing=(metric.direction == Direction.INCREASE) if metric.direction else None,
            baseline=metric.baseline,
            target=metric.target,
            at_graduation=series.at_graduation,
            after_graduation=series.after_graduation,
            today=today,
            rules=rules,
            operation_ended_on=pilot.operation_ended_on,
        ),
    )
