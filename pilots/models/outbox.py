"""The transactional outbox: Celery tasks recorded in the same transaction as the write."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboxMessage(models.Model):
    """A Celery task to send once the transaction that recorded it commits.

    A write records its follow-up work here (a scorecard refresh, a reminder's
    email) in its own transaction, so the work is never lost: if the write rolls
    back there is nothing to send, and if the broker is down at commit the row
    waits until the relay (``pilots.services.outbox``) hands it over.
    """

    task = models.CharField(max_length=100, help_text="The Celery task's name.")
    kwargs = models.JSONField(default=dict, help_text="The task's keyword arguments.")
    created_at = models.DateTimeField(default=timezone.now)
    relayed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the broker accepted it; empty while pending."
    )
    attempts = models.PositiveIntegerField(default=0, help_text="Failed attempts to relay it.")
    last_error = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        indexes = [
            # The relay's and the health page's question: what is pending, oldest first.
            models.Index(
                fields=["created_at"], name="outbox_pending", condition=Q(relayed_at__isnull=True)
            ),
            # The purge of rows relayed long ago.
            models.Index(
                fields=["relayed_at"], name="outbox_relayed", condition=Q(relayed_at__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        state = f"relayed {self.relayed_at:%Y-%m-%d %H:%M:%S}" if self.relayed_at else "pending"
        return f"{self.task} {self.kwargs} ({state})"
