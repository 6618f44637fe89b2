"""A decline after graduation is pushed: the owners once per decline, the sponsor and the
leads once it has lasted the escalation weeks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from unittest import mock

import pytest
import time_machine

from pilots.enums import MetricKind, ReminderKind
from pilots.models import Pilot, Reminder
from pilots.reminders import sweep
from pilots.reminders.rules import reminders_due
from pilots.reminders.sweep import reminders_sweep
from tests import factories
from tests.pilots.reminder_helpers import due, forget_notifications
from tests.pilots.test_reminder_rules import graduate

K = ReminderKind
GRADUATED = date(2026, 7, 6)


def read(pilot: Pilot, day: date, value: str | int) -> None:
    factories.ReadingFactory(
        metric=pilot.metrics.get(kind=MetricKind.PRIMARY), observed_on=day, value=Decimal(value)
    )


def weekly(pilot: Pilot, *values: str | int, first: date = GRADUATED + timedelta(weeks=1)):
    """Weekly readings from ``first``; returns the day of each."""
    days = [first + timedelta(weeks=n) for n in range(len(values))]
    for day, value in zip(days, values, strict=True):
        read(pilot, day, value)
    return days


@pytest.fixture
def graduated(running, ops):
    """Graduated on 6 Jul 2026 at 40 (baseline 10, target 40; operations owner ops)."""
    for days, value in [(14, 39), (7, 40), (0, 40)]:
        read(running, GRADUATED - timedelta(days=days), value)
    graduate(running, datetime(2026, 7, 6, 15, tzinfo=UTC))
    return running


def test_degrading_to_the_business_owner_and_the_operations_owner_with_since_and_how_much(
    graduated, lead
):
    days = weekly(graduated, 40, 34, 34)  # 13, 20 and 27 Jul
    assert due(days[1], K.DEGRADING) == set()  # one low reading: not yet
    assert due(days[2], K.DEGRADING) == {"owner", "ops"}
    assert due(days[2], K.DEGRADING_ESCALATED) == set()
    (item, _) = [i for i in reminders_due(days[2]) if i.kind == K.DEGRADING]
    assert item.reason == (
        f"{graduated.reference}: “{graduated.metrics.get().name}” has fallen back since 27 Jul "
        "2026: 34 cases a day (the median of its last 3 readings) against 40 cases a day at "
        "graduation, 20% of the way from baseline to target lost."
    )
    assert item.link == f"/pilots/{graduated.reference}/#metrics"
    assert item.period == "D2026-07-27"


def test_one_noisy_reading_is_not_told(graduated):
    days = weekly(graduated, 40, 25, 40, 41)
    for day in days:
        assert due(day, K.DEGRADING) == set()


def test_told_once_per_decline_whatever_the_sweeps_and_again_after_a_recovery(graduated, lead):
    forget_notifications()
    days = weekly(graduated, 34, 34, 34)
    with mock.patch.object(sweep, "enqueue_deliveries"):
        swept = reminders_sweep(day=days[2]).reminder_ids
        assert Reminder.objects.filter(pk__in=swept, kind=K.DEGRADING).count() == 2
        # Every day of the next weeks: the same decline, nothing new to the owners.
        for n in range(1, 13):
            reminders_sweep(day=days[2] + timedelta(days=n))
        assert Reminder.objects.filter(kind=K.DEGRADING).count() == 2
        # A recovery, then a new decline: told again, under the new decline's day.
        later = weekly(graduated, 40, 40, 33, 33, first=days[2] + timedelta(weeks=1))
        assert due(later[1], K.DEGRADING) == set()
        reminders_sweep(day=later[3])
    periods = sorted(Reminder.objects.filter(kind=K.DEGRADING).values_list("period", flat=True))
    assert periods == ["D2026-07-27"] * 2 + [f"D{later[3].isoformat()}"] * 2


def test_escalated_to_the_sponsor_and_the_leads_once_it_lasts_the_weeks(graduated, lead, lead2):
    forget_notifications()
    days = weekly(graduated, 34, 34, 34, 34, 34)  # found on 27 Jul, the third reading
    found = days[2]
    assert due(found + timedelta(days=13), K.DEGRADING_ESCALATED) == set()
    assert due(found + timedelta(days=14), K.DEGRADING_ESCALATED) == {"sponsor", "lead", "lead2"}
    with mock.patch.object(sweep, "enqueue_deliveries"):
        for n in range(14, 30):
            reminders_sweep(day=found + timedelta(days=n))
    escalated = Reminder.objects.filter(kind=K.DEGRADING_ESCALATED)
    assert escalated.count() == 3
    assert "2 weeks without a recovery" in escalated.first().reason


def test_the_escalation_weeks_are_a_setting(graduated, lead, settings):
    settings.PILOTGATE_DEGRADING_ESCALATION_WEEKS = 3
    found = weekly(graduated, 34, 34, 34, 34, 34)[2]
    assert due(found + timedelta(weeks=2), K.DEGRADING_ESCALATED) == set()
    assert due(found + timedelta(weeks=3), K.DEGRADING_ESCALATED) == {"sponsor", "lead"}


def test_only_while_in_operation_and_not_to_an_owner_who_has_not_accepted(graduated, ops):
    days = weekly(graduated, 34, 34, 34)
    assert due(GRADUATED + timedelta(days=366), K.DEGRADING) == set()  # the year is over
    Pilot.objects.filter(pk=graduated.pk).update(owner_status="pending")
    assert due(days[2], K.DEGRADING) == {"ops"}


def test_recovered_before_delivery_is_not_emailed(graduated, lead):
    """The delivery asks the rule again: a reading that ends the decline cancels it."""
    forget_notifications()
    days = weekly(graduated, 34, 34, 34)
    with mock.patch.object(sweep, "enqueue_deliveries"):
        swept = reminders_sweep(day=days[2]).reminder_ids
    # (Its idle owner also makes it orphaned: that reminder is another rule's.)
    ids = list(Reminder.objects.filter(pk__in=swept, kind=K.DEGRADING).values_list("pk", flat=True))
    assert len(ids) == 2
    read(graduated, days[2] - timedelta(days=2), 40)  # late readings: it was back up
    read(graduated, days[2] - timedelta(days=1), 40)
    from pilots.reminders.delivery import reminder_deliver

    assert {reminder_deliver(reminder_id=pk) for pk in ids} == {"cancelled"}


# --- The pilot page -------------------------------------------------------------------------


def test_the_pilot_page_says_since_when_and_by_how_much_and_marks_the_graduation_level(
    client, graduated, owner
):
    days = weekly(graduated, 40, 34, 34)
    client.force_login(owner)
    with time_machine.travel(datetime(2026, 7, 28, 9, tzinfo=UTC)):
        html = client.get(f"/pilots/{graduated.reference}/").content.decode()
    assert '<div class="callout-box degrading" id="degrading" role="status">' in html
    assert (
        f"has fallen back since {days[2].day} Jul 2026: 34 cases a day (the median of its last "
        "3 readings) against 40 cases a day at graduation, 20% of the way from baseline to "
        "target lost." in html
    )
    assert "if it lasts 2 weeks (on 10 Aug 2026), the sponsor and the portfolio leads" in html
    assert 'class="chart-graduation"' in html
    assert "Level at graduation" in html


def test_the_pilot_page_of_a_graduated_pilot_holding_its_level_marks_it_without_a_callout(
    client, graduated, owner
):
    weekly(graduated, 40, 25, 41)  # one noisy week
    client.force_login(owner)
    with time_machine.travel(datetime(2026, 7, 28, 9, tzinfo=UTC)):
        html = client.get(f"/pilots/{graduated.reference}/").content.decode()
    assert 'id="degrading"' not in html
    assert 'class="chart-graduation"' in html


def test_a_running_pilots_page_has_no_graduation_level(client, running, owner):
    client.force_login(owner)
    html = client.get(f"/pilots/{running.reference}/").content.decode()
    assert "chart-graduation" not in html
    assert 'id="degrading"' not in html
