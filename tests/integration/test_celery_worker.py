"""A task really runs in a separate worker process over Redis (not eagerly)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app
from pilots.models import Heartbeat
from pilots.tasks import heartbeat_record
from tests.services import redis_broker_url, require_postgresql

ROOT = Path(__file__).resolve().parents[2]


def test_broker_redelivery_outlasts_every_task_time_limit():
    """Redis re-delivers unacknowledged tasks after the visibility timeout: it must be longer."""
    from config.settings import base

    timeout = base.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    if base.CELERY_BROKER_URL.startswith("filesystem://"):
        timeout = 2 * 60 * 60  # the Redis branch's value, checked the same way
    assert timeout > settings.CELERY_TASK_TIME_LIMIT
    assert settings.CELERY_TASK_ACKS_LATE
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1


def _database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_task_round_trip_through_a_real_worker_on_redis(tmp_path):
    require_postgresql()
    broker = redis_broker_url()
    queue = f"test-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),  # the test database, so both sides see the row
        "CELERY_BROKER_URL": broker,
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--queues",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
            "--hostname",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=(tmp_path / "worker.log").open("w"),
        stderr=subprocess.STDOUT,
    )
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
