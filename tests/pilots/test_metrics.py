"""Metrics and readings through their services: the primary metric's goalposts, creating
metrics, recording and correcting readings."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from pilots.enums import Direction, MetricKind, ReadingSource
from pilots.errors import NotAllowed
from pilots.models import Metric, MetricReading, PilotEvent
from pilots.selectors.metrics import MetricStatus, pilot_metric_statuses
from pilots.services import metrics
from tests.pilots.metric_helpers import (
    at_utc,
    line_metric,
    metric_events,
    primary,
)


def status_of(metric: Metric, *, today: date) -> MetricStatus:
    statuses = {
        status.metric.pk: status for status in pilot_metric_statuses(metric.pilot, today=today)
    }
    return statuses[metric.pk]


# --- metric_update: the primary metric's goalposts ---------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("target", Decimal("50")),
        pytest.param("baseline", Decimal("5")),
        pytest.param("target_date", date(2026, 8, 1)),
    ],
)
@pytest.mark.parametrize("reason", ["", "   "])
def test_metric_update_locked_field_without_reason_refused(running, sponsor, field, value, reason):
    metric = primary(running)
    before = Metric.objects.filter(pk=metric.pk).values().get()

    with pytest.raises(ValidationError) as error:
        metrics.metric_update(metric=metric, by=sponsor, reason=reason, **{field: value})

    assert list(error.value.message_dict) == ["reason"]
    assert Metric.objects.filter(pk=metric.pk).values().get() == before
    metric.refresh_from_db()
    assert (metric.baseline, metric.target, metric.target_date) == (
        Decimal("10"),
        Decimal("40"),
        date(2026, 7, 5),
    )
    assert metric_events(running) == []


def test_metric_update_locked_field_with_reason_records_locked_change(running, sponsor):
    metric = primary(running)

    metrics.metric_update(
        metric=metric, by=sponsor, target=Decimal("50"), reason="  Finance re-baselined.  "
    )

    metric.refresh_from_db()
    assert metric.target == Decimal("50")
    [event] = metric_events(running)
    assert event.action == PilotEvent.Action.METRIC_LOCKED_CHANGE
    assert event.reason == "Finance re-baselined."
    assert event.changes == {"target": ["40", "50"]}
    assert (event.actor, event.subject) == (sponsor, metric.name)


def test_metric_update_target_date_with_reason_records_dates_as_strings(running, lead):
    metric = primary(running)

    metrics.metric_update(
        metric=metric, by=lead, target_date=date(2026, 8, 1), reason="Data feed late."
    )

    [event] = metric_events(running)
    assert event.action == PilotEvent.Action.METRIC_LOCKED_CHANGE
    assert event.changes == {"target_date": ["2026-07-05", "2026-08-01"]}


def test_metric_update_primary_stays_primary_while_running(running, sponsor):
    metric = primary(running)

    with pytest.raises(ValidationError) as error:
        metrics.metric_update(metric=metric, by=sponsor, kind=MetricKind.BUSINESS, reason="Why")

    assert list(error.value.message_dict) == ["kind"]
    assert Metric.objects.get(pk=metric.pk).kind == MetricKind.PRIMARY
    assert metric_events(running) == []


def test_metric_update_draft_primary_needs_no_reason(draft, sponsor):
    metric = primary(draft)

    metrics.metric_update(metric=metric, by=sponsor, target=Decimal("50"))

    assert Metric.objects.get(pk=metric.pk).target == Decimal("50")
    [event] = metric_events(draft)
    assert (event.action, event.reason, event.changes) == (
        PilotEvent.Action.METRIC_CHANGED,
        "",
        {"target": ["40", "50"]},
    )


def test_metric_update_unlocked_field_of_running_primary_needs_no_reason(running, sponsor):
    metric = primary(running)

    metrics.metric_update(metric=metric, by=sponsor, data_source="Lakehouse")

    assert Metric.objects.get(pk=metric.pk).data_source == "Lakehouse"
    [event] = metric_events(running)
    assert (event.action, event.reason, event.changes) == (
        PilotEvent.Action.METRIC_CHANGED,
        "",
        {"data_source": ["Warehouse", "Lakehouse"]},
    )


def test_metric_update_business_metric_target_of_running_pilot_is_a_contract_change(
    running, sponsor
):
    """Not the primary's locked goalposts, but the approved contract: a reason, no lock."""
    metric = Metric.objects.get(pk=line_metric(running, sponsor).pk)
    with pytest.raises(ValidationError) as refused:
        metrics.metric_update(metric=metric, by=sponsor, target=Decimal("90"))
    assert "The approved contract of" in refused.value.message_dict["reason"][0]

    metrics.metric_update(metric=metric, by=sponsor, target=Decimal("90"), reason="Scope cut.")

    assert Metric.objects.get(pk=metric.pk).target == Decimal("90")
    [event] = metric_events(running)
    assert (event.action, event.reason, event.changes) == (
        PilotEvent.Action.METRIC_CHANGED,
        "Scope cut.",
        {"target": ["100", "90"]},
    )


def test_metric_update_without_change_records_nothing(running, sponsor):
    metric = primary(running)

    metrics.metric_update(metric=metric, by=sponsor, target=Decimal("40"))

    assert metric_events(running) == []


@pytest.mark.parametrize("who", ["owner", "member", "outsider"])
def test_metric_update_by_non_editor_not_allowed(request, running, who):
    metric = primary(running)

    with pytest.raises(NotAllowed):
        metrics.metric_update(
            metric=metric, by=request.getfixturevalue(who), data_source="Lakehouse"
        )

    assert Metric.objects.get(pk=metric.pk).data_source == "Warehouse"


# --- metric_create -----------------------------------------------------------------


def test_metric_create_records_event(draft, sponsor):
    metric = line_metric(draft, sponsor)

    assert Metric.objects.get(pk=metric.pk).target == Decimal("100")
    event = draft.events.get(action=PilotEvent.Action.METRIC_ADDED)
    assert (event.actor, event.subject) == (sponsor, "Cases automated (Business metric)")


def test_metric_create_refuses_second_primary_on_draft(draft, sponsor):
    with pytest.raises(ValidationError) as error:
        line_metric(draft, sponsor, kind=MetricKind.PRIMARY)

    assert error.value.messages == ["This pilot already has a primary business metric."]
    assert draft.metrics.count() == 1
    assert not draft.events.filter(action=PilotEvent.Action.METRIC_ADDED).exists()


def test_metric_create_refuses_primary_on_running_pilot(running, sponsor):
    with pytest.raises(ValidationError) as error:
        line_metric(running, sponsor, kind=MetricKind.PRIMARY)

    assert list(error.value.message_dict) == ["kind"]
    assert running.metrics.count() == 1


def test_metric_create_refused_while_proposed(proposed, sponsor):
    with pytest.raises(ValidationError) as error:
        line_metric(proposed, sponsor)

    assert error.value.code == "stage_locked"
    assert proposed.metrics.count() == 1


@pytest.mark.parametrize("who", ["outsider", "member"])
def test_metric_create_by_non_editor_not_allowed(request, draft, who):
    with pytest.raises(NotAllowed):
        line_metric(draft, request.getfixturevalue(who))

    assert draft.metrics.count() == 1


def test_metric_create_not_allowed_is_permission_denied():
    assert issubclass(NotAllowed, PermissionDenied)


@pytest.mark.parametrize(
    ("direction", "baseline", "target"),
    [
        pytest.param(Direction.INCREASE, "10", "5", id="increasing-target-below-baseline"),
        pytest.param(Direction.INCREASE, "10", "10", id="increasing-target-at-baseline"),
        pytest.param(Direction.DECREASE, "10", "15", id="decreasing-target-above-baseline"),
    ],
)
def test_metric_create_target_must_be_beyond_baseline(draft, sponsor, direction, baseline, target):
    with pytest.raises(ValidationError) as error:
        line_metric(
            draft,
            sponsor,
            direction=direction,
            baseline=Decimal(baseline),
            target=Decimal(target),
        )

    assert error.value.messages == [
        "The target must be above the baseline when higher is better, "
        "and below it when lower is better."
    ]
    assert draft.metrics.count() == 1


# --- readings ----------------------------------------------------------------------

TODAY = date(2026, 2, 10)


@pytest.fixture
def on_today():
    # Noon in London (UTC+0 in February): the local date is TODAY.
    with time_machine.travel(at_utc(2026, 2, 10, 12, 0), tick=False):
        yield


def rows(metric: Metric) -> list[tuple]:
    return list(
        MetricReading.objects.filter(metric=metric).values_list(
            "observed_on", "value", "source", "recorded_by", "note"
        )
    )


@pytest.mark.usefixtures("on_today")
def test_reading_record_by_owner(running, owner):
    metric = primary(running)

    reading = metrics.reading_record(
        metric=metric, by=owner, observed_on=TODAY, value=Decimal("12.5"), note="First week"
    )

    assert (reading.source, reading.recorded_by) == (ReadingSource.WEB, owner)
    assert rows(metric) == [(TODAY, Decimal("12.5"), "web", owner.pk, "First week")]


@pytest.mark.usefixtures("on_today")
def test_reading_record_same_day_again_updates(running, owner, member):
    metric = primary(running)
    first = metrics.reading_record(
        metric=metric, by=owner, observed_on=date(2026, 2, 9), value=Decimal("12")
    )

    again = metrics.reading_record(
        metric=metric,
        by=member,
        observed_on=date(2026, 2, 9),
        value=Decimal("13"),
        source=ReadingSource.API,
    )

    assert again.pk == first.pk
    assert rows(metric) == [(date(2026, 2, 9), Decimal("13"), "api", member.pk, "")]


@pytest.mark.usefixtures("on_today")
def test_reading_record_future_date_refused(running, owner):
    metric = primary(running)

    with pytest.raises(ValidationError) as error:
        metrics.reading_record(
            metric=metric, by=owner, observed_on=TODAY + timedelta(days=1), value=Decimal("12")
        )

    assert list(error.value.message_dict) == ["observed_on"]
    assert rows(metric) == []


@pytest.mark.parametrize(
    ("zone", "instant", "allowed"),
    [
        # 2026-02-10 12:00 UTC is already 2026-02-11 01:00 in Auckland (NZDT, UTC+13).
        pytest.param("Pacific/Auckland", at_utc(2026, 2, 10, 12, 0), True, id="auckland"),
        # 2026-02-11 07:00 UTC is still 2026-02-10 23:00 in Los Angeles (PST, UTC-8).
        pytest.param("America/Los_Angeles", at_utc(2026, 2, 11, 7, 0), False, id="los-angeles"),
    ],
)
def test_reading_record_future_is_judged_on_the_local_date(running, owner, zone, instant, allowed):
    metric = primary(running)
    observed_on = date(2026, 2, 11)

    with override_settings(TIME_ZONE=zone), time_machine.travel(instant, tick=False):
        if allowed:
            metrics.reading_record(
                metric=metric, by=owner, observed_on=observed_on, value=Decimal("12")
            )
        else:
            with pytest.raises(ValidationError) as error:
                metrics.reading_record(
                    metric=metric, by=owner, observed_on=observed_on, value=Decimal("12")
                )
            assert list(error.value.message_dict) == ["observed_on"]

    assert len(rows(metric)) == (1 if allowed else 0)


@pytest.mark.usefixtures("on_today")
@pytest.mark.parametrize("who", ["sponsor", "outsider"])
def test_reading_record_by_non_recorder_not_allowed(request, running, who):
    metric = primary(running)

    with pytest.raises(NotAllowed):
        metrics.reading_record(
            metric=metric, by=request.getfixturevalue(who), observed_on=TODAY, value=Decimal("1")
        )

    assert rows(metric) == []


@pytest.mark.usefixtures("on_today")
def test_reading_record_on_draft_refused(draft, member):
    metric = primary(draft)

    with pytest.raises(ValidationError) as error:
        metrics.reading_record(metric=metric, by=member, observed_on=TODAY, value=Decimal("12"))

    assert error.value.code == "stage_locked"
    assert rows(metric) == []


@pytest.mark.usefixtures("on_today")
def test_reading_record_by_member(running, member):
    metric = primary(running)

    reading = metrics.reading_record(
        metric=metric, by=member, observed_on=TODAY, value=Decimal("14")
    )

    assert reading.recorded_by == member
    assert rows(metric) == [(TODAY, Decimal("14"), "web", member.pk, "")]


@pytest.mark.usefixtures("on_today")
def test_reading_delete_by_owner(running, owner):
    metric = primary(running)
    kept = metrics.reading_record(
        metric=metric, by=owner, observed_on=date(2026, 2, 2), value=Decimal("11")
    )
    reading = metrics.reading_record(
        metric=metric, by=owner, observed_on=TODAY, value=Decimal("12")
    )

    metrics.reading_delete(reading=reading, by=owner)

    assert list(MetricReading.objects.filter(metric=metric).values_list("pk", flat=True)) == [
        kept.pk
    ]


@pytest.mark.usefixtures("on_today")
def test_reading_delete_by_outsider_not_allowed(running, owner, outsider):
    metric = primary(running)
    reading = metrics.reading_record(
        metric=metric, by=owner, observed_on=TODAY, value=Decimal("12")
    )

    with pytest.raises(NotAllowed):
        metrics.reading_delete(reading=reading, by=outsider)

    assert rows(metric) == [(TODAY, Decimal("12"), "web", owner.pk, "")]


def test_metric_update_refused_leaves_the_callers_instance_unchanged(running, sponsor):
    metric = primary(running)
    before = metric.target

    with pytest.raises(ValidationError):
        metrics.metric_update(metric=metric, by=sponsor, target=before + 10)

    assert metric.target == before
