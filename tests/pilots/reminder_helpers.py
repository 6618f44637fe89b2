"""What the reminder tests share: who a kind is due to on a day, readings, a second lead."""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model

from pilots.enums import (
    MetricKind,
    ReminderKind,
)
from pilots.models import OutboxMessage, Pilot, Reminder
from pilots.reminders.rules import reminders_due
from tests import factories

K = ReminderKind


# The ``running`` fixture: started 5 Jan 2026, ends 5 Jul 2026 (181 days), so
# its handover window opens on 6 May (5 Jan + ceil(2 * 181 / 3) = 121 days),
# is "approaching" from 22 Apr (14 lead days) and escalates on 13 May (7 days in).
WINDOW_APPROACHING = date(2026, 4, 22)


WINDOW_OPENS = date(2026, 5, 6)


ESCALATION = date(2026, 5, 13)


def due(day: date, kind: str) -> set[str]:
    """Usernames a reminder of ``kind`` is due to on ``day``."""
    ids = {item.recipient_id for item in reminders_due(day) if item.kind == kind}
    return set(get_user_model().objects.filter(pk__in=ids).values_list("username", flat=True))


def forget_notifications() -> None:
    """Drop the event notifications the fixtures' changes recorded (and their queued
    emails): a test of the sweep counts only the sweep's reminders."""
    Reminder.objects.filter(kind__in=K.EVENTS).delete()
    OutboxMessage.objects.filter(task="pilots.reminder_deliver").delete()


def read_reading(running: Pilot, day: date) -> None:
    factories.ReadingFactory(metric=running.metrics.get(kind=MetricKind.PRIMARY), observed_on=day)
