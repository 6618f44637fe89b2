"""The portfolio dashboard's and scorecard page's charts, as plain SVG coordinates (pure).

Like ``pilots.charts``: the templates draw inline SVG from these numbers, with
no script, no chart library and no inline CSS, and each chart has a text
alternative (an accessible label, a data table). Plain values in, plain values out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from pilots.frame import formats
from scorecards.scoring import Risk

# Stacked from the baseline up: the worst level sits on the axis, where growth reads best.
STACK_ORDER = (Risk.CRITICAL, Risk.AT_RISK, Risk.WATCH, Risk.ON_TRACK)


@dataclass(frozen=True)
class Tick:
    at: float
    label: str


def _day(on: date, *, year: bool = True) -> str:
    """``5 Oct 2026`` (or ``5 Oct`` on an axis, where weeks are close together)."""
    return formats.day(on) if year else f"{on.day} {on:%b}"


def _number(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _nice_ceiling(value: int) -> tuple[int, int]:
    """An axis top at or above ``value`` and its tick step (1, 2, 5 x 10^n), 3 to 5 ticks."""
    if value <= 5:
        return max(value, 1), 1
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            if value <= step * 5:
                return -(-value // step) * step, step
        magnitude *= 10


# --- Sparkline: a pilot's primary metric, last readings -------------------------------------


@dataclass(frozen=True)
class Sparkline:
    width: int
    height: int
    points: list[tuple[float, float]]
    first: str
    last: str
    label: str

    @property
    def polyline(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in self.points)

    @property
    def end(self) -> tuple[float, float]:
        return self.points[-1]


SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 120, 32, 4


def sparkline(
    readings: Sequence[Sequence[str]], *, name: str = "Primary metric"
) -> Sparkline | None:
    """Coordinates for ``[[ISO day, "value"], ...]`` (oldest first); None without a reading."""
    parsed: list[tuple[date, Decimal]] = []
    for day, value in readings:
        try:
            parsed.append((date.fromisoformat(day), Decimal(value)))
        except (ValueError, InvalidOperation):
            continue
    if not parsed:
        return None
    parsed.sort()
    first_day, last_day = parsed[0][0], parsed[-1][0]
    span = (last_day - first_day).days
    low = min(value for _, value in parsed)
    high = max(value for _, value in parsed)
    inner_w = SPARK_WIDTH - 2 * SPARK_PAD
    inner_h = SPARK_HEIGHT - 2 * SPARK_PAD

    def x(day: date) -> float:
        if not span:
            return SPARK_WIDTH / 2
        return SPARK_PAD + inner_w * (day - first_day).days / span

    def y(value: Decimal) -> float:
        if high == low:
            return SPARK_HEIGHT / 2
        return float(SPARK_PAD + inner_h * (high - value) / (high - low))

    first, last = _number(parsed[0][1]), _number(parsed[-1][1])
    count = len(parsed)
    if count == 1:
        label = f"{name}, 1 reading: {last}"
    else:
        label = f"{name}, last {count} readings: {first} to {last}"
    return Sparkline(
        width=SPARK_WIDTH,
        height=SPARK_HEIGHT,
        points=[(x(day), y(value)) for day, value in parsed],
        first=first,
        last=last,
        label=label,
    )


# --- Risk level over time: stacked bars per week ------------------------------------------


@dataclass(frozen=True)
class Segment:
    risk: int
    label: str
    slug: str
    n: int
    y: float
    height: float


@dataclass(frozen=True)
class WeekBar:
    week: date
    x: float
    width: float
    total: int
    segments: list[Segment]  # non-empty levels only, bottom up
    per_risk: dict[int, int]

    @property
    def centre(self) -> float:
        return self.x + self.width / 2

    @property
    def summary(self) -> str:
        counts = ", ".join(f"{self.per_risk.get(r, 0)} {r.label.lower()}" for r in STACK_ORDER)
        return f"Week of {_day(self.week)}: {counts}"


@dataclass(frozen=True)
class RiskChart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    bars: list[WeekBar]
    y_ticks: list[Tick]
    levels: list[tuple[int, str, str]]  # (risk, label, slug) in stacking order, for the legend

    @property
    def has_data(self) -> bool:
        return any(bar.total for bar in self.bars)

    @property
    def label(self) -> str:
        latest = next((bar for bar in reversed(self.bars) if bar.total), None)
        weeks = len(self.bars)
        if latest is None:
            return f"Pilots per risk level, last {weeks} weeks: no snapshot yet."
        return f"Pilots per risk level, last {weeks} weeks. Latest: {latest.summary}."


RISK_W, RISK_H = 640, 240
RISK_LEFT, RISK_RIGHT, RISK_TOP, RISK_BOTTOM = 40, 8, 12, 28


def risk_chart(weeks: Sequence[tuple[date, Mapping[int, int]]]) -> RiskChart:
    """Stacked bars, one per week (oldest first), of pilots per risk level."""
    right, bottom = RISK_W - RISK_RIGHT, RISK_H - RISK_BOTTOM
    peak = max((sum(per_risk.values()) for _, per_risk in weeks), default=0)
    top_value, step = _nice_ceiling(peak)
    plot_h = bottom - RISK_TOP
    slot = (right - RISK_LEFT) / max(len(weeks), 1)
    bar_w = slot * 0.68

    def height_of(n: int) -> float:
        return plot_h * n / top_value

    bars = []
    for index, (week, per_risk) in enumerate(weeks):
        y = float(bottom)
        segments = []
        for risk in STACK_ORDER:
            n = per_risk.get(int(risk), 0)
            if not n:
                continue
            h = height_of(n)
            y -= h
            segments.append(Segment(int(risk), risk.label, risk.slug, n, y, h))
        bars.append(
            WeekBar(
                week=week,
                x=RISK_LEFT + slot * index + (slot - bar_w) / 2,
                width=bar_w,
                total=sum(per_risk.values()),
                segments=segments,
                per_risk={int(r): per_risk.get(int(r), 0) for r in STACK_ORDER},
            )
        )
    return RiskChart(
        width=RISK_W,
        height=RISK_H,
        left=RISK_LEFT,
        right=right,
        top=RISK_TOP,
        bottom=bottom,
        bars=bars,
        y_ticks=[
            Tick(bottom - height_of(value), str(value)) for value in range(0, top_value + 1, step)
        ],
        levels=[(int(r), r.label, r.slug) for r in STACK_ORDER],
    )


# --- The stage funnel: horizontal bars --------------------------------------------------------


@dataclass(frozen=True)
class FunnelBar:
    stage: str
    label: str
    n: int
    y: float
    width: float
    text_y: float  # the middle of the bar, for its labels
    count_x: float  # just after the bar's end, for the count


@dataclass(frozen=True)
class Funnel:
    width: int
    height: int
    left: int
    bar_height: int
    bars: list[FunnelBar]

    @property
    def has_data(self) -> bool:
        return any(bar.n for bar in self.bars)

    @property
    def label(self) -> str:
        return "Pilots per stage: " + ", ".join(f"{bar.label} {bar.n}" for bar in self.bars) + "."


FUNNEL_W, FUNNEL_LEFT, FUNNEL_RIGHT, FUNNEL_ROW, FUNNEL_BAR = 420, 84, 36, 34, 24


def funnel(stages: Sequence[tuple[str, str, int]]) -> Funnel:
    """One horizontal bar per stage ``(value, label, count)``, widths against the largest."""
    peak = max((n for _, _, n in stages), default=0) or 1
    span = FUNNEL_W - FUNNEL_LEFT - FUNNEL_RIGHT
    bars = []
    for index, (stage, label, n) in enumerate(stages):
        y = 4 + FUNNEL_ROW * index
        width = max(span * n / peak, 2.0) if n else 0.0
        bars.append(
            FunnelBar(
                stage=stage,
                label=label,
                n=n,
                y=y,
                width=width,
                text_y=y + FUNNEL_BAR / 2,
                count_x=FUNNEL_LEFT + width + 6,
            )
        )
    return Funnel(
        width=FUNNEL_W,
        height=FUNNEL_ROW * len(stages) + 4,
        left=FUNNEL_LEFT,
        bar_height=FUNNEL_BAR,
        bars=bars,
    )


# --- A pilot's overall score per week -------------------------------------------------------


@dataclass(frozen=True)
class ScorePoint:
    x: float
    y: float
    week: date
    overall: int


@dataclass(frozen=True)
class ScoreTrend:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    points: list[ScorePoint]
    y_ticks: list[Tick]
    x_ticks: list[Tick]

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)

    @property
    def label(self) -> str:
        if not self.points:
            return "Overall score per week: no snapshot yet."
        first, last = self.points[0], self.points[-1]
        return (
            f"Overall score per week, {len(self.points)} week"
            f"{'s' if len(self.points) != 1 else ''}: {first.overall} in the week of "
            f"{_day(first.week)}, {last.overall} in the week of {_day(last.week)}."
        )


TREND_W, TREND_H = 480, 180
TREND_LEFT, TREND_RIGHT, TREND_TOP, TREND_BOTTOM = 36, 28, 10, 26


def score_trend(weeks: Sequence[tuple[date, int]]) -> ScoreTrend | None:
    """The overall score (0-100) of each weekly snapshot, oldest first; None without one."""
    if not weeks:
        return None
    right, bottom = TREND_W - TREND_RIGHT, TREND_H - TREND_BOTTOM
    plot_h = bottom - TREND_TOP
    count = len(weeks)
    step = (right - TREND_LEFT) / (count - 1) if count > 1 else 0

    def x(index: int) -> float:
        return TREND_LEFT + step * index if count > 1 else (TREND_LEFT + right) / 2

    def y(score: int) -> float:
        return bottom - plot_h * score / 100

    label_every = max(1, -(-count // 6))  # at most 6 week labels
    return ScoreTrend(
        width=TREND_W,
        height=TREND_H,
        left=TREND_LEFT,
        right=right,
        top=TREND_TOP,
        bottom=bottom,
        points=[ScorePoint(x(i), y(score), week, score) for i, (week, score) in enumerate(weeks)],
        y_ticks=[Tick(y(score), str(score)) for score in (0, 25, 50, 75, 100)],
        x_ticks=[
            Tick(x(i), _day(week, year=False))
            for i, (week, _) in enumerate(weeks)
            if (count - 1 - i) % label_every == 0
        ],
    )


# --- A practice score as a bar (0-100) -------------------------------------------------------


def score_band(score: int) -> str:
    """A CSS class for a 0-100 score (the number is always shown beside it)."""
    if score >= 80:
        return "good"
    if score >= 50:
        return "fair"
    return "poor"
