"""The pure rules (pilots/rules.py), rule by rule: plain values in, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from pilots import rules, timeline
from pilots.enums import OwnershipStatus, Stage, TaskStatus
from pilots.rules import HandoverAlarm, RuleSettings

RULES = RuleSettings(
    lead_days=14,
    escalation_days=7,
    stale_grace_days=3,
    task_grace_days=0,
    decision_grace_days=0,
    ownership_pending_days=3,
    checkpoint_grace_days=7,
    unconfirmed_days=3,
    due_soon_days=3,
    ending_days=14,
    target_date_days=14,
    start_grace_days=0,
    review_days=5,
    reminder_escalation_days=7,
    degrading_readings=3,
    degrading_percent=10,
    degrading_escalation_weeks=2,
)
START, END = date(2026, 1, 5), date(2026, 7, 5)  # the window opens 6 May 2026
OPENS = date(2026, 5, 6)


@pytest.mark.parametrize(
    ("stage", "graduated_on", "today", "expected"),
    [
        (Stage.RUNNING, None, date(2026, 3, 1), True),
        (Stage.GRADUATED, date(2026, 7, 1), date(2027, 7, 1), True),  # 365 days on
        (Stage.GRADUATED, date(2026, 7, 1), date(2027, 7, 2), False),  # a day later
        (Stage.GRADUATED, None, date(2026, 8, 1), False),  # graduation day unknown
        (Stage.APPROVED, None, date(2026, 3, 1), False),
        (Stage.STOPPED, None, date(2026, 3, 1), False),
    ],
)
def test_followed_while_running_and_for_a_year_after_graduation(
    stage, graduated_on, today, expected
):
    assert rules.followed(stage=stage, graduated_on=graduated_on, today=today) is expected


@pytest.mark.parametrize(
    ("operation_ended_on", "expected"),
    [
        (None, True),
        (date(2026, 9, 2), True),  # retired tomorrow
        (date(2026, 9, 1), False),  # retired today
        (date(2026, 8, 1), False),
    ],
)
def test_a_retired_system_is_not_followed(operation_ended_on, expected):
    assert (
        rules.followed(
            stage=Stage.GRADUATED,
            graduated_on=date(2026, 3, 1),
            today=date(2026, 9, 1),
            operation_ended_on=operation_ended_on,
        )
        is expected
    )


def stale(**changes):
    facts = {
        "stage": Stage.RUNNING,
        "graduated_on": None,
        "started_on": START,
        "last_reading_on": date(2026, 2, 1),
        "cadence_days": 7,
        "today": date(2026, 2, 11),
        "rules": RULES,
    }
    return rules.metric_stale(**{**facts, **changes})


def test_stale_after_cadence_plus_grace_days_not_on_the_last_day():
    assert not stale(today=date(2026, 2, 11))  # 10 days: 7 + 3
    assert stale(today=date(2026, 2, 12))


def test_stale_counts_from_the_start_without_a_reading_and_never_for_an_unfollowed_pilot():
    assert not stale(last_reading_on=None, today=START + timedelta(days=10))
    assert stale(last_reading_on=None, today=START + timedelta(days=11))
    assert not stale(stage=Stage.GRADUATED, graduated_on=date(2024, 1, 1), today=date(2026, 6, 1))
    assert not stale(started_on=None)


def test_silence_reports_days_and_allowance():
    found = rules.silence(
        stage=Stage.RUNNING,
        graduated_on=None,
        started_on=START,
        last_reading_on=date(2026, 2, 1),
        cadence_days=31,
        today=date(2026, 3, 8),
        rules=RULES,
    )
    assert found == rules.Silence(days=35, allowed=34)
    assert found.stale


def test_a_reading_is_due_after_a_whole_cadence():
    due = rules.reading_due
    assert not due(
        last_reading_on=date(2026, 2, 1), started_on=START, cadence_days=7, today=date(2026, 2, 7)
    )
    assert due(
        last_reading_on=date(2026, 2, 1), started_on=START, cadence_days=7, today=date(2026, 2, 8)
    )
    assert not due(last_reading_on=None, started_on=None, cadence_days=7, today=date(2026, 2, 8))


def alarm(today: date, *, stage: str = Stage.RUNNING, tasks: int = 0, settings=RULES):
    window = timeline.timeline(start=START, end=END, today=today, lead_days=settings.lead_days)
    return rules.handover_alarm(
        stage=stage, window=window, task_count=tasks, today=today, rules=settings
    )


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (OPENS - timedelta(days=15), HandoverAlarm.NONE),
        (OPENS - timedelta(days=14), HandoverAlarm.APPROACHING),
        (OPENS - timedelta(days=1), HandoverAlarm.APPROACHING),
        (OPENS, HandoverAlarm.OPEN),
        (OPENS + timedelta(days=6), HandoverAlarm.OPEN),
        (OPENS + timedelta(days=7), HandoverAlarm.ESCALATED),
        (END, HandoverAlarm.ESCALATED),
        (END + timedelta(days=1), HandoverAlarm.NONE),  # ended: the decision is what is due
    ],
)
def test_the_handover_alarm_through_the_window(today, expected):
    assert alarm(today) is expected


def test_no_handover_alarm_with_a_task_or_outside_approved_and_running():
    assert alarm(OPENS, tasks=1) is HandoverAlarm.NONE
    assert alarm(OPENS, stage=Stage.APPROVED) is HandoverAlarm.OPEN
    for stage in (Stage.DRAFT, Stage.PROPOSED, Stage.GRADUATED, Stage.STOPPED):
        assert alarm(OPENS, stage=stage) is HandoverAlarm.NONE
    assert (
        rules.handover_alarm(
            stage=Stage.RUNNING, window=None, task_count=0, today=OPENS, rules=RULES
        )
        is HandoverAlarm.NONE
    )


def test_a_task_is_overdue_after_its_grace_days_unless_done():
    due_on = date(2026, 4, 1)
    overdue = rules.task_overdue
    assert not overdue(status=TaskStatus.TODO, due_on=due_on, today=due_on, rules=RULES)
    assert overdue(status=TaskStatus.TODO, due_on=due_on, today=date(2026, 4, 2), rules=RULES)
    assert not overdue(status=TaskStatus.DONE, due_on=due_on, today=date(2026, 5, 1), rules=RULES)
    graceful = replace(RULES, task_grace_days=2)
    assert not overdue(
        status=TaskStatus.TODO, due_on=due_on, today=date(2026, 4, 3), rules=graceful
    )
    assert overdue(status=TaskStatus.TODO, due_on=due_on, today=date(2026, 4, 4), rules=graceful)
    assert rules.overdue_if_due_before(today=date(2026, 4, 4), rules=graceful) == date(2026, 4, 2)


def test_a_task_waiting_for_its_receiver_is_not_the_givers_overdue_task():
    late = date(2026, 5, 1)
    assert not rules.task_overdue(
        status=TaskStatus.WAITING, due_on=date(2026, 4, 1), today=late, rules=RULES
    )
    assert rules.task_overdue(
        status=TaskStatus.IN_PROGRESS, due_on=date(2026, 4, 1), today=late, rules=RULES
    )


def test_task_unconfirmed_after_more_than_the_unconfirmed_days():
    unconfirmed = rules.task_unconfirmed
    completed = date(2026, 4, 1)
    waiting = TaskStatus.WAITING
    # 3 days: completed on the 1st, still fine on the 4th, due on the 5th.
    assert not unconfirmed(
        status=waiting, completed_on=completed, today=date(2026, 4, 4), rules=RULES
    )
    assert unconfirmed(status=waiting, completed_on=completed, today=date(2026, 4, 5), rules=RULES)
    assert rules.unconfirmed_if_completed_before(today=date(2026, 4, 5), rules=RULES) == date(
        2026, 4, 2
    )
    for status in (TaskStatus.TODO, TaskStatus.IN_PROGRESS, TaskStatus.DONE):
        assert not unconfirmed(
            status=status, completed_on=completed, today=date(2026, 5, 1), rules=RULES
        )
    assert not unconfirmed(status=waiting, completed_on=None, today=date(2026, 5, 1), rules=RULES)
    at_once = replace(RULES, unconfirmed_days=0)
    assert unconfirmed(
        status=waiting, completed_on=completed, today=date(2026, 4, 2), rules=at_once
    )
    assert not unconfirmed(status=waiting, completed_on=completed, today=completed, rules=at_once)


@pytest.mark.parametrize(
    ("stage", "today", "expected"),
    [
        (Stage.RUNNING, END, False),
        (Stage.RUNNING, END + timedelta(days=1), True),
        (Stage.APPROVED, END + timedelta(days=1), True),  # never started: stop or re-plan
        (Stage.GRADUATED, END + timedelta(days=1), False),
        (Stage.STOPPED, END + timedelta(days=1), False),
        (Stage.PROPOSED, END + timedelta(days=1), False),
    ],
)
def test_the_decision_is_overdue_past_the_end_while_in_flight(stage, today, expected):
    assert (
        rules.decision_overdue(stage=stage, planned_end=END, today=today, rules=RULES) is expected
    )


def test_the_decision_grace_days_delay_it():
    graceful = replace(RULES, decision_grace_days=2)
    late = rules.decision_overdue
    assert not late(
        stage=Stage.RUNNING, planned_end=END, today=END + timedelta(days=2), rules=graceful
    )
    assert late(stage=Stage.RUNNING, planned_end=END, today=END + timedelta(days=3), rules=graceful)


def test_the_ownership_reminder_after_the_pending_days_on_an_open_pilot():
    nominated = date(2026, 1, 10)
    due = rules.ownership_reminder_due
    kwargs = {"owner_status": OwnershipStatus.PENDING, "nominated_on": nominated, "rules": RULES}
    assert not due(stage=Stage.DRAFT, today=nominated + timedelta(days=2), **kwargs)
    assert due(stage=Stage.DRAFT, today=nominated + timedelta(days=3), **kwargs)
    assert not due(stage=Stage.STOPPED, today=nominated + timedelta(days=9), **kwargs)
    assert not due(
        stage=Stage.DRAFT,
        today=nominated + timedelta(days=9),
        owner_status=OwnershipStatus.ACCEPTED,
        nominated_on=nominated,
        rules=RULES,
    )


def test_the_calendar_dates_are_the_days_the_rules_turn():
    """The last day for the final decision, and the day a nomination is chased, are the
    days ``decision_overdue`` and ``ownership_reminder_due`` turn (a calendar shows them)."""
    graceful = replace(RULES, decision_grace_days=2)
    due_by = rules.decision_due_by(planned_end=END, rules=graceful)
    assert due_by == END + timedelta(days=2)
    late = rules.decision_overdue
    assert not late(stage=Stage.RUNNING, planned_end=END, today=due_by, rules=graceful)
    assert late(stage=Stage.RUNNING, planned_end=END, today=due_by + timedelta(1), rules=graceful)
    nominated = date(2026, 1, 10)
    chased = rules.ownership_reminded_on(nominated_on=nominated, rules=RULES)
    assert chased == date(2026, 1, 13)
    kwargs = {"owner_status": OwnershipStatus.PENDING, "stage": Stage.DRAFT, "rules": RULES}
    assert rules.ownership_reminder_due(nominated_on=nominated, today=chased, **kwargs)
    assert not rules.ownership_reminder_due(
        nominated_on=nominated, today=chased - timedelta(1), **kwargs
    )


def test_the_stage_sets_are_consistent():
    assert {Stage.GRADUATED, Stage.STOPPED} == Stage.CLOSED
    assert set(Stage.OPEN) == set(Stage.values) - Stage.CLOSED
    assert set(Stage.IN_FLIGHT) <= set(Stage.SETUP) <= set(Stage.OPEN)
    assert set(Stage.READINGS) <= set(Stage.METRICS)
    assert list(Stage.FUNNEL) == [s for s in Stage.values if s != Stage.STOPPED]
    every = {
        *Stage.CLOSED,
        *Stage.OPEN,
        *Stage.IN_FLIGHT,
        *Stage.SETUP,
        *Stage.STARTED,
        *Stage.METRICS,
        *Stage.READINGS,
        *Stage.APPROVED_OR_LATER,
        *Stage.FUNNEL,
    }
    assert every <= set(Stage.values)  # no typo in a set


# --- Segment breach ------------------------------------------------------------------------

SEG_START = date(2026, 1, 1)


def breach(**changes) -> bool:
    """A higher-is-better segment from 70 to 80 over 100 days, read on day 50 (line: 75)."""
    values = {
        "stage": Stage.RUNNING,
        "increasing": True,
        "guardrail": None,
        "baseline": Decimal(70),
        "target": Decimal(80),
        "started_on": SEG_START,
        "target_date": SEG_START + timedelta(days=100),
        "latest_value": Decimal(75),
        "latest_on": SEG_START + timedelta(days=50),
    }
    values.update(changes)
    return rules.segment_breach(**values)


def test_a_segment_without_a_guardrail_breaches_when_behind_its_trajectory():
    assert breach() is False  # exactly on the line
    assert breach(latest_value=Decimal("74.99")) is True
    assert breach(latest_value=Decimal("76")) is False


def test_a_segment_guardrail_is_a_floor_when_higher_is_better_and_a_ceiling_otherwise():
    # Behind the line (74 < 75) but above its floor of 72: no breach.
    assert breach(guardrail=Decimal(72), latest_value=Decimal(74)) is False
    assert breach(guardrail=Decimal(72), latest_value=Decimal(72)) is False
    assert breach(guardrail=Decimal(72), latest_value=Decimal("71.9")) is True
    # Lower is better: 30 → 10; a ceiling of 25.
    lower = {"increasing": False, "baseline": Decimal(30), "target": Decimal(10)}
    assert breach(**lower, guardrail=Decimal(25), latest_value=Decimal(25)) is False
    assert breach(**lower, guardrail=Decimal(25), latest_value=Decimal("25.1")) is True
    assert breach(**lower, latest_value=Decimal(21)) is True  # line at 20: behind


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"stage": Stage.APPROVED}, id="not-running"),
        pytest.param({"stage": Stage.GRADUATED}, id="graduated"),
        pytest.param({"latest_value": None, "latest_on": None}, id="no-reading"),
        pytest.param({"increasing": None}, id="no-direction"),
        pytest.param({"target": None}, id="no-trajectory"),
    ],
)
def test_no_segment_breach_outside_running_or_without_what_it_needs(changes):
    assert breach(**{"latest_value": Decimal(0), **changes}) is False


# --- Owner check-ins -------------------------------------------------------------------------

T = timeline.Trajectory


@pytest.mark.parametrize(
    ("confidence", "trajectory", "diverges"),
    [
        ("on_track", T.BEHIND, True),  # optimism
        ("on_track", T.ON_TRACK, False),
        ("on_track", T.ACHIEVED, False),
        ("on_track", T.NO_DATA, False),
        ("at_risk", T.ON_TRACK, True),  # a worried owner, a metric on its line
        ("at_risk", T.ACHIEVED, True),
        ("at_risk", T.BEHIND, False),
        ("at_risk", T.NO_DATA, False),
        ("off_track", T.ON_TRACK, True),
        ("off_track", T.ACHIEVED, True),
        ("off_track", T.BEHIND, False),
        ("off_track", T.NO_DATA, False),
    ],
)
def test_confidence_diverges_table(confidence, trajectory, diverges):
    assert rules.confidence_diverges(confidence, trajectory) is diverges


def test_checkin_due_a_cadence_after_the_last_or_the_start():
    due = rules.checkin_due_on
    assert due(last_checkin_on=None, started_on=START, cadence_days=7) == date(2026, 1, 12)
    assert due(last_checkin_on=date(2026, 2, 27), started_on=START, cadence_days=31) == date(
        2026, 3, 30
    )
    assert due(last_checkin_on=None, started_on=None, cadence_days=7) is None


def test_a_checkin_is_current_for_its_cadence_plus_the_grace_days():
    on = date(2026, 3, 1)
    current = [
        rules.checkin_current(
            checked_in_on=on, cadence_days=7, today=on + timedelta(days=days), rules=RULES
        )
        for days in (0, 10, 11)
    ]
    assert current == [True, True, False]  # 7 + 3 grace days
    assert not rules.checkin_current(checked_in_on=None, cadence_days=7, today=on, rules=RULES)


@pytest.mark.parametrize(
    ("stage", "age", "confidence", "diverges"),
    [
        (Stage.RUNNING, 2, "on_track", True),
        (Stage.RUNNING, 11, "on_track", False),  # stale: says nothing
        (Stage.RUNNING, 2, None, False),  # no check-in
        (Stage.RUNNING, 2, "at_risk", False),  # agrees
        (Stage.GRADUATED, 2, "on_track", False),  # the trajectory is a running pilot's
        (Stage.APPROVED, 2, "on_track", False),
    ],
)
def test_checkin_divergence_counts_the_latest_current_check_in_of_a_running_pilot(
    stage, age, confidence, diverges
):
    today = date(2026, 3, 2)
    assert (
        rules.checkin_divergence(
            stage=stage,
            confidence=confidence,
            checked_in_on=today - timedelta(days=age) if confidence else None,
            trajectory=T.BEHIND,
            cadence_days=7,
            today=today,
            rules=RULES,
        )
        is diverges
    )


# --- Infrastructure waivers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "answer", "expires_on", "expired"),
    [
        (Stage.RUNNING, "no", date(2026, 3, 1), True),
        (Stage.APPROVED, "planned", date(2026, 3, 1), True),
        (Stage.RUNNING, "no", date(2026, 3, 2), False),  # its last day: still holds
        (Stage.RUNNING, "yes", date(2026, 3, 1), False),  # a "yes" ends a waiver
        (Stage.RUNNING, "no", None, False),  # no waiver: the gate's concern
        (Stage.PROPOSED, "no", date(2026, 3, 1), False),  # the lead decides with it
        (Stage.DRAFT, "no", date(2026, 3, 1), False),
        (Stage.GRADUATED, "no", date(2026, 3, 1), False),
    ],
)
def test_waiver_expired_after_its_last_day_while_approved_or_running(
    stage, answer, expires_on, expired
):
    assert (
        rules.waiver_expired(
            stage=stage, answer=answer, expires_on=expires_on, today=date(2026, 3, 2)
        )
        is expired
    )


# --- The checkpoint ---------------------------------------------------------------------


def _checkpoint(today, *, stage=Stage.RUNNING, end=END, decided_for=None, decided_on=None):
    window = timeline.timeline(start=START, end=end, today=today, lead_days=RULES.lead_days)
    return rules.checkpoint(
        stage=stage,
        window=window,
        decided_for=decided_for,
        decided_on=decided_on,
        today=today,
        rules=RULES,
    )


@pytest.mark.parametrize(
    ("today", "recordable", "due_since", "overdue"),
    [
        (OPENS - timedelta(days=15), False, None, False),  # before the lead days
        (OPENS - timedelta(days=14), True, None, False),  # a lead may record it early
        (OPENS, True, OPENS, False),  # due from the window's first day
        (OPENS + timedelta(days=6), True, OPENS, False),
        (OPENS + timedelta(days=7), True, OPENS, True),  # the grace days have passed
        (END, True, OPENS, True),  # the last day of the window
        (END + timedelta(days=1), False, None, False),  # past the end: the final decision
    ],
)
def test_checkpoint_due_in_the_open_window_and_overdue_after_the_grace_days(
    today, recordable, due_since, overdue
):
    found = _checkpoint(today)
    assert (found.window_opens, found.recordable, found.decided) == (OPENS, recordable, False)
    assert found.due_since == due_since
    assert found.due is (due_since is not None)
    assert found.overdue(today) is overdue


@pytest.mark.parametrize("stage", [Stage.DRAFT, Stage.APPROVED, Stage.GRADUATED, Stage.STOPPED])
def test_checkpoint_only_for_a_running_pilot(stage):
    assert _checkpoint(OPENS + timedelta(days=10), stage=stage) is None


def test_checkpoint_none_without_dates():
    assert (
        rules.checkpoint(
            stage=Stage.RUNNING,
            window=None,
            decided_for=None,
            decided_on=None,
            today=OPENS,
            rules=RULES,
        )
        is None
    )


def test_a_decision_for_this_window_answers_the_checkpoint():
    today = OPENS + timedelta(days=10)
    found = _checkpoint(today, decided_for=OPENS, decided_on=OPENS + timedelta(days=2))
    assert (found.decided, found.due, found.overdue(today)) == (True, False, False)
    # Taken early (within the lead days), it answers the window when it opens.
    early = _checkpoint(today, decided_for=OPENS, decided_on=OPENS - timedelta(days=5))
    assert early.due is False


def test_an_extension_moves_the_window_and_the_checkpoint_is_due_again_when_it_opens():
    new_end = date(2026, 9, 5)  # the window now opens on 6 July 2026
    new_opens = timeline.handover_window_opens(START, new_end)
    extended_on = OPENS + timedelta(days=3)
    before = _checkpoint(
        new_opens - timedelta(days=1), end=new_end, decided_for=OPENS, decided_on=extended_on
    )
    assert (before.window_opens, before.due, before.decided) == (new_opens, False, False)
    after = _checkpoint(new_opens, end=new_end, decided_for=OPENS, decided_on=extended_on)
    assert after.due_since == new_opens


def test_an_extension_that_leaves_the_new_window_open_is_due_from_its_day():
    new_end = END + timedelta(days=6)  # the window opens 4 days later, still in the past
    extended_on = OPENS + timedelta(days=20)
    found = _checkpoint(extended_on, end=new_end, decided_for=OPENS, decided_on=extended_on)
    assert found.window_opens < extended_on
    assert found.due_since == extended_on
    assert found.overdue(extended_on + timedelta(days=6)) is False
    assert found.overdue(extended_on + timedelta(days=7)) is True


@pytest.mark.parametrize(
    "today",
    [START, OPENS - timedelta(days=1), OPENS, OPENS + timedelta(days=6), END],
)
def test_the_checkpoints_deadline_is_known_ahead_and_is_the_day_before_it_is_overdue(today):
    found = _checkpoint(today)
    assert found.deadline == OPENS + timedelta(days=6)  # overdue from the 7th grace day
    assert not found.overdue(found.deadline)
    assert _checkpoint(found.deadline + timedelta(days=1)).overdue(
        found.deadline + timedelta(days=1)
    )


def test_no_checkpoint_deadline_once_decided_or_past_the_end():
    assert _checkpoint(START, decided_for=OPENS, decided_on=START).deadline is None
    assert _checkpoint(END + timedelta(days=1)).deadline is None


def test_an_extension_open_already_has_its_deadline_from_the_extensions_day():
    new_end = END + timedelta(days=6)
    extended_on = OPENS + timedelta(days=20)
    found = _checkpoint(extended_on, end=new_end, decided_for=OPENS, decided_on=extended_on)
    assert found.deadline == extended_on + timedelta(days=6)


# --- Before the date, the gate's time limit, escalation -------------------------------------

DUE = date(2026, 6, 10)


@pytest.mark.parametrize(
    ("today", "status", "expected"),
    [
        (DUE - timedelta(days=4), TaskStatus.TODO, False),
        (DUE - timedelta(days=3), TaskStatus.TODO, True),
        (DUE, TaskStatus.IN_PROGRESS, True),
        (DUE + timedelta(days=1), TaskStatus.TODO, False),  # overdue, not due soon
        (DUE - timedelta(days=1), TaskStatus.WAITING, False),  # given: the receiver's now
        (DUE - timedelta(days=1), TaskStatus.DONE, False),
    ],
)
def test_task_due_soon(today, status, expected):
    assert rules.task_due_soon(status=status, due_on=DUE, today=today, rules=RULES) is expected


@pytest.mark.parametrize(
    ("stage", "today", "expected"),
    [
        (Stage.RUNNING, END - timedelta(days=15), False),
        (Stage.RUNNING, END - timedelta(days=14), True),
        (Stage.RUNNING, END, True),
        (Stage.RUNNING, END + timedelta(days=1), False),
        (Stage.APPROVED, END - timedelta(days=1), False),
        (Stage.GRADUATED, END - timedelta(days=1), False),
    ],
)
def test_pilot_ending(stage, today, expected):
    assert rules.pilot_ending(stage=stage, planned_end=END, today=today, rules=RULES) is expected


@pytest.mark.parametrize(
    ("increasing", "latest", "expected"),
    [
        (True, None, True),  # no reading yet: the owner is told
        (True, Decimal("39.9"), True),
        (True, Decimal("40"), False),  # reached
        (False, Decimal("40.1"), True),
        (False, Decimal("40"), False),
    ],
)
def test_target_date_near_until_the_target_is_reached(increasing, latest, expected):
    assert (
        rules.target_date_near(
            stage=Stage.RUNNING,
            target_date=END,
            increasing=increasing,
            target=Decimal("40"),
            latest_value=latest,
            today=END - timedelta(days=3),
            rules=RULES,
        )
        is expected
    )


@pytest.mark.parametrize(
    ("stage", "today", "expected"),
    [
        (Stage.APPROVED, START, False),  # it may start today
        (Stage.APPROVED, START + timedelta(days=1), True),
        (Stage.APPROVED, END, True),
        (Stage.APPROVED, END + timedelta(days=1), False),  # the decision is overdue instead
        (Stage.RUNNING, START + timedelta(days=1), False),
        (Stage.PROPOSED, START + timedelta(days=1), False),
    ],
)
def test_start_overdue(stage, today, expected):
    assert (
        rules.start_overdue(
            stage=stage, planned_start=START, planned_end=END, today=today, rules=RULES
        )
        is expected
    )


@pytest.mark.parametrize(
    ("stage", "days", "expected"),
    [
        (Stage.PROPOSED, 5, False),
        (Stage.PROPOSED, 6, True),
        (Stage.APPROVED, 30, False),
        (Stage.DRAFT, 30, False),
    ],
)
def test_review_overdue_after_more_than_the_review_days(stage, days, expected):
    submitted = date(2026, 6, 1)
    assert (
        rules.review_overdue(
            stage=stage,
            submitted_on=submitted,
            today=submitted + timedelta(days=days),
            rules=RULES,
        )
        is expected
    )


@pytest.mark.parametrize(
    ("days_ago", "holds", "expected"),
    [
        (6, True, False),  # inside the grace days
        (7, True, True),
        (13, True, True),  # the week after the grace days
        (14, True, False),  # older: an earlier episode (a lasting cause is reminded weekly)
        (7, False, False),  # answered: the cause is gone
    ],
)
def test_escalation_due(days_ago, holds, expected):
    today = date(2026, 6, 20)
    assert (
        rules.escalation_due(
            reminded_on=today - timedelta(days=days_ago),
            still_holds=holds,
            today=today,
            rules=RULES,
        )
        is expected
    )
