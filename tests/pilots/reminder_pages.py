"""What the reminder pages' web tests share: recording reminders and reading the pages."""

from __future__ import annotations

import itertools
import re
import uuid
from datetime import UTC, datetime, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from pilots.enums import ReminderKind, ReminderStatus
from pilots.models import Pilot, Reminder
from tests import factories

INBOX = "/inbox/"


READ_ALL = "/inbox/read-all/"


PROFILE = "/account/"


LOG = "/reminders/"


NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


K = ReminderKind


S = ReminderStatus


_periods = itertools.count(1)


def read_url(reminder: Reminder) -> str:
    return reverse("pilots:inbox_read", args=[reminder.pk])


def remind(
    recipient,
    pilot: Pilot | None = None,
    *,
    kind: str = K.TASK_OVERDUE,
    status: str = S.EMAILED,
    read: bool = False,
    ago: timedelta = timedelta(0),
    **fields,
) -> Reminder:
    """One reminder as a sweep records it (each in its own period, so never a duplicate)."""
    pilot = pilot or factories.PilotFactory()
    created = timezone.now() - ago
    return Reminder.objects.create(
        pilot=pilot,
        kind=kind,
        recipient=recipient,
        period=f"T-{next(_periods)}",
        day=created.date(),
        sweep=uuid.uuid4(),
        reason=fields.pop("reason", f"Something about {pilot.reference} needs you."),
        action=fields.pop("action", "Do the thing."),
        link=fields.pop("link", reverse("pilots:detail", args=[pilot.reference]) + "#tasks"),
        created_at=created,
        status=status,
        emailed_at=created if status == S.EMAILED else None,
        read_at=created if read else None,
        **fields,
    )


def shown(response) -> list[int]:
    """The reminders on an inbox or log page, in the order shown."""
    return [int(pk) for pk in re.findall(r'id="reminder-(\d+)"', response.content.decode())]


def item(response, reminder: Reminder) -> str:
    """The HTML of one reminder in the inbox."""
    html = response.content.decode()
    return re.search(rf'<li id="reminder-{reminder.pk}".*?</li>', html, re.S).group()


def row(response, reminder: Reminder) -> str:
    html = response.content.decode()
    return re.search(rf'<tr id="reminder-{reminder.pk}">.*?</tr>', html, re.S).group()


def account(response) -> str:
    return re.search(r'<div class="account">.*?</div>', response.content.decode(), re.S).group()


def shows(response, message: str) -> bool:
    return escape(message) in response.content.decode()
