"""Two sweeps of the same day racing on PostgreSQL send each reminder exactly once."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date
from unittest import mock

import pytest
from django.core import mail
from django.db import connection

from pilots.enums import ReminderStatus
from pilots.models import Reminder
from pilots.reminders import delivery, rules, sweep
from tests import factories
from tests.services import require_postgresql

DAY = date(2026, 7, 6)  # every reminder of factories.due_portfolio() is due


def race(n: int, work) -> list[object]:
    """Run ``work()`` in ``n`` threads released at the same moment; return their results."""
    barrier = threading.Barrier(n)
    results: list[object] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(work())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def due_portfolio(n: int) -> None:
    require_postgresql()
    factories.lead_user("lead")
    factories.due_portfolio(
        n,
        sponsor=factories.sponsor_user(),
        owner=factories.UserFactory(username="owner"),
        assignee=factories.UserFactory(username="member"),
    )


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_parallel_sweeps_of_the_same_day_send_each_reminder_once():
    due_portfolio(40)
    expected = len(rules.reminders_due(DAY))
    assert expected == 5 * 40

    results = race(4, lambda: sweep.reminders_sweep(day=DAY, deliver="inline"))

    recorded = [len(result.reminder_ids) for result in results]
    assert sum(recorded) == expected  # the rows were split between the sweeps, none twice
    sent = Counter((message.to[0], message.subject) for message in mail.outbox)
    assert len(mail.outbox) == expected
    assert set(sent.values()) == {1}
    assert Reminder.objects.count() == expected
    assert set(Reminder.objects.values_list("status", flat=True)) == {ReminderStatus.EMAILED}


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_parallel_deliveries_of_one_reminder_send_one_email():
    """A redelivered task racing the original: the claim lets exactly one of them send."""
    due_portfolio(1)
    with mock.patch.object(sweep, "enqueue_deliveries"):  # recorded, not yet delivered
        result = sweep.reminders_sweep(day=DAY)
    reminder_id = result.reminder_ids[0]

    outcomes = race(4, lambda: delivery.reminder_deliver(reminder_id=reminder_id))

    assert sorted(outcomes) == ["emailed", "skipped", "skipped", "skipped"]
    assert len(mail.outbox) == 1
