"""Readings against the straight-line trajectory, as plain SVG coordinates (pure).

The pilot page draws the chart as inline SVG from these numbers: no script,
no third-party chart library, no inline CSS, and a data table beside it for
screen readers. Plain values in, plain values out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from pilots.frame.formats import month_ticks

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 36


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    on: date
    value: Decimal


@dataclass(frozen=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: float
    top: int
    bottom: float
    points: list[Point]
    trajectory: tuple[float, float, float, float] | None
    target_y: float | None
    handover: tuple[float, float] | None  # x and width of the shaded window
    today_x: float | None
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    # The level at graduation, from the graduation day on: x from, x to, y.
    graduation: tuple[float, float, float] | None = None

    @property
    def plot_height(self) -> float:
        return self.bottom - self.top

    @property
    def latest(self) -> Point | None:
        return self.points[-1] if self.points else None

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def _number(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _month_starts(first: date, last: date) -> list[date]:
    months, current = [], date(first.year, first.month, 1)
    while current <= last:
        if current >= first:
            months.append(current)
        current = date(current.year + (current.month == 12), current.month % 12 + 1, 1)
    step = max(1, -(-len(months) // 8))  # at most 8 labels
    return months[::step]


def _nice_step(span: Decimal) -> Decimal:
    raw = span / 4
    if raw <= 0:
        return Decimal(1)
    magnitude = Decimal(10) ** (raw.adjusted())
    for factor in (1, 2, 5, 10):
        if raw <= magnitude * factor:
            return magnitude * factor
    return magnitude * 10


def readings_chart(
    *,
    readings: list[tuple[date, Decimal]],
    baseline: Decimal | None,
    target: Decimal | None,
    start: date | None,
    target_date: date | None,
    end: date | None,
    handover_opens: date | None,
    today: date,
    graduation: tuple[date, Decimal] | None = None,
) -> Chart | None:
    """Coordinates for the readings, the trajectory, the window, today and the level at
    graduation (its day and value, after graduation); None if empty."""
    dates = [on for on, _ in readings] + [d for d in (start, target_date, end) if d]
    values = [value for _, value in readings] + [v for v in (baseline, target) if v is not None]
    if graduation is not None:
        values.append(graduation[1])
    if not dates or not values:
        return None
    first, last = min(dates), max(dates)
    if last == first:
        last = first + timedelta(days=1)
    low, high = min(values), max(values)
    if low == high:
        low, high = low - 1, high + 1
    step = _nice_step(high - low)
    low = (low / step).to_integral_value(rounding="ROUND_FLOOR") * step
    high = (high / step).to_integral_value(rounding="ROUND_CEILING") * step

    right, bottom = WIDTH - RIGHT, HEIGHT - BOTTOM
    span_days = (last - first).days

    def x(on: date) -> float:
        clamped = min(max(on, first), last)
        return LEFT + (right - LEFT) * (clamped - first).days / span_days

    def y(value: Decimal) -> float:
        return float(bottom - (bottom - TOP) * (value - low) / (high - low))

    trajectory = None
    if (
        baseline is not None
        and target is not None
        and start is not None
        and target_date is not None
    ):
        trajectory = (x(start), y(baseline), x(target_date), y(target))
    handover = None
    if handover_opens and end:
        handover = (x(handover_opens), x(end) - x(handover_opens))
    months = _month_starts(first, last)
    y_ticks, tick = [], low
    while tick <= high:
        y_ticks.append(Tick(y(tick), _number(tick)))
        tick += step
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=right,
        top=TOP,
        bottom=bottom,
        points=[Point(x(on), y(value), on, value) for on, value in sorted(readings)],
        trajectory=trajectory,
        target_y=y(target) if target is not None else None,
        handover=handover,
        today_x=x(today) if first <= today <= last else None,
        x_ticks=[
            Tick(x(month), label) for month, label in zip(months, month_ticks(months), strict=True)
        ],
        y_ticks=y_ticks,
        graduation=(x(graduation[0]), float(right), y(graduation[1])) if graduation else None,
    )


@dataclass(frozen=True)
class TimelineBar:
    """Positions on a 0-1000 wide bar: where the handover window opens, and today."""

    handover_x: float
    today_x: float | None

    @property
    def handover_width(self) -> float:
        return BAR_WIDTH - self.handover_x


BAR_WIDTH = 1000


def timeline_bar(*, start: date, end: date, handover_opens: date, today: date) -> TimelineBar:
    days = (end - start).days

    def x(on: date) -> float:
        return BAR_WIDTH * (on - start).days / days if days else 0.0

    return TimelineBar(
        handover_x=x(handover_opens),
        today_x=x(today) if start <= today <= end else None,
    )
