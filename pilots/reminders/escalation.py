"""Escalation: a reminder nobody answered goes one level up (owner → sponsor → leads).

No state of its own: the reminders recorded (``Reminder``, one a week while the
cause holds) are the record. A reminder of an escalating kind recorded the
escalation days ago (``pilots.rules.escalation_window``) whose cause the same
sweep still finds is unanswered; its escalation is a reminder of the kind
``reminder_escalated``, recorded and delivered exactly once like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from pilots import rules
from pilots.enums import OwnershipStatus, ReminderKind
from pilots.frame import formats
from pilots.frame.formats import plural
from pilots.models import Reminder
from pilots.reminders.due import Due, Sweep


def _name(first: str, last: str, username: str) -> str:
    return (f"{first} {last}".strip() or username)[:80]


@dataclass
class _Up:
    """What goes one level up on a pilot: since when, the reminders (by kind) still due."""

    since: date
    items: dict[str, Due]
    chained: bool = False  # the sponsor's own escalation went unanswered


def escalated(sweep: Sweep, found: list[Due], *, escalating: list[str]) -> list[Due]:
    """Reminders of the escalating kinds recorded the escalation days ago (``rules.
    escalation_window``) whose cause still holds today (``found``, before mutes): the
    business owner's go to the sponsor, the sponsor's to the portfolio leads who may
    decide; and an escalation the sponsor left unanswered as long goes to those leads.

    One query: the recorded reminders in the window, with their pilots' people.
    """
    day = sweep.day
    holds = {item.key: item for item in found if item.kind in escalating}
    first, last = rules.escalation_window(today=day, rules=sweep.rules)
    rows = (
        sweep.scope(Reminder.objects.all(), "pilot_id")
        .filter(kind__in=[*escalating, ReminderKind.REMINDER_ESCALATED], day__range=(first, last))
        .values_list(
            "pilot_id",
            "kind",
            "recipient_id",
            "day",
            "pilot__reference",
            "pilot__sponsor_id",
            "pilot__owner_id",
            "pilot__owner_status",
            "pilot__owner__first_name",
            "pilot__owner__last_name",
            "pilot__owner__username",
            "pilot__sponsor__first_name",
            "pilot__sponsor__last_name",
            "pilot__sponsor__username",
        )
        .order_by("day", "pk")
    )

    to_sponsor: dict[int, _Up] = {}
    to_leads: dict[int, _Up] = {}
    people: dict[int, tuple[Any, ...]] = {}
    escalations: list[tuple[int, int, date]] = []
    for row in rows:
        pilot, kind, recipient, reminded_on, reference, sponsor, owner, owner_status = row[:8]
        people[pilot] = (reference, sponsor, owner, owner_status, row[8:11], row[11:14])
        if kind == ReminderKind.REMINDER_ESCALATED:
            escalations.append((pilot, recipient, reminded_on))
            continue
        item = holds.get((pilot, kind, recipient))
        if not rules.escalation_due(
            reminded_on=reminded_on, still_holds=item is not None, today=day, rules=sweep.rules
        ):
            continue
        assert item is not None
        if recipient == owner and owner_status == OwnershipStatus.ACCEPTED and owner != sponsor:
            level = to_sponsor
        elif recipient == sponsor:
            level = to_leads
        else:
            continue  # an assignee's or a receiver's: the owner is reminded of it too
        up = level.setdefault(pilot, _Up(since=reminded_on, items={}))
        up.items.setdefault(kind, item)
    # The sponsor's escalation, unanswered as long, while it still holds: the leads.
    for pilot, recipient, reminded_on in escalations:
        if recipient == people[pilot][1] and rules.escalation_due(
            reminded_on=reminded_on, still_holds=pilot in to_sponsor, today=day, rules=sweep.rules
        ):
            up = to_leads.setdefault(pilot, _Up(since=reminded_on, items={}, chained=True))
            for kind, item in to_sponsor[pilot].items.items():
                up.items.setdefault(kind, item)

    def labels(up: _Up) -> str:
        names = [ReminderKind(kind).label for kind in up.items]
        return ", ".join(name[0].lower() + name[1:] for name in names)

    due: list[Due] = []
    for pilot, up in to_sponsor.items():
        reference, sponsor, _owner, _status, owner_name, _sponsor_name = people[pilot]
        due.append(
            Due(
                pilot,
                ReminderKind.REMINDER_ESCALATED,
                sponsor,
                f"{_name(*owner_name)}, business owner of {reference}, was reminded on "
                f"{formats.day(up.since)} and it still holds: {labels(up)}.",
                "Ask them to act on it, or act yourself; if it still holds in "
                f"{plural(sweep.rules.reminder_escalation_days, 'day')}, the portfolio leads "
                "are told.",
                next(iter(up.items.values())).link,
            )
        )
    for pilot, up in to_leads.items():
        reference, sponsor, owner, owner_status, _owner_name, sponsor_name = people[pilot]
        if up.chained:
            reason = (
                f"{_name(*sponsor_name)}, sponsor of {reference}, was told on "
                f"{formats.day(up.since)} that the business owner had not acted, and it still "
                f"holds: {labels(up)}."
            )
        else:
            reason = (
                f"{_name(*sponsor_name)}, sponsor of {reference}, was reminded on "
                f"{formats.day(up.since)} and it still holds: {labels(up)}."
            )
        for lead in sweep.deciding_leads(sponsor=sponsor, owner=owner, owner_status=owner_status):
            due.append(
                Due(
                    pilot,
                    ReminderKind.REMINDER_ESCALATED,
                    lead,
                    reason,
                    "Take it up with the sponsor and the business owner, or decide "
                    "whether the pilot should go on.",
                    sweep.links.detail(reference),
                )
            )
    return due
