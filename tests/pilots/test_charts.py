"""Chart coordinates (pure): readings against the trajectory, and the timeline bar."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from pilots import charts
from pilots.timeline import handover_window_opens

START = date(2026, 1, 5)
END = date(2026, 7, 5)  # 181 days
OPENS = handover_window_opens(START, END)  # 2026-05-06, day 121
PLOT_RIGHT = charts.WIDTH - charts.RIGHT  # 624
PLOT_BOTTOM = charts.HEIGHT - charts.BOTTOM  # 224
PLOT_WIDTH = PLOT_RIGHT - charts.LEFT  # 560

READINGS = [
    (date(2026, 2, 1), Decimal("12")),
    (date(2026, 2, 8), Decimal("15.5")),
    (date(2026, 2, 15), Decimal("14")),
    (date(2026, 3, 1), Decimal("22")),
]


def chart(**overrides) -> charts.Chart | None:
    """Baseline 10 → target 40 by the end: the value axis runs exactly from 10 to 40."""
    arguments = {
        "readings": READINGS,
        "baseline": Decimal("10"),
        "target": Decimal("40"),
        "start": START,
        "target_date": END,
        "end": END,
        "handover_opens": OPENS,
        "today": date(2026, 3, 1),
    }
    return charts.readings_chart(**(arguments | overrides))


def x_of(on: date, first: date = START, last: date = END) -> float:
    return charts.LEFT + PLOT_WIDTH * (on - first).days / (last - first).days


def y_of(value: str, low: str = "10", high: str = "40") -> float:
    fraction = (Decimal(value) - Decimal(low)) / (Decimal(high) - Decimal(low))
    return float(PLOT_BOTTOM - (PLOT_BOTTOM - charts.TOP) * fraction)


def test_opens_is_day_121_of_the_fixture_dates():
    assert date(2026, 5, 6) == OPENS


# --- readings_chart -----------------------------------------------------------------------


def test_readings_chart_frame_is_the_svg_box_less_the_margins():
    result = chart()
    assert (result.width, result.height) == (640, 260)
    assert (result.left, result.right, result.top, result.bottom) == (64, 624, 16, 224)
    assert result.plot_height == 208


def test_readings_chart_points_lie_within_the_plot_area():
    result = chart()
    assert len(result.points) == len(READINGS)
    for point in result.points:
        assert result.left <= point.x <= result.right
        assert result.top <= point.y <= result.bottom


def test_readings_chart_points_are_placed_by_date_and_value():
    result = chart()
    assert [(p.on, p.value) for p in result.points] == READINGS
    for point in result.points:
        assert point.x == pytest.approx(x_of(point.on))
        assert point.y == pytest.approx(y_of(str(point.value)))


def test_readings_chart_higher_value_is_drawn_higher():
    points = chart().points
    assert points[1].value > points[0].value
    assert points[1].y < points[0].y


def test_readings_chart_points_are_sorted_by_date():
    result = chart(readings=list(reversed(READINGS)))
    assert [p.on for p in result.points] == [on for on, _ in READINGS]
    assert result.latest.on == date(2026, 3, 1)
    assert result.latest.value == Decimal("22")


def test_readings_chart_polyline_joins_the_points():
    result = chart()
    assert result.polyline == " ".join(f"{p.x:.1f},{p.y:.1f}" for p in result.points)
    assert result.polyline.startswith(f"{x_of(date(2026, 2, 1)):.1f},{y_of('12'):.1f} ")


def test_readings_chart_trajectory_runs_from_baseline_at_start_to_target_at_target_date():
    x1, y1, x2, y2 = chart().trajectory
    assert (x1, y1) == (pytest.approx(charts.LEFT), pytest.approx(PLOT_BOTTOM))  # 10 is the floor
    assert (x2, y2) == (pytest.approx(PLOT_RIGHT), pytest.approx(charts.TOP))  # 40 the ceiling


def test_readings_chart_trajectory_ends_at_an_earlier_target_date():
    target_date = date(2026, 4, 15)
    x1, y1, x2, y2 = chart(target_date=target_date, baseline=Decimal("15")).trajectory
    assert x1 == pytest.approx(charts.LEFT)
    assert y1 == pytest.approx(y_of("15"))
    assert x2 == pytest.approx(x_of(target_date))
    assert y2 == pytest.approx(y_of("40"))


def test_readings_chart_decreasing_metric_trajectory_goes_down_the_axis():
    _, y1, _, y2 = chart(
        readings=[(date(2026, 2, 1), Decimal("35"))],
        baseline=Decimal("40"),
        target=Decimal("10"),
    ).trajectory
    assert y1 == pytest.approx(charts.TOP)
    assert y2 == pytest.approx(PLOT_BOTTOM)


@pytest.mark.parametrize(
    "missing", ["baseline", "target", "start", "target_date"], ids=lambda name: f"no_{name}"
)
def test_readings_chart_without_a_goalpost_has_no_trajectory(missing):
    result = chart(**{missing: None})
    assert result is not None
    assert result.trajectory is None


def test_readings_chart_target_line_is_at_the_target_value():
    assert chart().target_y == pytest.approx(charts.TOP)
    assert chart(target=None).target_y is None


def test_readings_chart_handover_band_spans_from_the_window_to_the_end():
    x, width = chart().handover
    assert x == pytest.approx(x_of(OPENS))
    assert x == pytest.approx(charts.LEFT + PLOT_WIDTH * 121 / 181)
    assert x + width == pytest.approx(PLOT_RIGHT)
    assert width > 0


@pytest.mark.parametrize("missing", ["handover_opens", "end"])
def test_readings_chart_without_the_window_has_no_band(missing):
    assert chart(**{missing: None}).handover is None


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (START, charts.LEFT),
        (date(2026, 3, 1), x_of(date(2026, 3, 1))),
        (END, PLOT_RIGHT),
    ],
)
def test_readings_chart_today_marker_inside_the_date_range(today, expected):
    assert chart(today=today).today_x == pytest.approx(expected)


@pytest.mark.parametrize("today", [START - timedelta(days=1), END + timedelta(days=1)])
def test_readings_chart_no_today_marker_outside_the_date_range(today):
    assert chart(today=today).today_x is None


def test_readings_chart_range_widens_to_include_early_readings():
    early = date(2025, 12, 20)
    result = chart(readings=[(early, Decimal("11")), *READINGS])
    assert result.points[0].x == pytest.approx(charts.LEFT)
    assert result.trajectory[0] == pytest.approx(x_of(START, first=early))
    assert chart(readings=[(early, Decimal("11"))], today=early).today_x == pytest.approx(
        charts.LEFT
    )


def test_readings_chart_value_axis_has_round_ticks():
    result = chart()
    assert [tick.label for tick in result.y_ticks] == ["10", "20", "30", "40"]
    assert [tick.at for tick in result.y_ticks] == pytest.approx(
        [PLOT_BOTTOM, y_of("20"), y_of("30"), charts.TOP]
    )


def test_readings_chart_value_axis_rounds_outwards():
    result = chart(baseline=Decimal("11"), target=Decimal("38"), readings=[])
    assert result.y_ticks[0].label == "10"
    assert result.y_ticks[-1].label == "40"


def test_readings_chart_date_axis_labels_month_starts_inside_the_range():
    labels = [tick.label for tick in chart().x_ticks]
    # "Feb 26" read as the 26th of February: the year is written out where it is needed.
    assert labels == ["Feb 2026", "Mar", "Apr", "May", "Jun", "Jul"]
    assert chart().x_ticks[0].at == pytest.approx(x_of(date(2026, 2, 1)))


def test_readings_chart_month_labels_name_the_year_where_it_turns():
    result = chart(end=date(2027, 3, 5), target_date=date(2027, 3, 5))
    labels = [tick.label for tick in result.x_ticks]
    assert labels == ["Feb 2026", "Apr", "Jun", "Aug", "Oct", "Dec", "Feb 2027"]


def test_readings_chart_date_axis_has_at_most_eight_labels():
    result = chart(end=date(2028, 1, 5), target_date=date(2028, 1, 5))
    assert 0 < len(result.x_ticks) <= 8


def test_readings_chart_single_reading_alone_is_centred_vertically():
    only = date(2026, 2, 1)
    result = charts.readings_chart(
        readings=[(only, Decimal("5"))],
        baseline=None,
        target=None,
        start=None,
        target_date=None,
        end=None,
        handover_opens=None,
        today=only,
    )
    (point,) = result.points
    assert point.x == pytest.approx(charts.LEFT)
    assert point.y == pytest.approx((charts.TOP + PLOT_BOTTOM) / 2)
    assert result.trajectory is None
    assert result.handover is None
    assert result.today_x == pytest.approx(charts.LEFT)


def test_readings_chart_goalposts_without_readings_still_draw_the_trajectory():
    result = chart(readings=[])
    assert result.points == []
    assert result.latest is None
    assert result.polyline == ""
    assert result.trajectory is not None


def test_readings_chart_is_none_without_any_data():
    assert (
        charts.readings_chart(
            readings=[],
            baseline=None,
            target=None,
            start=None,
            target_date=None,
            end=None,
            handover_opens=None,
            today=START,
        )
        is None
    )


def test_readings_chart_is_none_with_dates_but_no_values():
    assert chart(readings=[], baseline=None, target=None) is None


def test_readings_chart_is_none_with_values_but_no_dates():
    assert chart(readings=[], start=None, target_date=None, end=None) is None


# --- timeline_bar --------------------------------------------------------------------------


def test_timeline_bar_handover_opens_two_thirds_along():
    bar = charts.timeline_bar(start=START, end=END, handover_opens=OPENS, today=START)
    assert bar.handover_x == pytest.approx(1000 * 121 / 181)
    assert bar.handover_x + bar.handover_width == pytest.approx(charts.BAR_WIDTH)


@pytest.mark.parametrize(
    ("today", "expected"),
    [(START, 0.0), (date(2026, 3, 1), 1000 * 55 / 181), (OPENS, 1000 * 121 / 181), (END, 1000.0)],
)
def test_timeline_bar_today_marker_inside_the_dates(today, expected):
    bar = charts.timeline_bar(start=START, end=END, handover_opens=OPENS, today=today)
    assert bar.today_x == pytest.approx(expected)


@pytest.mark.parametrize("today", [START - timedelta(days=1), END + timedelta(days=1)])
def test_timeline_bar_no_today_marker_outside_the_dates(today):
    bar = charts.timeline_bar(start=START, end=END, handover_opens=OPENS, today=today)
    assert bar.today_x is None


def test_timeline_bar_one_day_pilot_is_all_handover():
    bar = charts.timeline_bar(start=START, end=START, handover_opens=START, today=START)
    assert (bar.handover_x, bar.handover_width, bar.today_x) == (0.0, 1000.0, 0.0)
