"""A pilot's timeline and each metric's status (trajectory, stale), in the local day."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import override_settings

from pilots.enums import Direction, MetricKind
from pilots.models import Metric, Pilot
from pilots.selectors import metrics as selectors
from pilots.selectors.metrics import pilot_metric_statuses
from pilots.selectors.pilots import pilot_timeline
from pilots.timeline import Phase, Trajectory
from tests import factories
from tests.pilots.metric_helpers import (
    DAY_40,
    START,
    at_utc,
    line_metric,
    primary,
    record,
)


def status_of(metric: Metric, *, today: date) -> selectors.MetricStatus:
    statuses = {
        status.metric.pk: status for status in pilot_metric_statuses(metric.pilot, today=today)
    }
    return statuses[metric.pk]


# --- pilot_timeline ----------------------------------------------------------------


def test_pilot_timeline_uses_planned_start_before_the_pilot_starts(draft):
    tl = pilot_timeline(draft, today=date(2026, 2, 1))

    assert (tl.start, tl.end, tl.today) == (START, date(2026, 7, 5), date(2026, 2, 1))
    assert tl.handover_opens == date(2026, 5, 6)  # D = 181, S + 121
    assert tl.phase == Phase.BUILD


def test_pilot_timeline_uses_started_on_when_set(running):
    Pilot.objects.filter(pk=running.pk).update(started_on=date(2026, 1, 20))
    running.refresh_from_db()

    tl = pilot_timeline(running, today=date(2026, 5, 10))

    assert tl.start == date(2026, 1, 20)
    assert tl.handover_opens == date(2026, 5, 11)  # D = 166, S + 111
    assert tl.phase == Phase.BUILD
    assert pilot_timeline(running, today=date(2026, 5, 11)).phase == Phase.HANDOVER


def test_pilot_timeline_running_pilot_started_on_planned_start(running):
    tl = pilot_timeline(running, today=date(2026, 5, 6))

    assert running.started_on == START
    assert (tl.start, tl.handover_opens, tl.phase) == (START, date(2026, 5, 6), Phase.HANDOVER)


@override_settings(PILOTGATE_HANDOVER_LEAD_DAYS=5)
def test_pilot_timeline_lead_days_from_settings(draft):
    assert pilot_timeline(draft, today=date(2026, 5, 1)).lead_days == 5
    assert pilot_timeline(draft, today=date(2026, 5, 1)).handover_approaching is True
    assert pilot_timeline(draft, today=date(2026, 4, 30)).handover_approaching is False


@pytest.mark.parametrize("missing", [pytest.param("planned_start"), pytest.param("planned_end")])
def test_pilot_timeline_none_when_a_date_is_missing(draft, missing):
    Pilot.objects.filter(pk=draft.pk).update(**{missing: None})
    draft.refresh_from_db()

    assert pilot_timeline(draft, today=date(2026, 2, 1)) is None


def test_pilot_timeline_none_when_started_after_planned_end(running):
    Pilot.objects.filter(pk=running.pk).update(started_on=date(2026, 7, 6))
    running.refresh_from_db()

    assert pilot_timeline(running, today=date(2026, 7, 6)) is None


# --- the day boundary follows the deployment's time zone ---------------------------

# 2026-09-01 .. 2026-12-31: D = 121, the window opens on S + 81 = 2026-11-21.
WINDOW_OPENS = date(2026, 11, 21)


@pytest.fixture
def autumn_pilot(sponsor) -> Pilot:
    pilot = factories.PilotFactory(
        sponsor=sponsor, planned_start=date(2026, 9, 1), planned_end=date(2026, 12, 31)
    )
    assert pilot_timeline(pilot, today=WINDOW_OPENS).handover_opens == WINDOW_OPENS
    return pilot


@pytest.mark.parametrize(
    ("zone", "utc_offset", "instant", "local_today", "phase"),
    [
        # Auckland is UTC+13 in November (NZDT): the local day starts at 11:00 UTC the day before.
        pytest.param(
            "Pacific/Auckland",
            timedelta(hours=13),
            at_utc(2026, 11, 20, 11, 30),
            WINDOW_OPENS,
            Phase.HANDOVER,
            id="auckland-local-day-ahead-of-utc",
        ),
        pytest.param(
            "Pacific/Auckland",
            timedelta(hours=13),
            at_utc(2026, 11, 20, 10, 30),
            date(2026, 11, 20),
            Phase.BUILD,
            id="auckland-last-local-minutes-before-window",
        ),
        # Los Angeles is UTC-8 in late November (PST): the local day ends at 08:00 UTC next day.
        pytest.param(
            "America/Los_Angeles",
            timedelta(hours=-8),
            at_utc(2026, 11, 21, 7, 30),
            date(2026, 11, 20),
            Phase.BUILD,
            id="los-angeles-local-day-behind-utc",
        ),
        pytest.param(
            "America/Los_Angeles",
            timedelta(hours=-8),
            at_utc(2026, 11, 21, 8, 30),
            WINDOW_OPENS,
            Phase.HANDOVER,
            id="los-angeles-first-local-minutes-of-window",
        ),
    ],
)
def test_pilot_timeline_today_is_the_local_date(
    autumn_pilot, zone, utc_offset, instant, local_today, phase
):
    assert instant.astimezone(ZoneInfo(zone)).utcoffset() == utc_offset
    assert instant.astimezone(ZoneInfo(zone)).date() == local_today

    with override_settings(TIME_ZONE=zone), time_machine.travel(instant, tick=False):
        tl = pilot_timeline(autumn_pilot)

    assert (tl.today, tl.phase) == (local_today, phase)


def test_pilot_metric_statuses_today_is_the_local_date(running, owner):
    metric = primary(running)
    record(metric, owner, {date(2026, 2, 1): "12"})
    # 2026-02-11 11:30 UTC is 2026-02-12 00:30 in Auckland (NZDT, UTC+13): 11 days after
    # the reading, one more than weekly cadence plus grace. In UTC it is still day 10.
    instant = at_utc(2026, 2, 11, 11, 30)
    assert instant.astimezone(ZoneInfo("Pacific/Auckland")).date() == date(2026, 2, 12)

    with override_settings(TIME_ZONE="Pacific/Auckland"), time_machine.travel(instant, tick=False):
        auckland = pilot_metric_statuses(running)
    with override_settings(TIME_ZONE="UTC"), time_machine.travel(instant, tick=False):
        utc = pilot_metric_statuses(running)

    assert [s.stale for s in auckland if s.metric.pk == metric.pk] == [True]
    assert [s.stale for s in utc if s.metric.pk == metric.pk] == [False]


# --- metric_status / pilot_metric_statuses -----------------------------------------


@pytest.mark.parametrize(
    ("readings", "latest_on", "latest_value", "trajectory"),
    [
        pytest.param(
            # recorded out of order: the later reading is recorded first
            {DAY_40: "40", date(2026, 1, 25): "0"},
            DAY_40,
            Decimal("40"),
            Trajectory.ON_TRACK,
            id="on-track-exactly-on-line-after-behind",
        ),
        pytest.param(
            {DAY_40: "39.9999", date(2026, 1, 25): "100"},
            DAY_40,
            Decimal("39.9999"),
            Trajectory.BEHIND,
            id="behind-after-achieved",
        ),
        pytest.param(
            {date(2026, 1, 25): "0", DAY_40: "100", date(2026, 2, 1): "5"},
            DAY_40,
            Decimal("100"),
            Trajectory.ACHIEVED,
            id="achieved-after-behind",
        ),
    ],
)
def test_pilot_metric_statuses_latest_reading_decides(
    running, sponsor, owner, readings, latest_on, latest_value, trajectory
):
    metric = line_metric(running, sponsor)
    record(metric, owner, readings)

    status = status_of(metric, today=DAY_40)

    assert (status.latest.observed_on, status.latest.value) == (latest_on, latest_value)
    assert status.trajectory == trajectory
    assert status.stale is False


def test_pilot_metric_statuses_decreasing_metric_behind(running, sponsor, owner):
    metric = line_metric(
        running, sponsor, direction=Direction.DECREASE, baseline=Decimal("100"), target=Decimal("0")
    )
    # The line is at 60 on day 40.
    record(metric, owner, {DAY_40: "60.0001"})
    assert status_of(metric, today=DAY_40).trajectory == Trajectory.BEHIND

    record(metric, owner, {DAY_40: "60"})
    assert status_of(metric, today=DAY_40).trajectory == Trajectory.ON_TRACK


def test_pilot_metric_statuses_without_readings(running):
    [status] = pilot_metric_statuses(running, today=date(2026, 1, 10))

    assert status.metric == primary(running)
    assert status.latest is None
    assert status.trajectory == Trajectory.NO_DATA
    assert status.stale is False


@pytest.mark.parametrize(
    ("today", "stale"),
    [
        pytest.param(date(2026, 2, 11), False, id="day-10-after-last-reading"),
        pytest.param(date(2026, 2, 12), True, id="day-11-after-last-reading"),
    ],
)
def test_pilot_metric_statuses_stale_for_running_pilot(running, owner, today, stale):
    metric = primary(running)
    record(metric, owner, {date(2026, 1, 20): "11", date(2026, 2, 1): "12"})

    assert status_of(metric, today=today).stale is stale


@pytest.mark.parametrize(
    ("today", "stale"),
    [
        pytest.param(date(2026, 1, 15), False, id="day-10-after-start"),
        pytest.param(date(2026, 1, 16), True, id="day-11-after-start"),
    ],
)
def test_pilot_metric_statuses_stale_without_reading_counts_from_start(running, today, stale):
    assert status_of(primary(running), today=today).stale is stale


def test_metric_status_not_stale_for_draft_pilot(draft):
    metric = primary(draft)
    reading = factories.ReadingFactory(metric=metric, observed_on=date(2026, 1, 6))

    status = selectors.metric_status(metric, pilot=draft, latest=reading, today=date(2026, 11, 25))

    assert status.stale is False
    assert status.latest == reading
    # baseline 10 -> target 40 from 2026-01-05: one day in, 12 is above the line.
    assert status.trajectory == Trajectory.ON_TRACK
    assert [s.stale for s in pilot_metric_statuses(draft, today=date(2026, 11, 25))] == [False]


@pytest.mark.parametrize(
    ("kind", "counts"),
    [
        pytest.param(MetricKind.BUSINESS, True),
        pytest.param(MetricKind.CRITICAL_SEGMENT, True),
        pytest.param(MetricKind.MODEL, False),
    ],
)
def test_metric_status_counts_as_success_except_model_metrics(running, sponsor, kind, counts):
    metric = line_metric(running, sponsor, name="Second", kind=kind)

    assert status_of(metric, today=DAY_40).counts_as_success is counts
    assert metric.counts_as_success is counts
    assert status_of(primary(running), today=DAY_40).counts_as_success is True


@pytest.mark.parametrize("per_metric", [1, 20])
def test_pilot_metric_statuses_constant_queries(
    running, sponsor, django_assert_num_queries, per_metric
):
    extra = [
        line_metric(running, sponsor, name="Second"),
        line_metric(running, sponsor, name="Model", kind=MetricKind.MODEL),
    ]
    all_metrics = [primary(running), *extra]
    for metric in all_metrics:
        for n in range(per_metric):
            factories.ReadingFactory(
                metric=metric, observed_on=START + timedelta(days=n), value=Decimal(n)
            )

    with django_assert_num_queries(2):
        statuses = pilot_metric_statuses(running, today=date(2026, 2, 1))

    last = START + timedelta(days=per_metric - 1)
    assert sorted(s.metric.pk for s in statuses) == sorted(m.pk for m in all_metrics)
    assert {(s.latest.observed_on, s.latest.value) for s in statuses} == {
        (last, Decimal(per_metric - 1))
    }
