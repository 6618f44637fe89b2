"""The page, the scorecard and the reminders agree: one rule, three places that tell people.

Each row is a pilot situation on a day. For each of the eight rules that tell
people something (metric stale, handover not planned, task overdue, decision
overdue, critical segment breached, infrastructure waiver expired, checkpoint
overdue, the owner's confidence diverging from the metric: this one has no
reminder) the test reads what the pilot page shows
(rendered, as a lead sees it), which reasons the scorecard gives (recomputed
for that day) and which reminders the sweep finds, and asserts the three agree. Where they differ on
purpose the row says so in ``differs``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from pilots.enums import (
    InfrastructureAnswerValue,
    InfrastructureItem,
    MetricKind,
    OwnershipStatus,
    ReminderKind,
    Stage,
    TaskStatus,
)
from pilots.models import CheckpointDecision, GateDecision, InfrastructureAnswer, Pilot
from pilots.reminders.rules import reminders_due
from scorecards.models import Scorecard
from scorecards.scoring import Risk
from scorecards.services import scorecards_recompute
from tests import factories

# The ``running`` fixture started 5 Jan 2026 and ends 5 Jul 2026: its handover
# window opens 6 May, approaches from 22 Apr, escalates from 13 May.
BUILD = date(2026, 3, 2)
APPROACHING = date(2026, 4, 22)
OPENS = date(2026, 5, 6)
ESCALATED = date(2026, 5, 13)
AFTER_END = date(2026, 7, 10)

STALE, HANDOVER, TASK, DECISION = "stale", "handover", "task overdue", "decision overdue"
SEGMENT = "segment breach"
DIVERGES = "confidence diverges"
WAIVER = "waiver expired"
CHECKPOINT = "checkpoint overdue"
UNCONFIRMED = "task unconfirmed"
RULES = (STALE, HANDOVER, TASK, DECISION, SEGMENT, DIVERGES, WAIVER, CHECKPOINT, UNCONFIRMED)

# How each place says it.
PAGE_SIGNS = {
    STALE: '<span class="badge bad">Stale</span>',
    HANDOVER: "Handover not planned.",
    TASK: '<span class="badge bad">overdue</span>',
    DECISION: "final decision overdue",
    SEGMENT: "Beyond its guardrail",
    DIVERGES: "The owner's confidence diverges from the metric.",
    WAIVER: '<strong class="waiver-expired">Waiver expired on',
    CHECKPOINT: "<strong>Checkpoint overdue.</strong>",
    UNCONFIRMED: "<strong>unconfirmed for",
}
REASON_CODES = {
    STALE: "METRIC_STALE",
    HANDOVER: "HANDOVER_UNPLANNED",
    TASK: "HANDOVER_BEHIND",
    DECISION: "DECISION_OVERDUE",
    SEGMENT: "SEGMENT_BREACH",
    DIVERGES: "CONFIDENCE_DIVERGES",
    WAIVER: "WAIVER_EXPIRED",
    CHECKPOINT: "CHECKPOINT_DUE",
    UNCONFIRMED: "HANDOVER_UNCONFIRMED",
}
# The scorecard says CHECKPOINT_DUE as "watch" while due; overdue is its "at risk".
AT_RISK_ONLY = {CHECKPOINT}
REMINDER_KINDS = {
    STALE: ReminderKind.METRIC_STALE,
    HANDOVER: ReminderKind.HANDOVER_UNPLANNED,
    TASK: ReminderKind.TASK_OVERDUE,
    DECISION: ReminderKind.DECISION_OVERDUE,
    SEGMENT: ReminderKind.SEGMENT_BREACH,
    WAIVER: ReminderKind.WAIVER_EXPIRED,
    CHECKPOINT: ReminderKind.CHECKPOINT_OVERDUE,
    UNCONFIRMED: ReminderKind.TASK_UNCONFIRMED,
}


def read(pilot: Pilot, day: date) -> None:
    factories.ReadingFactory(metric=pilot.metrics.get(kind=MetricKind.PRIMARY), observed_on=day)


def segment(pilot: Pilot, value: str, *, guardrail: str | None = None) -> None:
    """A critical segment from 10 to 40 over the pilot (on BUILD its line is at 19.6), read on
    BUILD; the primary metric is read too, so nothing else is said."""
    read(pilot, BUILD)
    metric = factories.MetricFactory(
        pilot=pilot,
        kind=MetricKind.CRITICAL_SEGMENT,
        name="P1 incidents routed in time",
        guardrail=Decimal(guardrail) if guardrail is not None else None,
    )
    factories.ReadingFactory(metric=metric, observed_on=BUILD, value=Decimal(value))


def checked_in(pilot: Pilot, confidence: str, value: str, *, days_ago: int = 1) -> None:
    """The primary read at ``value`` on BUILD (its line is at about 19.3), and the owner's
    check-in ``days_ago`` before BUILD (weekly cadence + 3 grace days: 10 still counts)."""
    factories.ReadingFactory(
        metric=pilot.metrics.get(kind=MetricKind.PRIMARY), observed_on=BUILD, value=Decimal(value)
    )
    factories.CheckInFactory(
        pilot=pilot,
        confidence=confidence,
        created_at=timezone.make_aware(datetime.combine(BUILD - timedelta(days_ago), time(12))),
    )


def waiver(pilot: Pilot, *, expires_on: date) -> None:
    """Monitoring "no" under a waiver ending ``expires_on``, as if granted at approval; the
    primary metric is read on BUILD, so nothing else is said."""
    read(pilot, BUILD)
    InfrastructureAnswer.objects.filter(pilot=pilot, item=InfrastructureItem.MONITORING).update(
        answer=InfrastructureAnswerValue.NO,
        evidence_url="",
        waiver_reason="The team watches the dashboard daily.",
        waiver_expires_on=expires_on,
        waiver_requested_at=timezone.now(),
        waiver_approved_at=timezone.now(),
    )


def task(
    pilot: Pilot,
    *,
    due_on: date,
    done: bool = False,
    waiting_since: date | None = None,
) -> None:
    """A task to do; ``waiting_since``: completed by its giver on that day, not yet
    confirmed (the pilot's operations owner receives it); ``done``: confirmed."""
    completed = done or waiting_since is not None
    at = timezone.make_aware(datetime.combine(waiting_since, time(12))) if waiting_since else None
    factories.TaskFactory(
        pilot=pilot,
        assignee=pilot.owner,
        due_on=due_on,
        status=TaskStatus.DONE if done else TaskStatus.WAITING if at else TaskStatus.TODO,
        completed_at=at or (timezone.now() if done else None),
        confirmed_at=timezone.now() if done else None,
        evidence_url="https://wiki.example.com/runbook" if completed else "",
    )


def close(pilot: Pilot, stage: Stage, *, on: date) -> None:
    """Record a graduation or stop on ``on`` without the gate's other conditions."""
    GateDecision.objects.create(
        pilot=pilot,
        from_stage=pilot.stage,
        to_stage=stage,
        decided_by=pilot.sponsor,
        decided_at=timezone.make_aware(datetime.combine(on, time(12))),
        rationale="Recorded for the parity test.",
        lessons_learned="Recorded for the parity test." if stage == Stage.STOPPED else "",
    )
    noon = timezone.make_aware(datetime.combine(on, time(12)))
    Pilot.objects.filter(pk=pilot.pk).update(stage=stage, operations_accepted_at=noon)


@dataclass(frozen=True)
class Situation:
    name: str
    pilot: str  # the fixture: running or approved
    day: date
    arrange: Callable[[Pilot], None]
    told: frozenset[str]  # what all three places say
    differs: dict[str, str] = field(default_factory=dict)  # rule -> why, where they differ


def nothing(pilot: Pilot) -> None:
    """No change to the fixture."""


def checkpoint(pilot: Pilot, decision: str, *, on: date, window: date = OPENS) -> None:
    """A lead's checkpoint decision recorded on ``on`` for the window opening ``window``."""
    CheckpointDecision.objects.create(
        pilot=pilot,
        decision=decision,
        rationale="Recorded for the parity test.",
        window_opened_on=window,
        previous_end=pilot.planned_end,
        decided_by=pilot.sponsor,
        decided_at=timezone.make_aware(datetime.combine(on, time(12))),
    )


SITUATIONS = [
    Situation(
        "build phase, fresh reading", "running", BUILD, lambda p: read(p, BUILD), frozenset()
    ),
    Situation(
        "build phase, no reading for seven weeks",
        "running",
        BUILD,
        lambda p: read(p, date(2026, 1, 12)),
        frozenset({STALE}),
    ),
    Situation(
        "reading exactly cadence + grace days ago",
        "running",
        BUILD,
        lambda p: read(p, BUILD - timedelta(days=7 + 3)),
        frozenset(),
    ),
    Situation(
        "one day past cadence + grace",
        "running",
        BUILD,
        lambda p: read(p, BUILD - timedelta(days=7 + 3 + 1)),
        frozenset({STALE}),
    ),
    Situation(
        "handover window approaching, no task",
        "running",
        APPROACHING,
        lambda p: read(p, APPROACHING),
        frozenset({HANDOVER}),
    ),
    Situation(
        "the day before the lead time, no task",
        "running",
        APPROACHING - timedelta(days=1),
        lambda p: read(p, APPROACHING),
        frozenset(),
    ),
    Situation(
        "handover window open, no task",
        "running",
        OPENS,
        lambda p: read(p, OPENS),
        frozenset({HANDOVER}),
    ),
    Situation(
        "handover escalated, no task",
        "running",
        ESCALATED,
        lambda p: read(p, ESCALATED),
        frozenset({HANDOVER, CHECKPOINT}),
    ),
    Situation(
        "window open six days, a task, no checkpoint decision yet",
        "running",
        ESCALATED - timedelta(days=1),
        lambda p: (read(p, ESCALATED), task(p, due_on=date(2026, 6, 1))),
        frozenset(),
    ),
    Situation(
        "window open seven days, a task, no checkpoint decision",
        "running",
        ESCALATED,
        lambda p: (read(p, ESCALATED), task(p, due_on=date(2026, 6, 1))),
        frozenset({CHECKPOINT}),
    ),
    Situation(
        "window open seven days, continue decided",
        "running",
        ESCALATED,
        lambda p: (
            read(p, ESCALATED),
            task(p, due_on=date(2026, 6, 1)),
            checkpoint(p, "continue", on=OPENS),
        ),
        frozenset(),
    ),
    Situation(
        "continue decided for an earlier window, the end since moved later",
        "running",
        date(2026, 6, 26),
        lambda p: (
            read(p, date(2026, 6, 26)),
            task(p, due_on=date(2026, 8, 1)),
            checkpoint(p, "continue", on=OPENS),
            # To 5 Sep: the window now opens 16 Jun, open for 10 days.
            Pilot.objects.filter(pk=p.pk).update(planned_end=date(2026, 9, 5)),
        ),
        frozenset({CHECKPOINT}),
    ),
    Situation(
        "handover window open, a task planned",
        "running",
        OPENS,
        lambda p: (read(p, OPENS), task(p, due_on=date(2026, 6, 1))),
        frozenset(),
    ),
    Situation(
        "a task past its due date",
        "running",
        OPENS,
        lambda p: (read(p, OPENS), task(p, due_on=OPENS - timedelta(days=1))),
        frozenset({TASK}),
    ),
    Situation(
        "a task due today",
        "running",
        OPENS,
        lambda p: (read(p, OPENS), task(p, due_on=OPENS)),
        frozenset(),
    ),
    Situation(
        "a done task past its due date",
        "running",
        OPENS,
        lambda p: (read(p, OPENS), task(p, due_on=date(2026, 4, 1), done=True)),
        frozenset(),
    ),
    Situation(
        "a task waiting for its receiver past its due date (the giver's part is done)",
        "running",
        OPENS,
        lambda p: (
            read(p, OPENS),
            task(p, due_on=date(2026, 4, 1), waiting_since=OPENS - timedelta(days=3)),
        ),
        frozenset(),
    ),
    Situation(
        "a task waiting for its receiver more than the unconfirmed days",
        "running",
        OPENS,
        lambda p: (
            read(p, OPENS),
            task(p, due_on=date(2026, 6, 1), waiting_since=OPENS - timedelta(days=4)),
        ),
        frozenset({UNCONFIRMED}),
    ),
    Situation(
        "running past its end, no decision",
        "running",
        AFTER_END,
        lambda p: (read(p, AFTER_END), task(p, due_on=date(2026, 7, 1), done=True)),
        frozenset({DECISION}),
    ),
    Situation(
        "approved, never started, past its planned end",
        "approved",
        AFTER_END,
        nothing,
        frozenset({DECISION}),
    ),
    Situation(
        "graduated a month ago, silent since",
        "running",
        date(2026, 8, 10),
        lambda p: (read(p, date(2026, 7, 1)), close(p, Stage.GRADUATED, on=date(2026, 7, 10))),
        frozenset({STALE}),
    ),
    Situation(
        "graduated two years ago, silent since",
        "running",
        date(2028, 8, 10),
        lambda p: (read(p, date(2026, 7, 1)), close(p, Stage.GRADUATED, on=date(2026, 7, 10))),
        frozenset(),
    ),
    Situation(
        "stopped, silent, no tasks, past its end",
        "running",
        AFTER_END,
        lambda p: (read(p, date(2026, 3, 1)), close(p, Stage.STOPPED, on=date(2026, 5, 1))),
        frozenset(),
    ),
    Situation(
        "a critical segment behind its trajectory, no guardrail set",
        "running",
        BUILD,
        lambda p: segment(p, "15"),
        frozenset({SEGMENT}),
    ),
    Situation(
        "a critical segment on its trajectory",
        "running",
        BUILD,
        lambda p: segment(p, "25"),
        frozenset(),
    ),
    Situation(
        "a critical segment behind its trajectory, above its floor",
        "running",
        BUILD,
        lambda p: segment(p, "15", guardrail="12"),
        frozenset(),
    ),
    Situation(
        "a critical segment below its floor",
        "running",
        BUILD,
        lambda p: segment(p, "11", guardrail="12"),
        frozenset({SEGMENT}),
    ),
    Situation(
        "approved, a critical segment read below its floor before the start",
        "approved",
        BUILD,
        lambda p: segment(p, "11", guardrail="12"),
        frozenset(),
    ),
    Situation(
        "the owner says on track, the metric is behind",
        "running",
        BUILD,
        lambda p: checked_in(p, "on_track", "12"),
        frozenset({DIVERGES}),
    ),
    Situation(
        "the owner says on track, the metric is on its line",
        "running",
        BUILD,
        lambda p: checked_in(p, "on_track", "25"),
        frozenset(),
    ),
    Situation(
        "the owner says off track, the metric reached its target",
        "running",
        BUILD,
        lambda p: checked_in(p, "off_track", "40"),
        frozenset({DIVERGES}),
    ),
    Situation(
        "the owner says at risk, the metric is behind",
        "running",
        BUILD,
        lambda p: checked_in(p, "at_risk", "12"),
        frozenset(),
    ),
    Situation(
        "an on-track check-in exactly cadence + grace days old, the metric behind",
        "running",
        BUILD,
        lambda p: checked_in(p, "on_track", "12", days_ago=10),
        frozenset({DIVERGES}),
    ),
    Situation(
        "an on-track check-in a day older than that: stale, says nothing",
        "running",
        BUILD,
        lambda p: checked_in(p, "on_track", "12", days_ago=11),
        frozenset(),
    ),
    Situation(
        "a waiver past its expiry date, the item still not in place",
        "running",
        BUILD,
        lambda p: waiver(p, expires_on=BUILD - timedelta(days=1)),
        frozenset({WAIVER}),
    ),
    Situation(
        "a waiver on its last day",
        "running",
        BUILD,
        lambda p: waiver(p, expires_on=BUILD),
        frozenset(),
    ),
    Situation(
        "approved, a waiver past its expiry date",
        "approved",
        BUILD,
        lambda p: waiver(p, expires_on=BUILD - timedelta(days=30)),
        frozenset({WAIVER}),
    ),
    Situation(
        "stale, but nobody has accepted ownership",
        "running",
        BUILD,
        lambda p: (
            read(p, date(2026, 1, 12)),
            Pilot.objects.filter(pk=p.pk).update(owner_status=OwnershipStatus.PENDING),
        ),
        frozenset({STALE}),
        differs={
            STALE: "the reminder goes to the accepted owner: with none, nobody is reminded "
            "(the scorecard and the page still say stale)"
        },
    ),
]


def page_says(client, lead, pilot: Pilot, day: date) -> set[str]:
    client.force_login(lead)
    noon = timezone.make_aware(datetime.combine(day, time(12)))
    with time_machine.travel(noon, tick=False):
        html = client.get(f"/pilots/{pilot.reference}/").content.decode()
    return {rule for rule, sign in PAGE_SIGNS.items() if sign in html}


def scorecard_says(pilot: Pilot, day: date) -> set[str]:
    scorecards_recompute(pilot_ids=[pilot.pk], today=day)
    reasons = Scorecard.objects.get(pilot=pilot).reasons
    codes = {reason["code"] for reason in reasons}
    at_risk = {reason["code"] for reason in reasons if reason["risk"] >= Risk.AT_RISK}
    return {
        rule
        for rule, code in REASON_CODES.items()
        if code in (at_risk if rule in AT_RISK_ONLY else codes)
    }


def reminders_say(pilot: Pilot, day: date) -> set[str]:
    kinds = {item.kind for item in reminders_due(day, pilot_id=pilot.pk)}
    return {rule for rule, kind in REMINDER_KINDS.items() if kind in kinds}


def test_there_are_at_least_twelve_situations_covering_every_rule():
    assert len(SITUATIONS) >= 12
    assert {rule for s in SITUATIONS for rule in s.told} == set(RULES)


@pytest.mark.parametrize("situation", SITUATIONS, ids=lambda s: s.name)
def test_page_scorecard_and_reminders_agree(situation, request, client, lead):
    pilot = request.getfixturevalue(situation.pilot)
    situation.arrange(pilot)
    pilot.refresh_from_db()
    said = {
        "page": page_says(client, lead, pilot, situation.day),
        "scorecard": scorecard_says(pilot, situation.day),
        "reminders": reminders_say(pilot, situation.day),
    }
    for rule in RULES:
        expected = rule in situation.told
        if rule not in REMINDER_KINDS:  # told on the page and the scorecard only
            assert (rule in said["page"], rule in said["scorecard"]) == (expected, expected)
            continue
        if rule in situation.differs:
            # Written down on purpose: the page and the scorecard tell, the reminder does not.
            assert (rule in said["page"], rule in said["scorecard"]) == (expected, expected)
            assert rule not in said["reminders"]
            continue
        assert {place: rule in says for place, says in said.items()} == dict.fromkeys(
            said, expected
        ), f"{rule}: {said}"
