"""The Celery app and its beat schedule: the one place periodic jobs are scheduled."""

import logging
import os
import socket
import time
from typing import Any

from celery import Celery
from celery.beat import PersistentScheduler
from celery.schedules import crontab
from celery.signals import beat_init, worker_process_init
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

log = logging.getLogger(__name__)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("pilotgate")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# After configuration: reading ``sender.conf`` while it is being loaded
# (on_configure) would load it again, endlessly.
@app.on_after_configure.connect
def _create_filesystem_broker_folders(sender: Celery, **kwargs: object) -> None:
    """kombu's filesystem transport (the embedded default) needs its folders to exist."""
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if key in options:
            os.makedirs(options[key], exist_ok=True)


@worker_process_init.connect
def _leave_the_workers_process_group(**kwargs: object) -> None:
    """Put each pool process in a process group of its own.

    A stop signal for the worker's group (honcho's SIGTERM when `make run` is
    stopped, a supervisor's "stop as group") then reaches only the main process,
    which lets running tasks finish and stops its pool itself: SIGTERM straight
    to a pool process would kill its task mid-way (WorkerLostError). Celery
    already has the kernel kill a pool process whose main process dies.
    """
    os.setpgid(0, 0)


# Periodic jobs: the one place they are scheduled. Each is safe to run twice
# (a second beat by mistake sends nothing twice). Times come from settings,
# read once Celery has loaded its configuration (not at import time).
@app.on_after_configure.connect
def _schedule_periodic_jobs(sender: Celery, **kwargs: object) -> None:
    reminders: float | crontab
    if settings.PILOTGATE_REMINDERS_EVERY_SECONDS:
        reminders = float(settings.PILOTGATE_REMINDERS_EVERY_SECONDS)
    else:
        hour, minute = settings.PILOTGATE_REMINDERS_AT
        reminders = crontab(hour=hour, minute=minute)  # in CELERY_TIMEZONE = TIME_ZONE
    sender.conf.beat_schedule = {
        # Proves to operators (health page, admin) that beat and a worker are alive.
        "heartbeat": {
            "task": "pilots.heartbeat_record",
            "schedule": 60.0,
            "kwargs": {"source": "beat"},
        },
        # The day's reminders (pilots.reminders).
        "reminders": {"task": "pilots.reminders_sweep", "schedule": reminders},
        # Digests (pilots.reminders.digests): each person's held reminders in one email.
        "digests-daily": {
            "task": "pilots.digests_record",
            "schedule": crontab(hour=settings.PILOTGATE_DIGEST_HOUR, minute=0),
            "kwargs": {"cadence": "daily"},
        },
        "digests-weekly": {
            "task": "pilots.digests_record",
            "schedule": crontab(hour=settings.PILOTGATE_DIGEST_HOUR, minute=0, day_of_week=1),
            "kwargs": {"cadence": "weekly"},
        },
        **(
            {
                # The leads' portfolio digest (pilots.reminders.portfolio).
                "portfolio-digest": {
                    "task": "pilots.portfolio_digests_record",
                    "schedule": crontab(
                        hour=settings.PILOTGATE_DIGEST_HOUR, minute=0, day_of_week=1
                    ),
                }
            }
            if settings.PILOTGATE_PORTFOLIO_DIGEST
            else {}
        ),
        # Every scorecard for the new day (time moves reasons), and the weekly snapshot.
        "scorecards-nightly": {
            "task": "scorecards.nightly",
            "schedule": crontab(
                hour=settings.PILOTGATE_SCORECARDS_AT[0], minute=settings.PILOTGATE_SCORECARDS_AT[1]
            ),
        },
        # Scorecards a lost refresh (or a deactivated owner) left out of date.
        "scorecards-catch-up": {"task": "scorecards.catch_up", "schedule": 15 * 60.0},
        # Re-queues reminders whose delivery was lost (a worker killed mid-send:
        # within the claim time-out + this interval); the claim in the database
        # keeps it to one email, bar one duplicate per send in flight.
        "reminders-redeliver": {
            "task": "pilots.reminders_redeliver",
            "schedule": float(settings.PILOTGATE_REDELIVER_EVERY_SECONDS),
        },
        # Hands the broker the tasks the outbox still holds (recorded while the
        # broker was down): beat's send of this job fails while the broker is
        # down too, and its next one after the broker's return relays them.
        "outbox-relay": {
            "task": "pilots.outbox_relay",
            "schedule": float(settings.PILOTGATE_OUTBOX_RELAY_EVERY_SECONDS),
        },
    }


@beat_init.connect
def _heartbeat_as_beat_starts(**kwargs: object) -> None:
    """Send the heartbeat as beat starts: its schedule would first send it a minute
    later, and until a worker has run it /health/ reports no worker."""
    heartbeat = app.conf.beat_schedule["heartbeat"]
    app.send_task(heartbeat["task"], kwargs=heartbeat["kwargs"])


class Scheduler(PersistentScheduler):
    """Beat's scheduler (``CELERY_BEAT_SCHEDULER``), which also records that beat is alive.

    The heartbeat task proves beat, the broker and a worker together; this
    row (source ``beat-scheduler``, written by beat itself at most every 30 s)
    lets ``/health/`` tell a silent beat from silent workers.
    """

    marked_at = 0.0

    def tick(self, *args: Any, **kwargs: Any) -> float:
        if time.monotonic() - self.marked_at >= 30:
            self.marked_at = time.monotonic()
            self.mark_alive()
        return super().tick(*args, **kwargs)

    @staticmethod
    def mark_alive() -> None:
        from pilots.models import Heartbeat

        try:
            close_old_connections()  # beat runs for months: a connection may have gone
            Heartbeat.objects.update_or_create(
                source="beat-scheduler",
                defaults={
                    "hostname": socket.gethostname(),
                    "pid": os.getpid(),
                    "seen_at": timezone.now(),
                },
            )
        except Exception:  # beat must keep scheduling whatever the database does
            log.exception("beat could not record that it is alive")
