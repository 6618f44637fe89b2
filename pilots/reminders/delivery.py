"""Delivery: email one reminder exactly once (claim, send, release or give up)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import F, Model, Q, QuerySet, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from pilots.enums import (
    ReminderKind,
    ReminderStatus,
)
from pilots.models import (
    DigestChoice,
    Reminder,
)
from pilots.reminders.rules import reminders_due

log = logging.getLogger(__name__)


# A claim older than this is abandoned (its worker died) and the reminder is
# delivered again: longer than the delivery task's hard time limit
# (``pilots.reminders.tasks``), so a live send is never claimed twice.
# ``PILOTGATE_DELIVERY_CLAIM_TIMEOUT_SECONDS`` (2 minutes); with the redelivery
# job every ``PILOTGATE_REDELIVER_EVERY_SECONDS`` (1 minute), a send in flight
# when its worker died goes out again within about 4 minutes.
CLAIM_TIMEOUT = timedelta(seconds=settings.PILOTGATE_DELIVERY_CLAIM_TIMEOUT_SECONDS)
# A reminder still pending (never claimed, or released for a retry) this long
# after its last attempt is re-queued by ``reminders_redeliver``: longer than
# the longest retry countdown, which a pending reminder may be waiting out.
REDELIVER_AFTER = timedelta(minutes=30)
# Attempts to email one reminder before it is marked failed.
MAX_ATTEMPTS = 6


# --- Delivery ----------------------------------------------------------------------------


class DeliveryFailed(Exception):
    """The email could not be handed to the mail server.

    ``final``: that was the last attempt and the reminder is now failed;
    otherwise it is pending again and ``attempts`` tells how many were made.
    """

    def __init__(self, message: str, *, attempts: int, final: bool) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.final = final


def reminder_deliver(*, reminder_id: int) -> str:
    """Email one recorded reminder unless another delivery has it; return the outcome.

    Outcomes: ``emailed``, ``in_app`` (the recipient has no email address),
    ``held`` (the recipient chose a digest for its kind: the digest emails it),
    ``cancelled`` (the cause was fixed, or the kind muted, before it went
    out) or ``skipped`` (already delivered, or being delivered, elsewhere).
    Raises ``DeliveryFailed`` when the mail server refused or could not be
    reached: the reminder is then pending again, or failed after
    ``MAX_ATTEMPTS`` attempts however they were queued.
    """
    now = timezone.now()
    if not claim(Reminder.objects.filter(pk=reminder_id), now=now):
        return "skipped"
    reminder = Reminder.objects.select_related("pilot", "recipient").get(pk=reminder_id)
    mine = Reminder.objects.filter(pk=reminder_id, status=ReminderStatus.SENDING, claimed_at=now)

    if reminder.kind not in ReminderKind.EVENTS and not _still_due(reminder):
        mine.update(status=ReminderStatus.CANCELLED)
        return ReminderStatus.CANCELLED
    if not reminder.recipient.email:
        mine.update(status=ReminderStatus.IN_APP)
        return ReminderStatus.IN_APP
    if DigestChoice.objects.filter(user_id=reminder.recipient_id, kind=reminder.kind).exists():
        # Its recipient chose a digest for this kind: the digest job emails it.
        mine.update(status=ReminderStatus.HELD)
        return ReminderStatus.HELD

    send(reminder_email(reminder), mine=mine, attempts=reminder.attempts)
    return ReminderStatus.EMAILED


def claim(rows: QuerySet, *, now: datetime) -> bool:
    """Take one reminder or digest for sending unless another delivery has it.

    A conditional ``UPDATE``: pending, or sending under a claim older than
    ``CLAIM_TIMEOUT`` (its worker died). Of two deliveries only one wins.
    """
    return bool(
        rows.filter(
            Q(status=ReminderStatus.PENDING)
            | Q(status=ReminderStatus.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT)
        ).update(status=ReminderStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )


def send(message: EmailMultiAlternatives, *, mine: QuerySet, attempts: int) -> None:
    """Hand a claimed row's email to the mail server, then mark ``mine`` emailed.

    On an SMTP failure ``mine`` is pending again (failed after ``MAX_ATTEMPTS``)
    and ``DeliveryFailed`` is raised for the task to retry.
    """
    server = get_connection()  # timeouts: EMAIL_TIMEOUT, well inside the task's time limit
    try:
        server.open()
        server.send_messages([message])
    except (SMTPException, OSError) as exc:
        _close_quietly(server)
        final = attempts >= MAX_ATTEMPTS
        mine.update(
            status=ReminderStatus.FAILED if final else ReminderStatus.PENDING,
            last_error=f"{type(exc).__name__}: {exc}"[:500],
        )
        raise DeliveryFailed(str(exc), attempts=attempts, final=final) from exc
    mine.update(status=ReminderStatus.EMAILED, emailed_at=timezone.now(), last_error="")
    # The server has accepted the message: an error while saying goodbye is not a
    # failed delivery, and must not lead to a second email.
    _close_quietly(server)


def _still_due(reminder: Reminder) -> bool:
    """A reminder's cause may have been fixed since the sweep: ask its rule again.

    (An event notification tells of something that happened: it stays true.)
    """
    due = reminders_due(reminder.day, pilot_id=reminder.pilot_id, kinds=[reminder.kind])
    return (reminder.pilot_id, reminder.kind, reminder.recipient_id) in {item.key for item in due}


def _close_quietly(server) -> None:
    try:
        server.close()
    except (SMTPException, OSError) as exc:
        log.warning("closing the mail connection failed after delivery: %s", exc)


def reminders_redeliver(
    *, now: datetime | None = None, limit: int = 500, model: type[Model] = Reminder
) -> list[int]:
    """Release reminders whose delivery was lost (never queued, worker killed); return their ids.

    ``model=Digest``: the same for digests (their rows have the same delivery fields).

    Stuck means sending under a claim older than ``CLAIM_TIMEOUT`` (its worker
    died mid-send), or pending and untouched for ``REDELIVER_AFTER`` (longer
    than any retry countdown). Those out of attempts are marked failed; the
    others are set pending and stamped, so the next run does not queue them
    again while their new task is on its way. The caller queues them (in the
    same transaction, through the outbox).

    A mail server that had accepted a message just before its worker died
    receives it again: at most one duplicate per send in flight. ``model`` may be
    ``ChannelDelivery``, whose statuses (pending, sending, failed) are the same.
    """
    now = now or timezone.now()
    cut = now - REDELIVER_AFTER
    stuck = Q(status=ReminderStatus.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT) | (
        Q(status=ReminderStatus.PENDING)
        & (Q(claimed_at__lt=cut) | Q(claimed_at__isnull=True, created_at__lt=cut))
    )
    model._default_manager.filter(stuck, attempts__gte=MAX_ATTEMPTS).update(
        status=ReminderStatus.FAILED, last_error="Gave up: no delivery after repeated attempts."
    )
    batch = model._default_manager.filter(stuck).order_by("pk").values("pk")[:limit]
    # Conditional on still being stuck: a row a worker claims meanwhile is left alone.
    model._default_manager.filter(stuck, pk__in=Subquery(batch)).update(
        status=ReminderStatus.PENDING, claimed_at=now
    )
    return list(
        model._default_manager.filter(status=ReminderStatus.PENDING, claimed_at=now)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def reminder_email(reminder: Reminder) -> EmailMultiAlternatives:
    """The email: plain text and HTML, the pilot, the reason, what to do and a direct link."""
    pilot = reminder.pilot
    context = {
        "reminder": reminder,
        "pilot": pilot,
        "recipient": reminder.recipient,
        "url": settings.SITE_URL + reminder.link,
        "profile_url": settings.SITE_URL + reverse("pilots:profile"),
        "mutable": reminder.kind in ReminderKind.MUTABLE,
        "event": reminder.kind in ReminderKind.EVENTS,
    }
    subject = f"{pilot.reference} {pilot.title}: {reminder.get_kind_display()}"
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split())[:200],
        body=render_to_string("emails/reminder.txt", context),
        to=[reminder.recipient.email],
    )
    message.attach_alternative(render_to_string("emails/reminder.html", context), "text/html")
    return message
