"""What the metric tests share: metrics on a line, readings, statuses, events."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import time_machine

from pilots.enums import Cadence, Direction, MetricKind
from pilots.models import Metric, Pilot, PilotEvent
from pilots.services import metrics

START = date(2026, 1, 5)  # the fixtures' planned start, and the running pilot's start


# The running pilot's business metric: 0 -> 100 over 100 days, so the line's value
# on day n is n. 2026-04-15 is START + 100 days.
LINE_TARGET_DATE = date(2026, 4, 15)


DAY_40 = date(2026, 2, 14)  # START + 40: the line is at 40


def at_utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def primary(pilot: Pilot) -> Metric:
    return pilot.metrics.get(kind=MetricKind.PRIMARY)


def line_metric(pilot: Pilot, by, **overrides) -> Metric:
    fields = {
        "name": "Cases automated",
        "kind": MetricKind.BUSINESS,
        "unit": "%",
        "direction": Direction.INCREASE,
        "baseline": Decimal("0"),
        "target": Decimal("100"),
        "target_date": LINE_TARGET_DATE,
        "cadence": Cadence.WEEKLY,
        "data_source": "Warehouse",
    }
    # Past approval, a new metric changes the contract: it needs a reason (ignored before).
    reason = overrides.pop("reason", "A metric added after approval.")
    return metrics.metric_create(pilot=pilot, by=by, reason=reason, **(fields | overrides))


def record(metric: Metric, by, readings: dict[date, str]) -> None:
    """Record readings in the given order, while "today" is after all of them."""
    with time_machine.travel(at_utc(2026, 6, 1, 12, 0), tick=False):
        for observed_on, value in readings.items():
            metrics.reading_record(
                metric=metric, by=by, observed_on=observed_on, value=Decimal(value)
            )


def metric_events(pilot: Pilot) -> list[PilotEvent]:
    return list(
        pilot.events.filter(
            action__in=[PilotEvent.Action.METRIC_CHANGED, PilotEvent.Action.METRIC_LOCKED_CHANGE]
        )
    )
