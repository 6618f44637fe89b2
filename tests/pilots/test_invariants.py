"""Rules that hold after the gates: edits cannot undo them, stale copies cannot revert them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from pilots.enums import MetricKind, Stage
from pilots.errors import NotAllowed, TransitionRefused
from pilots.models import GateDecision, Metric, MetricReading, OperatingPlan, Pilot, PilotEvent
from pilots.services import gates, handover, metrics, ownership, registration
from tests import factories


def primary(pilot: Pilot) -> Metric:
    return pilot.metrics.get(kind=MetricKind.PRIMARY)


# --- the registration stays complete past draft ----------------------------------------


@pytest.mark.parametrize("field", ["planned_start", "planned_end"])
def test_approved_pilot_dates_cannot_be_cleared(approved, sponsor, field):
    with pytest.raises(ValidationError) as error:
        registration.pilot_update(pilot=approved, by=sponsor, **{field: None})

    assert error.value.messages[0].startswith(
        "The pilot is approved: its registration must stay complete. Set the planned"
    )
    assert getattr(Pilot.objects.get(pk=approved.pk), field) is not None


def test_approved_pilot_cannot_lose_its_operations_receiver(approved, sponsor):
    with pytest.raises(ValidationError):
        registration.pilot_update(
            pilot=approved, by=sponsor, operations_owner=None, receiving_team=""
        )
    assert Pilot.objects.get(pk=approved.pk).receiving_team == "Finance operations"


def test_approved_pilot_metric_baseline_cannot_be_cleared(approved, sponsor):
    metric = primary(approved)
    with pytest.raises(ValidationError):
        metrics.metric_update(metric=metric, by=sponsor, baseline=None)
    assert Metric.objects.get(pk=metric.pk).baseline == Decimal("10")


def test_approved_pilot_operating_plan_cannot_be_blanked(approved, sponsor):
    with pytest.raises(ValidationError):
        registration.operating_plan_update(pilot=approved, by=sponsor, support_model="")
    assert OperatingPlan.objects.get(pilot=approved).support_model == "Business hours"


def test_draft_may_be_incomplete(draft, sponsor):
    registration.pilot_update(pilot=draft, by=sponsor, planned_start=None)
    assert Pilot.objects.get(pk=draft.pk).planned_start is None


def test_start_after_the_planned_end_is_refused(approved, sponsor):
    with pytest.raises(TransitionRefused) as refused:
        gates.pilot_start(pilot=approved, by=sponsor, today=date(2026, 7, 6))

    assert [item.code for item in refused.value.missing] == ["after_planned_end"]


def test_start_rechecks_the_registration(approved, sponsor):
    Metric.objects.filter(pilot=approved).update(baseline=None)  # written around the services

    with pytest.raises(TransitionRefused) as refused:
        gates.pilot_start(pilot=approved, by=sponsor, today=date(2026, 2, 1))

    assert [item.code for item in refused.value.missing] == ["primary_metric_baseline"]


# --- stale copies --------------------------------------------------------------------------


def test_edit_from_a_stale_copy_does_not_revert_the_stage(approved, sponsor):
    stale = Pilot.objects.get(pk=approved.pk)
    gates.pilot_start(pilot=approved, by=sponsor, today=date(2026, 2, 1))

    registration.pilot_update(pilot=stale, by=sponsor, title="Renamed")

    stored = Pilot.objects.get(pk=approved.pk)
    assert (stored.stage, stored.started_on, stored.title) == (
        Stage.RUNNING,
        date(2026, 2, 1),
        "Renamed",
    )


def test_nomination_from_a_stale_copy_sees_the_closed_stage(running, sponsor, lead):
    stale = Pilot.objects.get(pk=running.pk)
    gates.pilot_stop(pilot=running, by=lead, rationale="Over", lessons_learned="Data first")

    with pytest.raises(ValidationError):
        ownership.owner_nominate(pilot=stale, by=sponsor, owner=factories.UserFactory())
    assert Pilot.objects.get(pk=running.pk).stage == Stage.STOPPED


def test_ownership_cannot_be_answered_on_a_closed_pilot(proposed, lead, sponsor, owner):
    gates.pilot_reject(pilot=proposed, by=lead, reason="No budget")
    ownership.owner_nominate(pilot=proposed, by=sponsor, owner=factories.UserFactory(username="n"))
    nominee = proposed.owner
    Pilot.objects.filter(pk=proposed.pk).update(stage=Stage.STOPPED)

    with pytest.raises(ValidationError):
        ownership.ownership_accept(pilot=proposed, by=nominee)


# --- operations acceptance ----------------------------------------------------------------


def test_lead_cannot_accept_for_a_named_operations_owner(running, lead, ops):
    with pytest.raises(NotAllowed):
        ownership.operations_accept(pilot=running, by=lead)
    ownership.operations_accept(pilot=running, by=ops)
    assert Pilot.objects.get(pk=running.pk).operations_accepted_by == ops


def test_lead_records_acceptance_for_a_receiving_team(running, lead, sponsor):
    registration.pilot_update(
        pilot=running, by=sponsor, operations_owner=None, reason="The team runs it."
    )

    ownership.operations_accept(pilot=running, by=lead)

    assert Pilot.objects.get(pk=running.pk).operations_accepted_by == lead


def test_changing_the_receiving_team_clears_acceptance(running, lead, sponsor):
    registration.pilot_update(
        pilot=running, by=sponsor, operations_owner=None, reason="The team runs it."
    )
    ownership.operations_accept(pilot=running, by=lead)

    registration.pilot_update(
        pilot=running, by=sponsor, receiving_team="Another team", reason="Reorganised."
    )

    assert Pilot.objects.get(pk=running.pk).operations_accepted_at is None


# --- readings: bad input is a ValidationError, every write is in the history ------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"value": None}, "value"),
        ({"value": Decimal("1e13")}, "value"),
        ({"source": "csv"}, "source"),
        ({"note": "x" * 501}, "note"),
        ({"observed_on": "not a date"}, "observed_on"),
    ],
)
def test_reading_bad_input_is_refused_and_writes_nothing(running, owner, kwargs, field):
    metric = primary(running)
    arguments = {"observed_on": date(2026, 2, 1), "value": Decimal("12"), **kwargs}

    with pytest.raises(ValidationError) as error:
        metrics.reading_record(metric=metric, by=owner, **arguments)

    assert field in error.value.message_dict
    assert not MetricReading.objects.exists()
    assert not running.events.filter(action=PilotEvent.Action.READING_RECORDED).exists()


def test_reading_date_may_be_given_as_iso_text(running, owner):
    reading = metrics.reading_record(
        metric=primary(running), by=owner, observed_on="2026-02-01", value="12.5"
    )
    assert (reading.observed_on, reading.value) == (date(2026, 2, 1), Decimal("12.5"))


def test_reading_writes_and_deletes_are_recorded(running, owner):
    metric = primary(running)
    metrics.reading_record(metric=metric, by=owner, observed_on=date(2026, 2, 1), value=12)
    reading = metrics.reading_record(
        metric=metric, by=owner, observed_on=date(2026, 2, 1), value=Decimal("13.5")
    )
    metrics.reading_delete(reading=reading, by=owner)

    events = list(
        running.events.filter(action__startswith="reading")
        .order_by("id")
        .values_list("action", "changes")
    )
    assert events == [
        ("reading_recorded", {"value": [None, "12"]}),
        ("reading_recorded", {"value": ["12", "13.5"]}),
        ("reading_deleted", {"value": ["13.5", None]}),
    ]


# --- handover ------------------------------------------------------------------------------------


def test_task_assignee_must_be_on_the_pilot(running, owner, outsider, member):
    with pytest.raises(ValidationError) as error:
        handover.task_create(
            pilot=running,
            by=owner,
            title="Runbook",
            kind="runbook",
            assignee=outsider,
            receiver_team="Ops",
            due_on=date(2026, 6, 1),
        )
    assert "assignee" in error.value.message_dict
    task = factories.TaskFactory(pilot=running, assignee=member)
    with pytest.raises(ValidationError):
        handover.task_update(task=task, by=owner, assignee=outsider)


def test_task_reorder_is_recorded(running, owner, member):
    a, b = (factories.TaskFactory(pilot=running, assignee=member, position=i) for i in (1, 2))

    handover.task_reorder(pilot=running, by=owner, task_ids=[b.pk, a.pk])

    event = running.events.get(action=PilotEvent.Action.TASK_REORDERED)
    assert event.changes == {"order": [[a.pk, b.pk], [b.pk, a.pk]]}
    assert GateDecision.objects.filter(pilot=running).count() == 3
