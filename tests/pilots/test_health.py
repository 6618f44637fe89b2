"""/health/: 503, naming the part, when beat and the workers fall silent or the outbox is stuck."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from pilots.frame import health
from pilots.models import Heartbeat, OutboxMessage

pytestmark = pytest.mark.django_db


def beat_seen(ago: timedelta, *, scheduler: timedelta | None = None) -> None:
    """Beat's heartbeat task last run by a worker ``ago``; beat itself alive ``scheduler`` ago."""
    Heartbeat.objects.create(source="beat", hostname="w1", pid=1, seen_at=timezone.now() - ago)
    Heartbeat.objects.create(
        source="beat-scheduler",
        hostname="b1",
        pid=2,
        seen_at=timezone.now() - (timedelta(seconds=10) if scheduler is None else scheduler),
    )


@pytest.fixture
def watching_for_long(monkeypatch):
    """This web process started long ago: no grace left for a silent worker."""
    monkeypatch.setattr(health, "WATCHING_SINCE", timezone.now() - timedelta(hours=1))


def test_a_recent_heartbeat_and_an_empty_outbox_are_healthy(client, watching_for_long):
    beat_seen(timedelta(seconds=50))
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["worker"]["status"] == "ok"
    assert 50 <= body["worker"]["silent_seconds"] < 60
    assert body["beat"]["status"] == "ok"
    assert body["outbox"] == {"status": "ok", "pending": 0, "oldest_pending_seconds": 0}
    assert body["max_silence_seconds"] == 300


def test_a_heartbeat_silent_for_more_than_the_limit_is_503_naming_the_worker(
    client, watching_for_long
):
    beat_seen(timedelta(seconds=301))
    response = client.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["failing"] == ["worker"]
    assert body["worker"]["status"] == "silent"
    assert body["worker_last_seen"] is not None


def test_no_heartbeat_ever_is_503_once_the_grace_has_passed(client, watching_for_long):
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["failing"] == ["beat"]


def test_a_silent_beat_is_named_and_the_workers_state_unknown(client, watching_for_long):
    beat_seen(timedelta(seconds=400), scheduler=timedelta(seconds=400))
    response = client.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["beat"]
    assert body["beat"]["status"] == "silent"
    assert body["worker"]["status"] == "unknown"


@pytest.mark.django_db(transaction=True)  # beat runs in autocommit, as here
def test_beats_scheduler_records_that_beat_is_alive():
    from config.celery import Scheduler

    Scheduler.mark_alive()
    Scheduler.mark_alive()
    beat = Heartbeat.objects.get(source="beat-scheduler")
    assert timezone.now() - beat.seen_at < timedelta(seconds=5)


def test_a_fresh_start_has_the_same_grace_even_with_an_old_heartbeat(client, monkeypatch):
    """A restart after a pause: the old heartbeat is not held against the new processes."""
    monkeypatch.setattr(health, "WATCHING_SINCE", timezone.now() - timedelta(seconds=30))
    beat_seen(timedelta(days=2))
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json()["worker"]["status"] == "ok"
    monkeypatch.setattr(health, "WATCHING_SINCE", timezone.now() - timedelta(seconds=301))
    assert client.get("/health/").status_code == 503


def test_an_outbox_task_waiting_longer_than_the_limit_is_503_naming_the_outbox(
    client, watching_for_long
):
    beat_seen(timedelta(seconds=10))
    OutboxMessage.objects.create(task="scorecards.recompute", kwargs={"pilot_ids": [1]})
    assert client.get("/health/").status_code == 200  # pending, but young
    OutboxMessage.objects.create(
        task="scorecards.recompute",
        kwargs={"pilot_ids": [2]},
        created_at=timezone.now() - timedelta(seconds=400),
    )
    OutboxMessage.objects.create(  # relayed long ago: not a backlog
        task="scorecards.recompute",
        kwargs={"pilot_ids": [3]},
        created_at=timezone.now() - timedelta(hours=2),
        relayed_at=timezone.now() - timedelta(hours=2),
    )
    response = client.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["outbox"]
    assert body["outbox"]["status"] == "stuck"
    assert body["outbox"]["pending"] == 2
    assert 400 <= body["outbox"]["oldest_pending_seconds"] < 410


def test_the_limit_is_a_setting(client, watching_for_long, settings):
    settings.PILOTGATE_HEALTH_MAX_SILENCE_SECONDS = 30
    beat_seen(timedelta(seconds=45))
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["max_silence_seconds"] == 30
