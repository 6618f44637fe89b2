"""Pure date and trajectory arithmetic: plain values in, plain values out, no ORM.

For a pilot with start ``S`` and end ``E`` (dates) the duration is ``D = E - S``
days; the build phase is ``[S, S + 2D/3)`` and the handover window
``[S + 2D/3, E]``. Days are points, so the window opens on the first whole day
on or after ``S + 2D/3``: ``S + ceil(2D/3)``. A one-day pilot (``S == E``) is
all handover window. A pilot graduated or stopped on day ``C`` is closed from
then: it has no phase left, and no window approaches or is open.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

# After graduation the primary metric is still followed (stale, degrading) for this
# long: the brief's "tracked for 12 months". Reminders and scorecards share it.
TRACKED_AFTER_GRADUATION = timedelta(days=365)


class Phase(enum.StrEnum):
    NOT_STARTED = "not_started"
    BUILD = "build"
    HANDOVER = "handover"
    ENDED = "ended"
    CLOSED = "closed"  # graduated or stopped: ``Timeline.closed_on``


@dataclass(frozen=True)
class Timeline:
    start: date
    end: date
    handover_opens: date
    today: date
    lead_days: int
    closed_on: date | None = None

    @property
    def duration_days(self) -> int:
        return (self.end - self.start).days

    @property
    def phase(self) -> Phase:
        if self.closed_on is not None:
            return Phase.CLOSED
        if self.today < self.start:
            return Phase.NOT_STARTED
        if self.today > self.end:
            return Phase.ENDED
        if self.today >= self.handover_opens:
            return Phase.HANDOVER
        return Phase.BUILD

    @property
    def days_until_handover(self) -> int:
        """Negative once the window is open: -3 means it opened 3 days ago."""
        return (self.handover_opens - self.today).days

    @property
    def handover_approaching(self) -> bool:
        """The window opens within ``lead_days`` (and has not opened yet)."""
        return self.closed_on is None and 0 < self.days_until_handover <= self.lead_days

    @property
    def handover_open(self) -> bool:
        return self.closed_on is None and self.handover_opens <= self.today <= self.end

    @property
    def elapsed_fraction(self) -> float:
        """Share of the duration behind us, clamped to [0, 1]."""
        if self.duration_days == 0:
            return 0.0 if self.today < self.start else 1.0
        elapsed = (self.today - self.start).days / self.duration_days
        return min(1.0, max(0.0, elapsed))


def handover_window_opens(start: date, end: date) -> date:
    """First day of the handover window: ``S + ceil(2D/3)``."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    duration = (end - start).days
    return start + timedelta(days=-(-2 * duration // 3))


def timeline(
    *, start: date, end: date, today: date, lead_days: int, closed_on: date | None = None
) -> Timeline:
    return Timeline(
        start=start,
        end=end,
        handover_opens=handover_window_opens(start, end),
        today=today,
        lead_days=lead_days,
        closed_on=closed_on,
    )


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later; the month's last day when it is shorter (31 Jan + 1
    month is 28 or 29 Feb)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


class Trajectory(enum.StrEnum):
    NO_DATA = "no_data"
    ON_TRACK = "on_track"
    BEHIND = "behind"
    ACHIEVED = "achieved"


def expected_value(
    *, baseline: Decimal, target: Decimal, start: date, target_date: date, on: date
) -> Decimal:
    """The straight line from ``baseline`` at ``start`` to ``target`` at ``target_date``."""
    if on <= start:
        return baseline
    if on >= target_date:
        return target
    progress = Decimal((on - start).days) / Decimal((target_date - start).days)
    return baseline + (target - baseline) * progress


def trajectory_status(
    *,
    baseline: Decimal,
    target: Decimal,
    increasing: bool,
    start: date,
    target_date: date,
    latest_value: Decimal | None,
    latest_on: date | None,
) -> Trajectory:
    """Judge the latest reading against where the straight line says it should be."""
    if latest_value is None or latest_on is None:
        return Trajectory.NO_DATA
    sign = 1 if increasing else -1
    if sign * (latest_value - target) >= 0:
        return Trajectory.ACHIEVED
    expected = expected_value(
        baseline=baseline, target=target, start=start, target_date=target_date, on=latest_on
    )
    return Trajectory.ON_TRACK if sign * (latest_value - expected) >= 0 else Trajectory.BEHIND


def is_stale(
    *,
    last_reading_on: date | None,
    tracking_since: date,
    cadence_days: int,
    grace_days: int,
    today: date,
) -> bool:
    """No reading within the cadence plus the grace period.

    A metric with no reading at all is measured from ``tracking_since`` (the
    day the pilot started), so a pilot is not stale on its first day.
    """
    reference = max(last_reading_on, tracking_since) if last_reading_on else tracking_since
    return (today - reference).days > cadence_days + grace_days
