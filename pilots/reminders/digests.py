"""Digests: the reminders and notifications a person chose to get in one email a day or week.

A person chooses per kind (``DigestChoice``): no row, emailed at once; daily or
weekly, held. The delivery task marks such a reminder ``held`` instead of
emailing it (it is in the inbox at once all the same). The digest job
(``digests_record``, daily at ``PILOTGATE_DIGEST_HOUR``; the weekly one on
Mondays) then, exactly once however many run:

1. inserts one ``Digest`` per person with held items, for the day or ISO week,
   with ``ON CONFLICT DO NOTHING`` against (recipient, cadence, period), tagged
   with its run, and reads back only the rows it inserted;
2. gives those digests the items held so far (``digest`` still empty), in the
   same transaction, and records one delivery task per digest in the outbox;
3. ``digest_deliver`` claims the digest as a reminder is claimed, sends one
   email listing every item, and marks the items ``digested``; an SMTP failure
   releases the claim for a retry (the items stay held and theirs).

Items held after a digest was taken wait for the next one. An item whose kind
is no longer weekly (the person went back to daily, or to "at once") goes out
in the next daily digest, so nothing held is ever left behind.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from pilots.enums import DigestCadence, ReminderKind, ReminderStatus
from pilots.models import Digest, DigestChoice, Reminder
from pilots.reminders.delivery import DeliveryFailed, claim, send
from pilots.reminders.portfolio import PortfolioWeek, portfolio_week
from pilots.services.notifications import portfolio_lead_ids
from pilots.services.outbox import outbox_record

# The digest's delivery task (``pilots.reminders.tasks``), sent by name through the outbox.
DELIVER_TASK = "pilots.digest_deliver"


# --- The choice, per person and kind -----------------------------------------------------


def digest_choices_of(user: User) -> dict[str, str]:
    """The user's kinds sent by a digest, and how often: ``{kind: cadence}``."""
    return dict(DigestChoice.objects.filter(user_id=user.pk).values_list("kind", "cadence"))


def digest_choices_set(*, user: User, choices: dict[str, str]) -> dict[str, str]:
    """Replace the user's digest choices; a kind left out (or "at once") is emailed at once."""
    refused = sorted(set(choices) - set(ReminderKind.values))
    if refused:
        raise ValidationError({"__all__": f"Unknown kinds of reminder: {', '.join(refused)}."})
    if bad := sorted(c for c in set(choices.values()) if c not in DigestCadence.PERSONAL):
        raise ValidationError({"__all__": f"Unknown digest: {', '.join(bad)}."})
    with transaction.atomic():
        DigestChoice.objects.filter(user_id=user.pk).delete()
        DigestChoice.objects.bulk_create(
            [
                DigestChoice(user_id=user.pk, kind=kind, cadence=cadence)
                for kind, cadence in sorted(choices.items())
            ]
        )
    return choices


# --- Recording a digest -----------------------------------------------------------------


def digest_period(cadence: str, day: date) -> str:
    """The day (2026-12-02) of a daily digest, the ISO week (2026-W49) of a weekly one."""
    if cadence == DigestCadence.WEEKLY:
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return day.isoformat()


def _held_for(cadence: str) -> QuerySet[Reminder]:
    """Items held and not yet in a digest that go in this cadence's digest."""
    weekly = DigestChoice.objects.filter(
        user_id=OuterRef("recipient_id"), kind=OuterRef("kind"), cadence=DigestCadence.WEEKLY
    )
    held = Reminder.objects.filter(status=ReminderStatus.HELD, digest__isnull=True)
    return (
        held.filter(Exists(weekly))
        if cadence == DigestCadence.WEEKLY
        else held.exclude(Exists(weekly))
    )


@transaction.atomic
def digests_record(*, cadence: str, day: date | None = None) -> list[int]:
    """Record this period's digests, give them the held items, queue their emails.

    Returns the ids of the digests this run inserted (none if another run of the
    same period got there first). A fixed number of queries however many people.
    """
    day = day or timezone.localdate()
    held = _held_for(cadence)
    recipients = sorted(set(held.values_list("recipient_id", flat=True)))
    mine = _digests_insert(recipients, cadence=cadence, period=digest_period(cadence, day))
    held.filter(recipient_id__in=mine.values("recipient_id")).update(
        digest_id=Subquery(mine.filter(recipient_id=OuterRef("recipient_id")).values("pk")[:1])
    )
    return _digests_queue(mine)


@transaction.atomic
def portfolio_digests_record(*, day: date | None = None) -> list[int]:
    """Record the week's portfolio digest for every active lead and queue the emails."""
    period = digest_period(DigestCadence.WEEKLY, day or timezone.localdate())
    return _digests_queue(
        _digests_insert(portfolio_lead_ids(), cadence=DigestCadence.PORTFOLIO, period=period)
    )


def _digests_insert(recipients: list[int], *, cadence: str, period: str) -> QuerySet[Digest]:
    """Insert the period's digests with ON CONFLICT DO NOTHING; those this run inserted."""
    run = uuid.uuid4()
    Digest.objects.bulk_create(
        [Digest(recipient_id=pk, cadence=cadence, period=period, run=run) for pk in recipients],
        ignore_conflicts=True,
    )
    return Digest.objects.filter(run=run)


def _digests_queue(mine: QuerySet[Digest]) -> list[int]:
    ids = list(mine.order_by("pk").values_list("pk", flat=True))
    outbox_record(DELIVER_TASK, [{"digest_id": pk} for pk in ids])
    return ids


# --- Delivering one ------------------------------------------------------------------------


def digest_deliver(*, digest_id: int) -> str:
    """Email one digest unless another delivery has it; return the outcome.

    ``emailed`` (its items then ``digested``), ``in_app`` (no email address any
    more), ``cancelled`` (nothing left in it) or ``skipped``. Raises
    ``DeliveryFailed`` as ``reminder_deliver`` does; after the last attempt the
    digest and its items are marked failed.
    """
    now = timezone.now()
    if not claim(Digest.objects.filter(pk=digest_id), now=now):
        return "skipped"
    digest = Digest.objects.select_related("recipient").get(pk=digest_id)
    mine = Digest.objects.filter(pk=digest_id, status=ReminderStatus.SENDING, claimed_at=now)
    if digest.cadence == DigestCadence.PORTFOLIO:
        return _portfolio_deliver(digest, mine)
    items = Reminder.objects.filter(digest_id=digest_id, status=ReminderStatus.HELD)
    listed = list(items.select_related("pilot").order_by("created_at", "pk"))
    if not listed:
        mine.update(status=ReminderStatus.CANCELLED)
        return ReminderStatus.CANCELLED
    if not digest.recipient.email:
        mine.update(status=ReminderStatus.IN_APP)
        items.update(status=ReminderStatus.IN_APP)
        return ReminderStatus.IN_APP
    try:
        send(digest_email(digest, listed), mine=mine, attempts=digest.attempts)
    except DeliveryFailed as exc:
        if exc.final:
            items.update(status=ReminderStatus.FAILED, last_error=f"Digest failed: {exc}"[:500])
        raise
    items.update(status=ReminderStatus.DIGESTED, emailed_at=timezone.now())
    return ReminderStatus.EMAILED


def _portfolio_deliver(digest: Digest, mine: QuerySet[Digest]) -> str:
    """The lead's portfolio digest: the seven days before its ISO week; none if empty."""
    year, _, week_number = digest.period.partition("-W")
    last_day = date.fromisocalendar(int(year), int(week_number), 1) - timedelta(days=1)
    week = portfolio_week(digest.recipient, last_day=last_day)
    if week.empty or not digest.recipient.email:
        mine.update(status=ReminderStatus.CANCELLED if week.empty else ReminderStatus.IN_APP)
        return ReminderStatus.CANCELLED if week.empty else ReminderStatus.IN_APP
    send(portfolio_email(digest, week), mine=mine, attempts=digest.attempts)
    return ReminderStatus.EMAILED


def portfolio_email(digest: Digest, week: PortfolioWeek) -> EmailMultiAlternatives:
    site = settings.SITE_URL
    sections = [
        ("Newly at risk", week.at_risk),
        ("Waiting for a gate decision", week.to_review),
        ("Reviews overdue", week.reviews_overdue),
        ("Checkpoints due", week.checkpoints_due),
        ("Final decisions due", week.decisions_due),
        ("Graduated", week.graduated),
        ("Stopped", week.stopped),
    ]
    context = {
        "digest": digest,
        "recipient": digest.recipient,
        "week": week,
        "site": site,
        "sections": [(title, lines) for title, lines in sections if lines],
        "portfolio_url": site + reverse("scorecards:dashboard"),
    }
    message = EmailMultiAlternatives(
        subject=f"Pilotgate portfolio: the week to {week.last_day:%-d %b %Y}",
        body=render_to_string("emails/portfolio_digest.txt", context),
        to=[digest.recipient.email],
    )
    message.attach_alternative(
        render_to_string("emails/portfolio_digest.html", context), "text/html"
    )
    return message


def digest_email(digest: Digest, items: list[Reminder]) -> EmailMultiAlternatives:
    """One email listing every item: its pilot, reason, what to do and its link."""
    site = settings.SITE_URL
    context = {
        "digest": digest,
        "recipient": digest.recipient,
        "items": [(item, site + item.link) for item in items],
        "inbox_url": site + reverse("pilots:inbox"),
        "profile_url": site + reverse("pilots:profile") + "#digests",
    }
    count = len(items)
    subject = f"Pilotgate {digest.get_cadence_display().lower()}: {count} item{'s' * (count != 1)}"
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("emails/digest.txt", context),
        to=[digest.recipient.email],
    )
    message.attach_alternative(render_to_string("emails/digest.html", context), "text/html")
    return message
