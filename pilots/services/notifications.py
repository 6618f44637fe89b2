"""Event notifications: tell the people a change concerns, at once, exactly once.

A service that makes a change someone must act on, or that changes their pilot,
calls ``event_notify`` with the audit event it just recorded, in the same
transaction. Each notification is a ``Reminder`` row (so the inbox, the email
delivery, redelivery, muting and the leads' log work as they do for reminders)
whose *period* is the event: ``E<event id>``. The reminders' unique constraint on
(pilot, kind, recipient, period) then means one notification per event and
recipient, whoever records it and however often: rows are inserted with ``ON
CONFLICT DO NOTHING`` and only the rows this call inserted are emailed, by the
reminders' delivery task, recorded in the outbox and relayed after the commit. A
rolled-back change takes its notifications with it.

The actor is never told of their own action; deactivated accounts, and people who
muted an informational kind, are not told. A worsened risk has no audit event: the
scorecards' recompute calls ``risk_worsened_notify``, keyed on the day and level.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.utils import timezone

from pilots.enums import PORTFOLIO_LEADS_GROUP, OwnershipStatus, ReminderKind
from pilots.links import PilotLinks
from pilots.models import Pilot, PilotEvent, Reminder, ReminderMute
from pilots.services.channels import channel_notices_record
from pilots.services.outbox import OutboxRelay, outbox_record

# The reminders' delivery task (``pilots.reminders.tasks``), sent by name through the
# outbox: it emails one recorded reminder or notification.
DELIVER_TASK = "pilots.reminder_deliver"

K = ReminderKind
# Set inside ``notifications_skipped()``: changes made there tell no one.
_skipping: ContextVar[bool] = ContextVar("skipping_notifications", default=False)


@dataclass(frozen=True)
class Notice:
    """What one kind of event notification says: a sentence, what to do, and where.

    ``reason`` is formatted with ``actor`` (who acted), ``pilot`` (its reference),
    ``title``, ``subject`` (the event's subject: a task's title, a stage move) and
    ``why`` (the event's reason, with a leading space, or nothing). ``section`` is
    the part of the pilot page where it is done (``task``: that task's card).
    ``channel``: the sentence for a Slack or Teams channel, where "you" would name
    nobody (the same fields); empty when ``reason`` reads well to a whole team.
    """

    reason: str
    action: str
    section: str
    channel: str = ""


NOTICES: dict[str, Notice] = {
    K.OWNER_NOMINATED: Notice(
        "{actor} nominated you as the business owner of {pilot} {title}.",
        "Read what it asks of you, then accept or decline the nomination.",
        "nomination",
        "{actor} nominated a business owner for {pilot} {title}: the nomination waits "
        "for an answer.",
    ),
    K.OPERATIONS_NAMED: Notice(
        "{actor} named you the operations owner of {pilot} {title}: you will run it "
        "after the handover.",
        "Look at the pilot and its handover plan.",
        "people",
        "{actor} named the operations owner of {pilot} {title}, who will run it after "
        "the handover.",
    ),
    K.MEMBER_ADDED: Notice(
        "{actor} added you to the team of {pilot} {title}.",
        "Look at the pilot and the tasks assigned to you.",
        "people",
        "{actor} added a member to the team of {pilot} {title}.",
    ),
    K.OWNERSHIP_ACCEPTED: Notice(
        "{actor} accepted the business ownership of {pilot} {title}.",
        "Nothing to do: the pilot now has an accountable owner.",
        "people",
    ),
    K.OWNERSHIP_DECLINED: Notice(
        "{actor} declined the business ownership of {pilot} {title}.{why}",
        "Nominate another business owner.",
        "people",
    ),
    K.BUDGET_NAMED: Notice(
        "{actor} named you the budget holder of {pilot} {title}: you are asked to pay its "
        "run cost for 12 months of operation.",
        "Read the operating plan, then accept or decline the run cost.",
        "budget",
        "{actor} named the budget holder of {pilot} {title}: the run cost waits for their "
        "acceptance.",
    ),
    K.BUDGET_ACCEPTED: Notice(
        "{actor} accepted the 12-month run cost of {pilot} {title} ({subject}).",
        "Nothing to do: the operation is funded.",
        "plan",
    ),
    K.BUDGET_DECLINED: Notice(
        "{actor} declined the 12-month run cost of {pilot} {title}.{why}",
        "Name another budget holder, or change the run cost and ask again.",
        "plan",
    ),
    K.PILOT_SUBMITTED: Notice(
        "{actor} submitted {pilot} {title} for review.",
        "Review it and approve or reject the gate.",
        "decision",
    ),
    K.PILOT_APPROVED: Notice(
        "{actor} approved {pilot} {title}.{why}",
        "Start the pilot on or after its planned start.",
        "decisions",
    ),
    K.PILOT_REJECTED: Notice(
        "{actor} rejected {pilot} {title}: it is a draft again.{why}",
        "Fix what the reason says and submit it again.",
        "decisions",
    ),
    K.PILOT_STARTED: Notice(
        "{actor} started {pilot} {title}.",
        "Record the primary metric's readings and plan the handover.",
        "timeline",
    ),
    K.PILOT_GRADUATED: Notice(
        "{actor} graduated {pilot} {title} to production.{why}",
        "Nothing to do: its primary metric is followed for 12 months.",
        "decisions",
    ),
    K.PILOT_STOPPED: Notice(
        "{actor} stopped {pilot} {title}.{why}",
        "Read the lessons learned.",
        "decisions",
    ),
    K.TASK_ASSIGNED: Notice(
        "{actor} assigned you the knowledge-transfer task “{subject}” of {pilot} {title}.",
        "Hand it over by its due date, then complete it with the evidence.",
        "task",
        "{actor} assigned the knowledge-transfer task “{subject}” of {pilot} {title}.",
    ),
    K.TASK_COMPLETED: Notice(
        "{actor} completed the knowledge-transfer task “{subject}” of {pilot} {title}: "
        "it waits for your confirmation.",
        "Check the evidence, then confirm receipt, or decline saying what is missing.",
        "task",
        "{actor} completed the knowledge-transfer task “{subject}” of {pilot} {title}: "
        "it waits for its receiver's confirmation.",
    ),
    K.TASK_CONFIRMED: Notice(
        "{actor} confirmed receipt of the knowledge-transfer task “{subject}” of {pilot} {title}.",
        "Nothing to do: the task is done.",
        "task",
    ),
    K.TASK_DECLINED: Notice(
        "{actor} declined receipt of the knowledge-transfer task “{subject}” of {pilot} "
        "{title}.{why}",
        "Hand over what is missing, then complete the task again.",
        "task",
    ),
    K.VALUE_REVIEW_RECORDED: Notice(
        "{actor} recorded the {subject} of {pilot} {title}: it waits for your sign-off.",
        "Read the review, then sign it off or refuse it with a reason.",
        "operation",
        "{actor} recorded the {subject} of {pilot} {title}: it waits for the sponsor's "
        "and a portfolio lead's sign-off.",
    ),
    K.VALUE_REVIEW_SIGNED: Notice(
        "{actor} signed off a value review of {pilot} {title}: the sponsor and a portfolio "
        "lead have signed it.",
        "Nothing to do: the review is signed off.",
        "operation",
    ),
    K.VALUE_REVIEW_REFUSED: Notice(
        "{actor} refused the value review of {pilot} {title}.{why}",
        "Record the value review again, answering the reason.",
        "operation",
    ),
    K.SUCCESSION_NOMINATED: Notice(
        "{actor} named you to succeed {subject} of {pilot} {title}.{why}",
        "Read what the role asks of you, then accept or decline it.",
        "successions",
        "{actor} named a successor ({subject}) for {pilot} {title}: it waits for an answer.",
    ),
    K.SUCCEEDED: Notice(
        "{actor} named a successor to your role on {pilot} {title}: {subject}.{why}",
        "Nothing to do unless you disagree: tell the sponsor.",
        "succession",
        "{actor} named a successor on {pilot} {title}: {subject}.",
    ),
    K.SUCCESSION_ACCEPTED: Notice(
        "{actor} accepted the succession on {pilot} {title}: {subject}.",
        "Nothing to do: the role has changed hands.",
        "people",
    ),
    K.SUCCESSION_DECLINED: Notice(
        "{actor} declined the succession on {pilot} {title}: {subject}.{why}",
        "Name another successor.",
        "succession",
    ),
}

# The columns' lengths (get_field is typed for any field or relation).
TEXT_LENGTH = cast(int, Reminder._meta.get_field("reason").max_length)


def fit(text: str, length: int = TEXT_LENGTH) -> str:
    """``text`` cut to ``length`` characters, with an ellipsis when cut."""
    return text if len(text) <= length else text[: length - 1] + "…"


def enqueue_deliveries(reminder_ids: list[int]) -> OutboxRelay | None:
    """One delivery task per reminder, recorded in the outbox in the caller's transaction.

    Relayed to the broker once it commits (a sweep, a change, the redelivery job),
    or later by the outbox relay if the broker is down; the returned relay tells
    what happened after the commit.
    """
    return outbox_record(DELIVER_TASK, [{"reminder_id": pk} for pk in reminder_ids])


def portfolio_lead_ids() -> list[int]:
    """The active portfolio leads: escalations, overdue decisions, pilots to review."""
    return list(
        get_user_model()
        .objects.filter(is_active=True, groups__name=PORTFOLIO_LEADS_GROUP)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def pilot_people(pilot: Pilot) -> list[int | None]:
    """Whom a change of the pilot's stage concerns: sponsor, business owner (nominated
    or accepted) and operations owner."""
    owner = (
        pilot.owner_id
        if pilot.owner_status in (OwnershipStatus.PENDING, OwnershipStatus.ACCEPTED)
        else None
    )
    return [pilot.sponsor_id, owner, pilot.operations_owner_id]


def _name(user: Any) -> str:
    if user is None:
        return "Pilotgate"
    return user.get_full_name() or user.get_username()


def _link(links: PilotLinks, reference: str, section: str, task_id: int | None) -> str:
    if section == "task":
        return links.detail(reference, f"task-{task_id}" if task_id else "handover")
    if section == "successions":  # the successor answers there: they do not see the pilot yet
        return links.successions()
    return links.detail(reference, section)


def event_notify(
    *,
    event: PilotEvent,
    kind: str,
    to: Iterable[int | None],
    task_id: int | None = None,
) -> list[int]:
    """Notify ``to`` (user ids; None skipped) of ``event``; return the ids of the rows recorded.

    Call it in the transaction that recorded the event. The actor is left out.
    """
    notice = NOTICES[kind]
    pilot = event.pilot
    why = f" {event.reason.strip()}" if event.reason.strip() else ""
    fields = {
        "actor": _name(event.actor),
        "pilot": pilot.reference,
        "title": pilot.title,
        "subject": event.subject,
        "why": why,
    }
    reason = notice.reason.format(**fields)
    # A saved pilot always has its reference (``registration.pilot_insert``).
    link = _link(PilotLinks(), pilot.reference or "", notice.section, task_id)
    if not _skipping.get():  # the Slack/Teams channels: once per event, whoever is told
        channel_notices_record(
            pilot=pilot,
            kind=kind,
            period=f"E{event.pk}",
            text=fit((notice.channel or notice.reason).format(**fields)),
            link=link,
        )
    recipients = {pk for pk in to if pk is not None and pk != event.actor_id}
    return notices_record(
        [(pilot.pk, kind, pk, reason, notice.action, link) for pk in sorted(recipients)],
        period=f"E{event.pk}",
    )


Row = tuple[int, str, int, str, str, str]  # pilot id, kind, recipient id, reason, action, link


def notices_record(rows: list[Row], *, period: str, day: date | None = None) -> list[int]:
    """Record the notifications not yet recorded for ``period``; email the new ones.

    Deactivated recipients and muted kinds are left out (a query each); the rows go in
    with ``ON CONFLICT DO NOTHING`` (``bulk_create(ignore_conflicts=True)``) tagged
    with this call's id, and only the rows that carry it, inserted by this call,
    get a delivery task (in the outbox, sent after the commit).
    """
    if not rows or _skipping.get():
        return []
    recipients = {row[2] for row in rows}
    active = set(
        get_user_model()
        .objects.filter(pk__in=recipients, is_active=True)
        .values_list("pk", flat=True)
    )
    mutable = {row[1] for row in rows} & K.MUTABLE
    muted = (
        set(
            ReminderMute.objects.filter(user_id__in=active, kind__in=mutable).values_list(
                "user_id", "kind"
            )
        )
        if mutable
        else set()
    )
    sweep = uuid.uuid4()
    now = timezone.now()
    day = day or timezone.localdate()
    told = [
        Reminder(
            pilot_id=pilot_id,
            kind=kind,
            recipient_id=recipient_id,
            period=period,
            day=day,
            sweep=sweep,
            reason=fit(reason),
            action=fit(action),
            link=link[:TEXT_LENGTH],
            created_at=now,
        )
        for pilot_id, kind, recipient_id, reason, action, link in rows
        if recipient_id in active and (recipient_id, kind) not in muted
    ]
    if not told:
        return []
    Reminder.objects.bulk_create(told, ignore_conflicts=True)
    ids = list(Reminder.objects.filter(sweep=sweep).order_by("pk").values_list("pk", flat=True))
    enqueue_deliveries(ids)
    return ids


@contextmanager
def notifications_skipped() -> Iterator[None]:
    """Tell no one of the changes made inside this block.

    For the demo seed, which plays months of a portfolio's history through the
    services: those changes did not happen now, and nobody must be emailed of them.
    """
    token = _skipping.set(True)
    try:
        yield
    finally:
        _skipping.reset(token)


@dataclass(frozen=True)
class RiskChange:
    """A pilot whose stored risk level rose in a recompute, with the worst reason."""

    pilot: Pilot
    before: str
    after: str
    level: int
    reason: str
    link: str


def risk_worsened_notify(changes: list[RiskChange], *, day: date) -> list[int]:
    """Notify sponsor, business owner and operations owner of each pilot whose risk rose.

    One notification per pilot, level reached, recipient and day: a risk that
    rises to the same level again on the same day is not told twice. No actor
    (the recompute is the system's).
    """
    by_period: dict[str, list[Row]] = {}
    for change in changes:
        pilot = change.pilot
        because = f" {change.reason}" if change.reason else ""
        reason = (
            f"The risk of {pilot.reference} {pilot.title} rose from {change.before.lower()} "
            f"to {change.after.lower()}.{because}"
        )
        action = "Open the scorecard and fix what it lists first."
        period = f"R{day.isoformat()}-{change.level}"
        if not _skipping.get():
            channel_notices_record(
                pilot=pilot, kind=K.RISK_WORSENED, period=period, text=fit(reason), link=change.link
            )
        for pk in sorted({pk for pk in pilot_people(pilot) if pk is not None}):
            by_period.setdefault(period, []).append(
                (pilot.pk, K.RISK_WORSENED, pk, reason, action, change.link)
            )
    ids: list[int] = []
    for period, rows in by_period.items():
        ids += notices_record(rows, period=period, day=day)
    return ids
