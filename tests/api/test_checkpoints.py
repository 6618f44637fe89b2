"""The checkpoint through the API: list, record, 400 field errors, 403 naming the rule, 409."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from pilots.models import CheckpointDecision
from pilots.services import ownership
from tests import factories
from tests.api.conftest import url


@pytest.fixture(autouse=True)
def _in_the_window():
    """The running fixture's window opened on 6 May 2026."""
    with time_machine.travel("2026-05-10 10:00", tick=False):
        yield


def post(client, pilot, body):
    return client.post(url(pilot.reference, "checkpoints/"), body, format="json")


def test_extend_is_recorded_and_listed(client_as, running):
    response = post(
        client_as("lead"),
        running,
        {
            "decision": "extend",
            "rationale": "Operations starts in August.",
            "new_end": "2026-09-30",
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert {k: body[k] for k in ("decision", "window_opened_on", "previous_end", "new_end")} == {
        "decision": "extend",
        "window_opened_on": "2026-05-06",
        "previous_end": "2026-07-05",
        "new_end": "2026-09-30",
    }
    assert body["decided_by"]["username"] == "lead"
    running.refresh_from_db()
    assert running.planned_end == date(2026, 9, 30)
    listed = client_as("owner").get(url(running.reference, "checkpoints/")).json()
    assert [row["decision"] for row in listed["results"]] == ["extend"]


def test_continue_refused_is_a_409_naming_every_missing_item(client_as, running):
    response = post(client_as("lead"), running, {"decision": "continue", "rationale": "Go."})

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "transition_refused"
    assert [item["code"] for item in body["missing"]] == [
        "handover_plan",
        "operations_not_accepted",
    ]
    assert not CheckpointDecision.objects.exists()


def test_continue_with_the_plan_and_acceptance(client_as, running, ops):
    factories.TaskFactory(pilot=running, assignee=running.owner)
    ownership.operations_accept(pilot=running, by=ops)
    response = post(client_as("lead"), running, {"decision": "continue", "rationale": "Go."})
    assert response.status_code == 201
    assert response.json()["new_end"] is None


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"decision": "extend", "rationale": "More."}, {"new_end"}),
        ({"decision": "extend", "rationale": "More.", "new_end": "2026-07-01"}, {"new_end"}),
        ({"decision": "stop", "rationale": "No."}, {"lessons_learned"}),
        ({"decision": "pause", "rationale": "Hm."}, {"decision"}),
        ({"decision": "continue", "rationale": ""}, {"rationale"}),
        ({"decision": "continue", "rationale": "Go.", "extra": 1}, {"extra"}),
    ],
)
def test_bad_input_is_a_400_with_field_errors_and_changes_nothing(client_as, running, body, fields):
    response = post(client_as("lead"), running, body)

    assert response.status_code == 400
    assert set(response.json()["errors"]) == fields
    running.refresh_from_db()
    assert (running.planned_end, running.stage) == (date(2026, 7, 5), "running")
    assert not CheckpointDecision.objects.exists()


@pytest.mark.parametrize("role", ["sponsor", "owner", "ops", "member"])
def test_only_an_independent_lead_records_it_403_naming_the_rule(client_as, running, role):
    response = post(
        client_as(role), running, {"decision": "extend", "rationale": "X.", "new_end": "2026-09-01"}
    )
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "A portfolio lead who is neither this pilot's sponsor nor its business owner must "
        "take its checkpoint decision (continue, extend or stop)."
    )


def test_an_approved_pilot_has_no_checkpoint_409(client_as, approved):
    response = post(
        client_as("lead"),
        approved,
        {"decision": "extend", "rationale": "X.", "new_end": "2026-09-01"},
    )
    assert response.status_code == 409
    assert [item["code"] for item in response.json()["missing"]] == ["stage"]


def test_outsiders_get_404(client_as, running):
    assert client_as("outsider").get(url(running.reference, "checkpoints/")).status_code == 404
