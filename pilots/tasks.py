"""Celery tasks: thin adapters around services (keyword-only ids, no model instances)."""

from __future__ import annotations

import os
import socket

from celery import shared_task
from django.utils import timezone

from pilots.models import Heartbeat


@shared_task(name="pilots.heartbeat_record")
def heartbeat_record(*, source: str) -> None:
    """Record that a worker ran a task now (beat sends one every minute)."""
    Heartbeat.objects.update_or_create(
        source=source[:50],
        defaults={"hostname": socket.gethostname(), "pid": os.getpid(), "seen_at": timezone.now()},
    )
