"""The checkpoint service: continue, extend and stop, their refusals and independence."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from pilots.enums import CheckpointChoice, Stage
from pilots.errors import NotAllowed, TransitionRefused
from pilots.models import CheckpointDecision, ContractChange, GateDecision, Pilot, PilotEvent
from pilots.services import checkpoints, ownership
from tests import factories

OPENS = date(2026, 5, 6)  # the window of the running fixture (5 Jan to 5 Jul 2026)
IN_WINDOW = OPENS + timedelta(days=3)


def codes(refused: pytest.ExceptionInfo[TransitionRefused]) -> list[str]:
    return [item.code for item in refused.value.missing]


def record(pilot, by, decision=CheckpointChoice.CONTINUE, *, today=IN_WINDOW, **words):
    words.setdefault("rationale", "Seen the plan and the acceptance.")
    return checkpoints.checkpoint_record(
        pilot=pilot, by=by, decision=decision, today=today, **words
    )


@pytest.fixture
def ready(running, ops):
    """Running, with a handover plan, and operations has accepted the system."""
    factories.TaskFactory(pilot=running, assignee=running.owner)
    ownership.operations_accept(pilot=running, by=ops)
    return running


def test_continue_records_the_decision_for_this_window_with_its_event(ready, lead):
    decision = record(ready, lead)

    assert (decision.decision, decision.window_opened_on, decision.previous_end) == (
        CheckpointChoice.CONTINUE,
        OPENS,
        date(2026, 7, 5),
    )
    assert (decision.new_end, decision.decided_by) == (None, lead)
    event = PilotEvent.objects.get(pilot=ready, action=PilotEvent.Action.CHECKPOINT_DECIDED)
    assert event.changes == {"decision": [None, "continue"]}
    assert (event.actor, event.reason) == (lead, "Seen the plan and the acceptance.")
    assert Pilot.objects.get(pk=ready.pk).stage == Stage.RUNNING


def test_continue_without_plan_or_acceptance_names_both_and_writes_nothing(running, lead):
    with pytest.raises(TransitionRefused) as refused:
        record(running, lead)

    assert codes(refused) == ["handover_plan", "operations_not_accepted"]
    assert [item.section for item in refused.value.missing] == ["handover", "acceptance"]
    assert "operations owner has not accepted" in str(refused.value)
    assert not CheckpointDecision.objects.exists()
    assert not PilotEvent.objects.filter(action=PilotEvent.Action.CHECKPOINT_DECIDED).exists()


def test_continue_names_the_receiving_team_when_no_operations_owner(running, lead):
    Pilot.objects.filter(pk=running.pk).update(operations_owner=None, receiving_team="Claims ops")
    factories.TaskFactory(pilot=running, assignee=running.owner)

    with pytest.raises(TransitionRefused) as refused:
        record(running, lead)

    assert codes(refused) == ["operations_not_accepted"]
    assert "The receiving team (Claims ops) has not accepted" in refused.value.missing[0].message


def test_continue_twice_in_one_window_is_refused(ready, lead):
    record(ready, lead)
    with pytest.raises(TransitionRefused) as refused:
        record(ready, lead, today=IN_WINDOW + timedelta(days=1))
    assert codes(refused) == ["already_continued"]


def test_extend_moves_the_end_through_one_function_and_records_both_events(running, lead):
    decision = record(
        running,
        lead,
        CheckpointChoice.EXTEND,
        rationale="The receiving team starts in August.",
        new_end=date(2026, 9, 30),
    )

    running.refresh_from_db()
    assert running.planned_end == date(2026, 9, 30)
    assert (decision.previous_end, decision.new_end, decision.window_opened_on) == (
        date(2026, 7, 5),
        date(2026, 9, 30),
        OPENS,
    )
    moved = PilotEvent.objects.get(pilot=running, subject="Planned end extended")
    assert moved.changes == {"planned_end": ["2026-07-05", "2026-09-30"]}
    assert moved.reason == "The receiving team starts in August."
    event = PilotEvent.objects.get(pilot=running, action=PilotEvent.Action.CHECKPOINT_DECIDED)
    assert event.changes == {
        "decision": [None, "extend"],
        "planned_end": ["2026-07-05", "2026-09-30"],
    }
    # The new end is drift against the approved contract, with the extension's reason,
    # until a lead acknowledges it (CONTRACT_CHANGED meanwhile).
    change = ContractChange.objects.get(pilot=running)
    assert (change.key, change.before, change.after, change.reason) == (
        "pilot.planned_end",
        "2026-07-05",
        "2026-09-30",
        "The receiving team starts in August.",
    )
    assert change.acknowledged_at is None


@pytest.mark.parametrize(
    ("new_end", "message"),
    [
        (None, "An extension needs the new planned end."),
        (date(2026, 7, 5), "The new planned end must be after the current one (5 Jul 2026)."),
        (date(2026, 6, 1), "The new planned end must be after the current one (5 Jul 2026)."),
    ],
)
def test_extend_needs_a_later_end(running, lead, new_end, message):
    with pytest.raises(ValidationError) as refused:
        record(running, lead, CheckpointChoice.EXTEND, new_end=new_end)

    assert refused.value.message_dict == {"new_end": [message]}
    running.refresh_from_db()
    assert running.planned_end == date(2026, 7, 5)
    assert not CheckpointDecision.objects.exists()


def test_words_are_checked_as_field_errors(running, lead):
    with pytest.raises(ValidationError) as refused:
        record(running, lead, CheckpointChoice.STOP, rationale="  ", new_end=date(2026, 9, 1))

    assert set(refused.value.message_dict) == {"rationale", "new_end", "lessons_learned"}


def test_stop_goes_through_the_stop_gate(running, lead):
    decision = record(
        running,
        lead,
        CheckpointChoice.STOP,
        rationale="No receiving team will take it.",
        lessons_learned="Name the receiving team before approval.",
    )

    running.refresh_from_db()
    assert running.stage == Stage.STOPPED
    gate = GateDecision.objects.get(pilot=running, to_stage=Stage.STOPPED)
    assert (gate.rationale, gate.lessons_learned) == (
        "No receiving team will take it.",
        "Name the receiving team before approval.",
    )
    assert decision.decision == CheckpointChoice.STOP


@pytest.mark.parametrize("who", ["sponsor", "owner", "ops", "member"])
def test_only_an_independent_lead_may_decide(running, who, request):
    user = request.getfixturevalue(who)
    with pytest.raises(NotAllowed) as refused:
        record(running, user, CheckpointChoice.EXTEND, new_end=date(2026, 9, 1))
    assert str(refused.value) == (
        "A portfolio lead who is neither this pilot's sponsor nor its business owner must "
        "take its checkpoint decision (continue, extend or stop)."
    )
    assert not CheckpointDecision.objects.exists()


def test_a_lead_who_owns_the_pilot_may_not_decide(running, lead, lead2):
    Pilot.objects.filter(pk=running.pk).update(sponsor=lead2)
    with pytest.raises(NotAllowed):
        record(running, lead2, CheckpointChoice.EXTEND, new_end=date(2026, 9, 1))


@pytest.mark.parametrize(
    ("today", "code"),
    [
        (OPENS - timedelta(days=15), "window_not_open"),  # before the lead days
        (date(2026, 7, 6), "pilot_ended"),  # past the end: the final decision is due
    ],
)
def test_the_window_decides_when_it_may_be_recorded(ready, lead, today, code):
    with pytest.raises(TransitionRefused) as refused:
        record(ready, lead, today=today)
    assert codes(refused) == [code]


def test_it_may_be_recorded_within_the_lead_days_before_the_window(ready, lead):
    decision = record(ready, lead, today=OPENS - timedelta(days=14))
    assert decision.window_opened_on == OPENS


def test_only_a_running_pilot_has_a_checkpoint(approved, lead):
    with pytest.raises(TransitionRefused) as refused:
        record(approved, lead, today=IN_WINDOW)
    assert codes(refused) == ["stage"]


def test_pilot_end_extend_refuses_an_earlier_end(running, lead):
    with pytest.raises(ValidationError):
        checkpoints.pilot_end_extend(
            pilot=running, by=lead, new_end=date(2026, 7, 1), reason="Shorter."
        )
    running.refresh_from_db()
    assert running.planned_end == date(2026, 7, 5)


def test_a_checkpoint_decision_is_append_only_history(ready, lead):
    from django.db import IntegrityError, connection, transaction

    from pilots.models.history import HistoryIsAppendOnly

    decision = record(ready, lead)
    decision.rationale = "Rewritten."
    with pytest.raises(HistoryIsAppendOnly):
        decision.save()
    with pytest.raises(HistoryIsAppendOnly):
        decision.delete()
    # The database refuses it too (migration 0010's trigger).
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE pilots_checkpointdecision SET rationale = 'x' WHERE id = %s", [decision.pk]
        )
    assert CheckpointDecision.objects.get(pk=decision.pk).rationale != "x"
