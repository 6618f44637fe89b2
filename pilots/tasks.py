"""Celery tasks of the pilots app: thin adapters around services (keyword-only ids).

Every task is safe to run twice: the worker acknowledges late and re-queues a
task whose worker died, and beat may by mistake run twice. Time limits and
retry countdowns stay well inside the broker's visibility timeout (tested).
The reminder tasks live with the reminders (``pilots.reminders.tasks``) and are
imported here so that Celery's autodiscovery registers them.
"""

from __future__ import annotations

import os
import socket

from celery import shared_task
from django.utils import timezone

from pilots.accounts.tasks import password_reset_send
from pilots.models import Heartbeat
from pilots.reminders.tasks import (
    channel_deliver,
    reminder_deliver,
    reminders_redeliver,
    reminders_sweep,
)
from pilots.services.outbox import outbox_relay_pending

__all__ = [
    "channel_deliver",
    "heartbeat_record",
    "outbox_relay",
    "password_reset_send",
    "reminder_deliver",
    "reminders_redeliver",
    "reminders_sweep",
]


@shared_task(name="pilots.heartbeat_record")
def heartbeat_record(*, source: str) -> None:
    """Record that a worker ran a task now (beat sends one every minute)."""
    Heartbeat.objects.update_or_create(
        source=source[:50],
        defaults={"hostname": socket.gethostname(), "pid": os.getpid(), "seen_at": timezone.now()},
    )


@shared_task(name="pilots.outbox_relay", time_limit=2 * 60, soft_time_limit=100)
def outbox_relay() -> dict[str, object]:
    """Hand the broker what the outbox still holds (recorded while it was down)."""
    outcome = outbox_relay_pending()
    return {"relayed": outcome.relayed, "sent": outcome.sent, "pending": outcome.pending}
