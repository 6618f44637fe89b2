"""The reminder tasks: the daily sweep, one delivery per reminder, channel message or
digest, redelivery, and the digests.

Task names stay ``pilots.*`` (beat's schedule and queued tasks refer to them).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date

from celery import Task, shared_task
from django.db import transaction

from pilots.enums import ReminderStatus
from pilots.models import ChannelDelivery, Digest
from pilots.reminders import channels, delivery, digests, sweep
from pilots.services import notifications
from pilots.services.channels import channel_deliveries_enqueue
from pilots.services.outbox import outbox_record

# Retry countdowns for a failed email: 30 s, 1, 2, 4, 8 min, capped at 10 min,
# with jitter. Short on purpose: a reminder is never scheduled with a long ETA.
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 10 * 60


def retry_countdown(retries: int) -> int:
    """Exponential backoff with full jitter in its upper half, never above the cap."""
    ceiling = min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2**retries)
    return random.randint(ceiling // 2, ceiling)  # noqa: S311 (jitter, not security)


def _retried(task: Task, send: Callable[[], str]) -> str:
    """``send()``'s outcome; after a failed attempt, a retry with backoff (or ``failed``)."""
    try:
        return send()
    except delivery.DeliveryFailed as exc:
        if exc.final:
            return ReminderStatus.FAILED
        raise task.retry(exc=exc, countdown=retry_countdown(exc.attempts - 1)) from exc


@shared_task(name="pilots.reminders_sweep", time_limit=10 * 60, soft_time_limit=9 * 60)
def reminders_sweep(*, day: str | None = None) -> dict[str, object]:
    """Record today's reminders (or ``day``'s, ISO) and queue one delivery task per new one."""
    result = sweep.reminders_sweep(day=date.fromisoformat(day) if day else None, deliver="queue")
    return {"day": str(result.day), "due": result.due, "new": len(result.reminder_ids)}


@shared_task(
    bind=True,
    name="pilots.reminder_deliver",
    time_limit=60,
    soft_time_limit=45,
    # The reminder's own attempt count (MAX_ATTEMPTS, in the database) decides when to
    # give up, also across redeliveries, which start Celery's count again at zero.
    max_retries=None,
)
def reminder_deliver(self, *, reminder_id: int) -> str:
    """Email one reminder; on an SMTP failure retry with backoff until it is marked failed."""
    return _retried(self, lambda: delivery.reminder_deliver(reminder_id=reminder_id))


@shared_task(
    bind=True,
    name="pilots.channel_deliver",
    time_limit=60,
    soft_time_limit=45,
    max_retries=None,  # the row's attempt count decides, as for reminders
)
def channel_deliver(self, *, delivery_id: int) -> str:
    """Post one channel message; on a failure retry with backoff until it is marked failed."""
    return _retried(self, lambda: channels.channel_deliver(delivery_id=delivery_id))


@shared_task(name="pilots.reminders_redeliver", time_limit=5 * 60, soft_time_limit=4 * 60)
def reminders_redeliver() -> int:
    """Queue again the reminders, channel messages and digests whose delivery was lost;
    the claim keeps each to one send."""
    with transaction.atomic():  # released and queued (in the outbox) together
        ids = delivery.reminders_redeliver()
        notifications.enqueue_deliveries(ids)
        posts = delivery.reminders_redeliver(model=ChannelDelivery)
        channel_deliveries_enqueue(posts)
        digest_ids = delivery.reminders_redeliver(model=Digest)
        outbox_record(digests.DELIVER_TASK, [{"digest_id": pk} for pk in digest_ids])
    return len(ids) + len(posts) + len(digest_ids)


@shared_task(name="pilots.digests_record", time_limit=5 * 60, soft_time_limit=4 * 60)
def digests_record(*, cadence: str, day: str | None = None) -> int:
    """Record the day's (or week's) digests and queue their emails; a re-run records none."""
    return len(
        digests.digests_record(cadence=cadence, day=date.fromisoformat(day) if day else None)
    )


@shared_task(name="pilots.portfolio_digests_record", time_limit=5 * 60, soft_time_limit=4 * 60)
def portfolio_digests_record() -> int:
    """Record this week's portfolio digest for each lead and queue the emails; once a week."""
    return len(digests.portfolio_digests_record())


@shared_task(
    bind=True, name="pilots.digest_deliver", time_limit=60, soft_time_limit=45, max_retries=None
)
def digest_deliver(self, *, digest_id: int) -> str:
    """Email one digest; on an SMTP failure retry with backoff until it is marked failed."""
    return _retried(self, lambda: digests.digest_deliver(digest_id=digest_id))
