"""Liveness of the background processes, read by the health page."""

from __future__ import annotations

from django.db import models


class Heartbeat(models.Model):
    """The last time a Celery worker ran the heartbeat task, per source.

    Beat enqueues it every minute; a worker runs it. Operators read it on the
    health page to know both are alive.
    """

    source = models.CharField(max_length=50, unique=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.source} seen {self.seen_at:%Y-%m-%d %H:%M:%S} on {self.hostname}"
