"""A task really runs in a separate worker process over Redis (not eagerly)."""

from __future__ import annotations

import os
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from config.celery import app
from pilots.enums import OwnershipStatus, ReminderKind, ReminderStatus, Stage
from pilots.models import Heartbeat, Reminder
from pilots.reminders import channels, delivery, rules
from pilots.tasks import heartbeat_record
from tests import factories
from tests.integration.processes import celery, database_url, solo_worker
from tests.services import redis_broker_url, require_postgresql


def test_broker_redelivery_outlasts_every_task_time_limit_and_retry_countdown():
    """Redis re-delivers unacknowledged tasks after the visibility timeout: it must be longer
    than any task may run plus the longest countdown it may wait for (a retry)."""
    from pilots.reminders import tasks

    app.loader.import_default_modules()
    timeout = app.conf.broker_transport_options["visibility_timeout"]
    ours = {
        name: task
        for name, task in app.tasks.items()
        if name.startswith(("pilots.", "scorecards."))
    }
    assert {
        "pilots.reminders_sweep",
        "pilots.reminder_deliver",
        "pilots.reminders_redeliver",
        "pilots.channel_deliver",
    } <= set(ours)
    for name, task in ours.items():
        hard_limit = task.time_limit or app.conf.task_time_limit
        assert hard_limit, f"{name} has no time limit"
        assert hard_limit + tasks.RETRY_MAX_SECONDS < timeout, name
    # A delivery's claim outlives the delivery task, so a live send is never taken over.
    assert ours["pilots.reminder_deliver"].time_limit < delivery.CLAIM_TIMEOUT.total_seconds()
    assert ours["pilots.channel_deliver"].time_limit < delivery.CLAIM_TIMEOUT.total_seconds()
    # A hung webhook fails the attempt before the task's soft time limit.
    assert ours["pilots.channel_deliver"].soft_time_limit > channels.POST_TIMEOUT
    assert delivery.REDELIVER_AFTER.total_seconds() > tasks.RETRY_MAX_SECONDS
    # A hung mail server fails the attempt before the task's soft time limit.
    assert ours["pilots.reminder_deliver"].soft_time_limit > settings.EMAIL_TIMEOUT
    assert settings.CELERY_TASK_ACKS_LATE
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_task_round_trip_through_a_real_worker_on_redis(tmp_path):
    require_postgresql()
    broker = redis_broker_url()
    queue = f"test-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),  # the test database, so both sides see the row
        "CELERY_BROKER_URL": broker,
    }
    worker = solo_worker(queue, env, tmp_path / "worker.log")
    try:
        heartbeat_record.apply_async(kwargs={"source": queue}, queue=queue)
        deadline = time.monotonic() + 60
        beat = None
        while time.monotonic() < deadline and beat is None:
            beat = Heartbeat.objects.filter(source=queue).first()
            if beat is None:
                assert worker.poll() is None, (tmp_path / "worker.log").read_text()
                time.sleep(0.25)
        assert beat is not None, "no worker ran the task: " + (tmp_path / "worker.log").read_text()
        assert beat.pid == worker.pid  # the solo pool runs tasks in the worker process itself
        assert beat.pid != os.getpid()
        assert app.conf.task_always_eager is False
    finally:
        worker.terminate()
        worker.wait(timeout=30)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_beat_and_worker_on_redis_email_a_reminder_once(tmp_path):
    """Two beats (one too many) fire the sweep every 2 s; a worker emails into files.

    Each reminder arrives exactly once, however many sweeps ran.
    """
    require_postgresql()
    broker = redis_broker_url()
    queue = f"test-{uuid.uuid4().hex[:12]}"
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    today = timezone.localdate()
    sponsor = factories.sponsor_user("sponsor")
    owner = factories.UserFactory(username="owner")
    pilot = factories.PilotFactory(
        sponsor=sponsor,
        owner=owner,
        owner_status=OwnershipStatus.ACCEPTED,
        owner_responded_at=timezone.now(),
        stage=Stage.RUNNING,
        planned_start=today - timedelta(days=90),
        started_on=today - timedelta(days=90),
        planned_end=today - timedelta(days=1),  # ended yesterday: a decision is overdue
        receiving_team="Operations",
    )
    factories.ReadingFactory(metric=factories.MetricFactory(pilot=pilot), observed_on=today)
    # Due next week: not overdue even if the test runs across local midnight.
    factories.TaskFactory(pilot=pilot, assignee=owner, due_on=today + timedelta(days=7))
    assert {(d.kind, d.recipient_id) for d in rules.reminders_due(today)} == {
        (ReminderKind.DECISION_OVERDUE, sponsor.pk)
    }

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_READ_DOT_ENV_FILE": "false",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": database_url(),  # the test database, so both sides see the rows
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_DEFAULT_QUEUE": queue,  # nothing else on this Redis takes our tasks
        "EMAIL_URL": f"filemail:///{outbox}",
        "TIME_ZONE": settings.TIME_ZONE,
        "PILOTGATE_REMINDERS_EVERY_SECONDS": "2",
    }
    processes = [
        celery(
            ["worker", "--pool=solo", "--without-gossip", "--without-mingle", "-n", f"{queue}@%h"],
            env,
            tmp_path / "worker.log",
        ),
        *(
            celery(
                ["beat", "--schedule", str(tmp_path / f"beat{i}-schedule"), "--loglevel=INFO"],
                env,
                tmp_path / f"beat{i}.log",
            )
            for i in (1, 2)
        ),
    ]

    def logs() -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()}" for p in sorted(tmp_path.glob("*.log")))

    def sweeps_sent(beat: int) -> int:
        return (tmp_path / f"beat{beat}.log").read_text().count("pilots.reminders_sweep")

    try:
        deadline = time.monotonic() + 90
        emails: list[Path] = []
        # Wait for the email, and for each beat to have fired the sweep at least 3 times.
        while time.monotonic() < deadline and not (
            emails and sweeps_sent(1) >= 3 and sweeps_sent(2) >= 3
        ):
            assert all(process.poll() is None for process in processes), logs()
            time.sleep(0.5)
            emails = sorted(outbox.glob("*.log"))
        assert emails, "no email arrived:\n" + logs()
        assert sweeps_sent(1) >= 3, logs()
        assert sweeps_sent(2) >= 3, logs()
        time.sleep(3)  # let the last sweeps finish: they must not send again

        messages = [
            message
            for path in sorted(outbox.glob("*.log"))
            for message in path.read_text().split("-" * 79)
            if message.strip()
        ]
        assert len(messages) == 1, messages
        assert f"To: {sponsor.email}" in messages[0]
        assert pilot.reference in messages[0]
        assert "has no graduate or stop decision" in messages[0]
        assert "Content-Type: text/html" in messages[0]
        reminder = Reminder.objects.get()
        assert (reminder.kind, reminder.recipient_id) == (ReminderKind.DECISION_OVERDUE, sponsor.pk)
        assert reminder.status == ReminderStatus.EMAILED
        assert reminder.attempts == 1
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
