"""Pure timeline and trajectory arithmetic: plain values in and out, no database."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from pilots.timeline import (
    Phase,
    Trajectory,
    expected_value,
    handover_window_opens,
    is_stale,
    timeline,
    trajectory_status,
)

S = date(2026, 1, 5)


def days(n: int) -> timedelta:
    return timedelta(days=n)


# --- handover_window_opens ---------------------------------------------------------


@pytest.mark.parametrize(
    ("duration", "opens_after"),
    [
        pytest.param(0, 0, id="one-day-pilot"),
        pytest.param(1, 1, id="D=1-opens-on-end"),
        pytest.param(2, 2, id="D=2-opens-on-end"),
        pytest.param(3, 2, id="D=3"),
        pytest.param(4, 3, id="D=4"),
        pytest.param(10, 7, id="D=10"),
        pytest.param(90, 60, id="D=90"),
        pytest.param(100, 67, id="D=100"),
        pytest.param(181, 121, id="D=181-fixture-pilot"),
    ],
)
def test_handover_window_opens_on_first_whole_day_after_two_thirds(duration, opens_after):
    assert handover_window_opens(S, S + days(duration)) == S + days(opens_after)


def test_handover_window_opens_on_start_for_one_day_pilot():
    assert handover_window_opens(S, S) == S


def test_handover_window_opens_raises_when_end_before_start():
    with pytest.raises(ValueError, match="before start"):
        handover_window_opens(S, S - days(1))


def test_timeline_raises_when_end_before_start():
    with pytest.raises(ValueError, match="before start"):
        timeline(start=S, end=S - days(1), today=S, lead_days=14)


# --- Timeline.phase and friends ----------------------------------------------------

# D = 90: the window opens on S + 60, the pilot ends on S + 90.
END = S + days(90)
OPENS = S + days(60)


def ninety_day(today: date, lead_days: int = 14):
    return timeline(start=S, end=END, today=today, lead_days=lead_days)


@pytest.mark.parametrize(
    ("today", "phase"),
    [
        pytest.param(S - days(1), Phase.NOT_STARTED, id="day-before-start"),
        pytest.param(S, Phase.BUILD, id="start-day"),
        pytest.param(OPENS - days(1), Phase.BUILD, id="day-before-window"),
        pytest.param(OPENS, Phase.HANDOVER, id="window-opening-day"),
        pytest.param(END, Phase.HANDOVER, id="end-day"),
        pytest.param(END + days(1), Phase.ENDED, id="day-after-end"),
    ],
)
def test_timeline_phase_at_boundary_days(today, phase):
    assert ninety_day(today).phase == phase


@pytest.mark.parametrize(
    ("today", "phase"),
    [
        pytest.param(S - days(1), Phase.NOT_STARTED, id="day-before"),
        pytest.param(S, Phase.HANDOVER, id="the-day"),
        pytest.param(S + days(1), Phase.ENDED, id="day-after"),
    ],
)
def test_timeline_phase_of_one_day_pilot(today, phase):
    assert timeline(start=S, end=S, today=today, lead_days=14).phase == phase


@pytest.mark.parametrize("today", [S + days(10), OPENS - days(5), OPENS + days(5), END + days(9)])
def test_timeline_of_a_closed_pilot_has_no_phase_or_window_left(today):
    """A pilot stopped in its build phase said "build phase" ever after."""
    closed = timeline(start=S, end=END, today=today, lead_days=14, closed_on=S + days(9))
    assert closed.phase == Phase.CLOSED
    assert (closed.handover_approaching, closed.handover_open) == (False, False)
    assert closed.handover_opens == OPENS  # the plan is still the plan


def test_timeline_handover_opens_is_computed_from_start_and_end():
    assert ninety_day(S).handover_opens == OPENS
    assert ninety_day(S).duration_days == 90


@pytest.mark.parametrize(
    ("today", "approaching"),
    [
        pytest.param(OPENS - days(15), False, id="lead+1-days-before"),
        pytest.param(OPENS - days(14), True, id="exactly-lead-days-before"),
        pytest.param(OPENS - days(1), True, id="day-before-opening"),
        pytest.param(OPENS, False, id="opening-day"),
        pytest.param(OPENS + days(1), False, id="day-after-opening"),
    ],
)
def test_timeline_handover_approaching_within_lead_days(today, approaching):
    assert ninety_day(today, lead_days=14).handover_approaching is approaching


def test_timeline_handover_approaching_follows_lead_days():
    assert ninety_day(OPENS - days(3), lead_days=3).handover_approaching is True
    assert ninety_day(OPENS - days(4), lead_days=3).handover_approaching is False


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        pytest.param(OPENS - days(14), 14, id="before"),
        pytest.param(OPENS, 0, id="opening-day"),
        pytest.param(OPENS + days(3), -3, id="open-three-days"),
    ],
)
def test_timeline_days_until_handover_negative_once_open(today, expected):
    assert ninety_day(today).days_until_handover == expected


@pytest.mark.parametrize(
    ("today", "is_open"),
    [
        pytest.param(OPENS - days(1), False, id="before"),
        pytest.param(OPENS, True, id="opening-day"),
        pytest.param(END, True, id="end-day"),
        pytest.param(END + days(1), False, id="after-end"),
    ],
)
def test_timeline_handover_open_between_opening_and_end(today, is_open):
    assert ninety_day(today).handover_open is is_open


@pytest.mark.parametrize(
    ("today", "fraction"),
    [
        pytest.param(S - days(5), 0.0, id="before-start-clamped"),
        pytest.param(S, 0.0, id="start"),
        pytest.param(S + days(45), 0.5, id="half"),
        pytest.param(END, 1.0, id="end"),
        pytest.param(END + days(10), 1.0, id="after-end-clamped"),
    ],
)
def test_timeline_elapsed_fraction_clamped(today, fraction):
    assert ninety_day(today).elapsed_fraction == fraction


@pytest.mark.parametrize(
    ("today", "fraction"),
    [
        pytest.param(S - days(1), 0.0, id="day-before"),
        pytest.param(S, 1.0, id="the-day"),
        pytest.param(S + days(1), 1.0, id="day-after"),
    ],
)
def test_timeline_elapsed_fraction_of_one_day_pilot(today, fraction):
    assert timeline(start=S, end=S, today=today, lead_days=14).elapsed_fraction == fraction


# --- expected_value ----------------------------------------------------------------

# 100 days from S: baseline 0 -> target 100 means the line's value is the day number.
TARGET_DATE = S + days(100)
DAY_40 = S + days(40)  # the line is at 40 (increasing) or 60 (decreasing)


@pytest.mark.parametrize(
    ("on", "value"),
    [
        pytest.param(S - days(10), Decimal("0"), id="before-start-is-baseline"),
        pytest.param(S, Decimal("0"), id="start-is-baseline"),
        pytest.param(S + days(40), Decimal("40"), id="day-40"),
        pytest.param(TARGET_DATE, Decimal("100"), id="target-date-is-target"),
        pytest.param(TARGET_DATE + days(10), Decimal("100"), id="after-target-date"),
    ],
)
def test_expected_value_is_straight_line(on, value):
    result = expected_value(
        baseline=Decimal("0"), target=Decimal("100"), start=S, target_date=TARGET_DATE, on=on
    )
    assert result == value


def test_expected_value_of_decreasing_line():
    result = expected_value(
        baseline=Decimal("50"),
        target=Decimal("10"),
        start=S,
        target_date=TARGET_DATE,
        on=S + days(25),
    )
    assert result == Decimal("40")


@pytest.mark.parametrize(
    "target_date",
    [pytest.param(S, id="equal-start"), pytest.param(S - days(5), id="before-start")],
)
def test_expected_value_with_target_date_not_after_start(target_date):
    kwargs = {"baseline": Decimal("0"), "target": Decimal("100"), "start": S}
    assert expected_value(**kwargs, target_date=target_date, on=S) == Decimal("0")
    assert expected_value(**kwargs, target_date=target_date, on=S + days(1)) == Decimal("100")


# --- trajectory_status -------------------------------------------------------------


def increasing(value: str | None, on: date | None = DAY_40, **overrides) -> Trajectory:
    kwargs = {
        "baseline": Decimal("0"),
        "target": Decimal("100"),
        "increasing": True,
        "start": S,
        "target_date": TARGET_DATE,
        "latest_value": None if value is None else Decimal(value),
        "latest_on": on,
    }
    return trajectory_status(**(kwargs | overrides))


def decreasing(value: str | None, on: date | None = DAY_40, **overrides) -> Trajectory:
    # 100 -> 0 over 100 days: the line is 60 on day 40.
    kwargs = {
        "baseline": Decimal("100"),
        "target": Decimal("0"),
        "increasing": False,
        "start": S,
        "target_date": TARGET_DATE,
        "latest_value": None if value is None else Decimal(value),
        "latest_on": on,
    }
    return trajectory_status(**(kwargs | overrides))


@pytest.mark.parametrize(
    ("value", "status"),
    [
        pytest.param("100", Trajectory.ACHIEVED, id="exactly-target"),
        pytest.param("120", Trajectory.ACHIEVED, id="beyond-target"),
        pytest.param("40", Trajectory.ON_TRACK, id="exactly-on-line"),
        pytest.param("40.0001", Trajectory.ON_TRACK, id="just-above-line"),
        pytest.param("39.9999", Trajectory.BEHIND, id="just-below-line"),
        pytest.param("-5", Trajectory.BEHIND, id="below-baseline"),
    ],
)
def test_trajectory_status_of_increasing_metric(value, status):
    assert increasing(value) == status


@pytest.mark.parametrize(
    ("value", "status"),
    [
        pytest.param("0", Trajectory.ACHIEVED, id="exactly-target"),
        pytest.param("-3", Trajectory.ACHIEVED, id="beyond-target"),
        pytest.param("60", Trajectory.ON_TRACK, id="exactly-on-line"),
        pytest.param("59.9999", Trajectory.ON_TRACK, id="just-below-line"),
        pytest.param("60.0001", Trajectory.BEHIND, id="just-above-line"),
        pytest.param("100", Trajectory.BEHIND, id="still-at-baseline"),
    ],
)
def test_trajectory_status_of_decreasing_metric(value, status):
    assert decreasing(value) == status


def test_trajectory_status_achieved_early_even_before_start():
    assert increasing("100", on=S - days(1)) == Trajectory.ACHIEVED


def test_trajectory_status_at_baseline_on_start_day_is_on_track():
    assert increasing("0", on=S) == Trajectory.ON_TRACK


def test_trajectory_status_after_target_date_short_of_target_is_behind():
    assert increasing("99.9999", on=TARGET_DATE + days(1)) == Trajectory.BEHIND


@pytest.mark.parametrize(
    ("value", "on"),
    [
        pytest.param(None, S + days(40), id="no-value"),
        pytest.param("40", None, id="no-date"),
        pytest.param(None, None, id="neither"),
    ],
)
def test_trajectory_status_without_reading_is_no_data(value, on):
    assert increasing(value, on=on) == Trajectory.NO_DATA


@pytest.mark.parametrize(
    ("value", "status"),
    [
        pytest.param("100", Trajectory.ACHIEVED, id="at-target"),
        pytest.param("99.9999", Trajectory.BEHIND, id="short-of-target"),
    ],
)
@pytest.mark.parametrize(
    "target_date",
    [pytest.param(S, id="target-date-equals-start"), pytest.param(S - days(5), id="before-start")],
)
def test_trajectory_status_with_target_date_not_after_start(target_date, value, status):
    assert increasing(value, on=S + days(1), target_date=target_date) == status


def test_trajectory_status_with_target_date_equal_start_on_start_day_judges_baseline():
    # On the start day the line is still at the baseline, whatever the target date.
    assert increasing("0", on=S, target_date=S) == Trajectory.ON_TRACK


# --- is_stale ----------------------------------------------------------------------


def weekly_stale(*, last: date | None, since: date, today: date) -> bool:
    return is_stale(
        last_reading_on=last, tracking_since=since, cadence_days=7, grace_days=3, today=today
    )


LAST = date(2026, 2, 1)


@pytest.mark.parametrize(
    ("after", "stale"),
    [
        pytest.param(0, False, id="same-day"),
        pytest.param(10, False, id="cadence+grace"),
        pytest.param(11, True, id="cadence+grace+1"),
        pytest.param(30, True, id="long-after"),
    ],
)
def test_is_stale_weekly_cadence_with_three_days_grace(after, stale):
    assert weekly_stale(last=LAST, since=S, today=LAST + days(after)) is stale


@pytest.mark.parametrize(
    ("after", "stale"),
    [
        pytest.param(0, False, id="first-day"),
        pytest.param(10, False, id="day-10"),
        pytest.param(11, True, id="day-11"),
    ],
)
def test_is_stale_without_reading_measured_from_tracking_since(after, stale):
    assert weekly_stale(last=None, since=S, today=S + days(after)) is stale


@pytest.mark.parametrize(
    ("after", "stale"),
    [
        pytest.param(10, False, id="day-10-after-since"),
        pytest.param(11, True, id="day-11-after-since"),
    ],
)
def test_is_stale_reading_older_than_tracking_since_uses_tracking_since(after, stale):
    since = date(2026, 3, 1)
    assert weekly_stale(last=date(2026, 1, 10), since=since, today=since + days(after)) is stale


def test_is_stale_follows_cadence_and_grace():
    kwargs = {"last_reading_on": LAST, "tracking_since": S, "cadence_days": 31, "grace_days": 0}
    assert is_stale(**kwargs, today=LAST + days(31)) is False
    assert is_stale(**kwargs, today=LAST + days(32)) is True
