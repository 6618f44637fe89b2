"""A worker SIGKILLed while its sends are in flight: every reminder still goes out, soon.

Its own Redis, its own SMTP sink (which holds its answer so that the sends are
in flight), a real prefork worker on the test's PostgreSQL database: queue the
reminders, kill the worker and its pool with SIGKILL while three sends wait
for the server's answer, start a new worker and beat, and measure how long
until every reminder is emailed and how many arrived twice.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from datetime import date

import pytest
from django.conf import settings

from config.celery import app
from pilots.enums import ReminderStatus
from pilots.models import Reminder
from pilots.reminders import delivery, rules
from tests import factories
from tests.integration.faults import (
    Processes,
    RedisServer,
    SmtpSink,
    celery_env,
    children,
    wait_for,
)
from tests.services import require_postgresql

DAY = date(2026, 7, 6)  # every reminder of factories.due_portfolio() is due
CONCURRENCY = 3  # the sends in flight at the kill
DEADLINE = 5 * 60  # the promise: every reminder within 5 minutes of the death


def test_the_production_settings_redeliver_a_dead_workers_sends_within_5_minutes():
    """The arithmetic behind the promise, with the defaults (the test below uses seconds).

    A send's claim is at most the delivery task's hard time limit old while it is
    alive; once its worker is dead, the claim expires CLAIM_TIMEOUT after it was
    taken (at the latest, at the death), the redelivery job finds it within one
    interval, and the new delivery takes at most one task time limit.
    """
    app.loader.import_default_modules()
    deliver = app.tasks["pilots.reminder_deliver"]
    claim = delivery.CLAIM_TIMEOUT.total_seconds()
    every = app.conf.beat_schedule["reminders-redeliver"]["schedule"]
    assert (claim, every) == (120, 60)  # the defaults
    assert deliver.time_limit < claim  # a live send is never taken over
    assert deliver.soft_time_limit > settings.EMAIL_TIMEOUT  # a hung server fails first
    worst = claim + every + deliver.time_limit
    assert worst == 240 <= DEADLINE


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_every_reminder_delivered_within_5_minutes(tmp_path):
    require_postgresql()  # before any process starts: a skip must leave none running
    redis = RedisServer(tmp_path / "redis.log")
    factories.lead_user("lead")
    factories.due_portfolio(
        4,
        sponsor=factories.sponsor_user(),
        owner=factories.UserFactory(username="owner"),
        assignee=factories.UserFactory(username="member"),
    )
    expected = len(rules.reminders_due(DAY))
    assert expected == 20

    redis.start()
    with SmtpSink() as sink:
        processes = Processes(
            tmp_path,
            {
                **_env(redis.url, sink.url),
                # Seconds, not minutes, so that the test takes seconds.
                "PILOTGATE_DELIVERY_CLAIM_TIMEOUT_SECONDS": "3",
                "PILOTGATE_REDELIVER_EVERY_SECONDS": "1",
                "PILOTGATE_OUTBOX_RELAY_EVERY_SECONDS": "1",
            },
        )
        try:
            sink.stall.set()
            first = processes.worker("first", concurrency=CONCURRENCY)
            queued = processes.manage("send_reminders", "--date", str(DAY), "--queue")
            assert queued.returncode == 0, queued.stdout + queued.stderr + processes.logs()
            assert f"Queued {expected} emails for the Celery workers." in queued.stdout

            # Every pool process is waiting for the server's answer to its message.
            wait_for(
                "3 sends in flight", lambda: sink.in_flight == CONCURRENCY, 120, processes.logs
            )
            sending = Reminder.objects.filter(status=ReminderStatus.SENDING).count()
            in_flight = sink.in_flight
            pool = children(first.pid)
            assert len(pool) == CONCURRENCY
            for pid in [first.pid, *pool]:  # the worker and its pool die at once (OOM, kill -9)
                os.kill(pid, signal.SIGKILL)
            killed = time.monotonic()
            first.wait(timeout=10)
            wait_for("the pool gone", lambda: not any(_alive(p) for p in pool), 10, processes.logs)
            assert sending == in_flight == CONCURRENCY
            sink.stall.clear()  # the mail server answers again; the dead workers hear nothing

            processes.worker("second", concurrency=2)
            processes.beat()
            emailed = Reminder.objects.filter(status=ReminderStatus.EMAILED)
            wait_for(
                "every reminder emailed",
                lambda: emailed.count() == expected,
                DEADLINE,
                processes.logs,
            )
            delivered_after = time.monotonic() - killed
        finally:
            processes.stop()
            redis.stop()

        received = sink.received()
        duplicates = sum(received.values()) - len(received)
        print(
            f"\nworker killed mid-send: {expected} reminders, {in_flight} sends in flight "
            f"(concurrency {CONCURRENCY}); every reminder emailed {delivered_after:.1f} s after "
            f"the kill (claim time-out 3 s, redelivery every 1 s); {sum(received.values())} "
            f"messages at the sink, {duplicates} duplicates"
        )
    assert len(received) == expected  # every reminder reached the mail server
    assert duplicates <= in_flight  # at most one more per send in flight
    assert delivered_after < DEADLINE
    assert set(Reminder.objects.values_list("status", flat=True)) == {ReminderStatus.EMAILED}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _env(broker: str, email_url: str) -> dict[str, str]:
    return celery_env(broker=broker, queue=f"kill-{uuid.uuid4().hex[:10]}", email_url=email_url)
