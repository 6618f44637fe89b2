"""The Celery app's start-up hooks (config/celery.py)."""

from __future__ import annotations

from unittest import mock

from celery.signals import beat_init

from config.celery import app


def test_beat_sends_the_heartbeat_as_it_starts_not_a_minute_later():
    with mock.patch.object(app, "send_task") as send_task:  # the broker lives outside
        beat_init.send(sender=None)
    send_task.assert_called_once_with("pilots.heartbeat_record", kwargs={"source": "beat"})
    assert app.conf.beat_schedule["heartbeat"]["schedule"] == 60.0  # and every minute after


def test_beat_runs_the_scheduler_that_records_beat_itself_for_the_health_page():
    assert app.conf.beat_scheduler == "config.celery:Scheduler"
