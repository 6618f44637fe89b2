"""The degradation rule (``pilots.rules.degradation``) on constructed series."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from pilots import rules
from tests.pilots.test_rules import RULES

GRADUATED = date(2026, 3, 2)
AT_GRADUATION = (Decimal(40), Decimal(41), Decimal(40))  # median 40


def weekly(*values: float | int | str, first: date = GRADUATED + timedelta(weeks=1)):
    return tuple(
        (first + timedelta(weeks=n), Decimal(str(value))) for n, value in enumerate(values)
    )


def decline(
    series,
    *,
    increasing: bool = True,
    baseline: int = 10,
    target: int = 40,
    at_graduation=AT_GRADUATION,
    today: date | None = None,
    stage: str = "graduated",
    settings: rules.RuleSettings = RULES,
) -> rules.Degradation | None:
    return rules.degradation(
        stage=stage,
        graduated_on=GRADUATED,
        increasing=increasing,
        baseline=Decimal(baseline),
        target=Decimal(target),
        at_graduation=at_graduation,
        after_graduation=series,
        today=today or (series[-1][0] if series else GRADUATED),
        rules=settings,
    )


def test_flat_at_the_graduation_level_is_not_degrading():
    assert decline(weekly(40, 40, 41, 40, 39, 40, 40)) is None


def test_one_noisy_reading_among_good_ones_does_not_trigger():
    # 25 is 50% of the distance below: alone, it is never the median of three.
    assert decline(weekly(40, 40, 25, 40, 41)) is None
    assert decline(weekly(40, 41, 25)) is None  # even as the latest reading
    assert decline(weekly(40, 25, 41, 24, 40)) is None  # isolated outliers, twice


def test_a_step_down_triggers_on_its_second_reading_and_says_since_when_and_by_how_much():
    series = weekly(40, 40, 40, 34, 34, 34)
    assert decline(series[:4]) is None  # one low reading: not yet
    found = decline(series[:5])
    assert found == rules.Degradation(
        since=series[4][0], level=Decimal(34), graduation_level=Decimal(40), share=Decimal("0.2")
    )
    assert decline(series).since == series[4][0]  # the episode goes on from the same day
    assert found.period == f"D{series[4][0].isoformat()}"


def test_a_slow_drift_triggers_once_the_median_has_drifted_the_share():
    series = weekly(40, 39.5, 39, 38.5, 38, 37.5, 37, 36.5, 36)
    # Medians of three: 39.5, 39, 38.5, 38, 37.5, 37 (the first 10% = 3 below 40), 36.5.
    assert decline(series[:7]) is None
    found = decline(series[:8])
    assert found is not None
    assert found.since == series[7][0]
    assert found.level == Decimal(37)
    assert decline(series).since == series[7][0]


def test_less_than_the_share_is_not_degrading():
    assert decline(weekly(38, 37.5, 37.5, 38)) is None  # 2.5 below: less than 3 (10% of 30)


def test_a_recovery_clears_it_and_a_new_decline_is_a_new_episode():
    series = weekly(34, 34, 34, 40, 40, 40, 33, 33)
    first = decline(series[:3])  # found on the third reading: the first median of three
    assert first is not None
    assert first.since == series[2][0]
    assert decline(series[:5]) is None  # two of the last three recovered
    second = decline(series)
    assert second is not None
    assert second.since == series[7][0]
    assert second.period != first.period


def test_one_good_reading_in_a_decline_does_not_clear_it():
    series = weekly(34, 34, 40, 34)
    assert decline(series).since == series[2][0]


def test_too_few_readings_after_graduation_say_nothing_yet():
    assert decline(weekly(20, 20)) is None
    assert decline(()) is None
    assert decline(weekly(20, 20, 20), at_graduation=()) is None  # no level at graduation


def test_the_level_at_graduation_is_the_median_of_the_readings_around_it():
    # One bad reading on graduation day does not lower the bar.
    found = decline(weekly(34, 34, 34), at_graduation=(Decimal(40), Decimal(40), Decimal(30)))
    assert found is not None
    assert found.graduation_level == Decimal(40)
    # Fewer readings before graduation: the median of those there are.
    assert decline(weekly(34, 34, 34), at_graduation=(Decimal(40),)).graduation_level == 40


def test_a_decrease_is_better_metric_degrades_when_it_rises():
    falling_is_good = {"increasing": False, "baseline": 60, "target": 30}
    graduated_at = (Decimal(30), Decimal(31), Decimal(30))
    rising = weekly(30, 35, 36, 36)
    found = decline(rising, at_graduation=graduated_at, **falling_is_good)
    assert found is not None
    assert found.level == Decimal(36)
    assert found.share == Decimal("0.2")
    falling = weekly(30, 25, 24, 24)  # better still
    assert decline(falling, at_graduation=graduated_at, **falling_is_good) is None
    # The same rise on an increase-is-better metric is an improvement.
    assert decline(weekly(40, 45, 46, 46)) is None


def test_only_while_graduated_and_followed():
    series = weekly(34, 34, 34)
    assert decline(series, stage="running") is None
    assert decline(series, today=GRADUATED + timedelta(days=365)) is not None
    assert decline(series, today=GRADUATED + timedelta(days=366)) is None


def test_no_direction_or_no_distance_says_nothing():
    series = weekly(34, 34, 34)
    assert decline(series, baseline=40, target=40) is None
    assert (
        rules.degradation(
            stage="graduated",
            graduated_on=GRADUATED,
            increasing=None,
            baseline=Decimal(10),
            target=Decimal(40),
            at_graduation=AT_GRADUATION,
            after_graduation=series,
            today=series[-1][0],
            rules=RULES,
        )
        is None
    )


@pytest.mark.parametrize(
    ("readings", "percent", "expected"),
    [(1, 10, True), (5, 10, False), (3, 25, False), (3, 20, True)],
)
def test_the_settings_choose_the_readings_and_the_share(readings, percent, expected):
    settings = replace(RULES, degrading_readings=readings, degrading_percent=percent)
    series = weekly(40, 40, 40, 34, 34)  # 20% below for the last two
    assert (decline(series, settings=settings) is not None) is expected


def test_escalated_after_the_weeks_from_the_episodes_first_reading():
    found = decline(weekly(34, 34, 34))
    assert found is not None
    weeks = RULES.degrading_escalation_weeks
    on = found.since + timedelta(weeks=weeks)
    assert not rules.degradation_escalated(found=found, today=on - timedelta(days=1), rules=RULES)
    assert rules.degradation_escalated(found=found, today=on, rules=RULES)
    assert not rules.degradation_escalated(found=None, today=on, rules=RULES)
