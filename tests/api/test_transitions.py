"""Every lifecycle transition through the API, accepted and refused.

A refused transition is a 409 that lists every missing item; a request that
is malformed is a 400; a user without the role gets 403. None changes the stage.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from pilots.enums import PORTFOLIO_LEADS_GROUP, Stage, TaskStatus
from pilots.services import ownership
from tests import factories
from tests.api.conftest import url

pytestmark = pytest.mark.usefixtures("today")


def post(client, pilot, action, body=None):
    return client.post(url(pilot.reference, f"{action}/"), body or {})


def stage_of(pilot) -> str:
    pilot.refresh_from_db()
    return pilot.stage


def test_submit_lists_everything_missing_then_submits(client_as, sponsor):
    pilot = factories.PilotFactory(sponsor=sponsor)
    refused = post(client_as("sponsor"), pilot, "submit")
    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "transition_refused"
    codes = {item["code"] for item in body["missing"]}
    assert {"primary_metric", "owner", "operating_plan"} <= codes
    assert all(set(item) == {"code", "message", "section"} for item in body["missing"])
    assert stage_of(pilot) == Stage.DRAFT

    factories.complete_registration(pilot, owner=factories.UserFactory())
    accepted = post(client_as("sponsor"), pilot, "submit")
    assert accepted.status_code == 200
    assert accepted.json()["stage"] == "proposed"
    assert pilot.decisions.get().to_stage == Stage.PROPOSED


@pytest.mark.parametrize(("role", "status"), [("owner", 403), ("member", 403), ("ops", 403)])
def test_only_editors_submit(client_as, draft, role, status):
    assert post(client_as(role), draft, "submit").status_code == status
    assert stage_of(draft) == Stage.DRAFT


def test_nominee_accepts_ownership(client_as, proposed):
    assert post(client_as("member"), proposed, "accept-ownership").status_code == 403
    response = post(client_as("owner"), proposed, "accept-ownership")
    assert response.status_code == 200
    assert response.json()["owner_status"] == "accepted"


def test_nominee_declines_with_a_reason_only(client_as, proposed):
    missing = post(client_as("owner"), proposed, "decline-ownership")
    assert missing.status_code == 400
    assert missing.json()["errors"] == {"reason": ["This field is required."]}
    response = post(client_as("owner"), proposed, "decline-ownership", {"reason": "No budget."})
    assert response.status_code == 200
    assert response.json()["owner_status"] == "declined"
    proposed.refresh_from_db()
    assert proposed.owner_decline_reason == "No budget."


def test_approve_is_refused_until_ownership_is_accepted(client_as, proposed, owner):
    refused = post(client_as("lead"), proposed, "approve", {"rationale": "Good case."})
    assert refused.status_code == 409
    assert [item["code"] for item in refused.json()["missing"]] == ["owner_not_accepted"]
    assert stage_of(proposed) == Stage.PROPOSED

    ownership.ownership_accept(pilot=proposed, by=owner)
    assert post(client_as("lead"), proposed, "approve").status_code == 400  # no rationale
    response = post(client_as("lead"), proposed, "approve", {"rationale": "Good case."})
    assert response.status_code == 200
    assert response.json()["stage"] == "approved"
    assert proposed.decisions.order_by("-pk").first().rationale == "Good case."


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_only_an_independent_lead_decides_the_gate(client_as, proposed, sponsor, action):
    body = {"approve": {"rationale": "x"}, "reject": {"reason": "x"}}[action]
    assert post(client_as("sponsor"), proposed, action, body).status_code == 403
    assert post(client_as("owner"), proposed, action, body).status_code == 403
    assert post(client_as("outsider"), proposed, action, body).status_code == 404
    assert post(client_as("anonymous"), proposed, action, body).status_code == 401
    assert stage_of(proposed) == Stage.PROPOSED


def test_reject_sends_the_pilot_back_to_draft(client_as, proposed):
    response = post(client_as("lead"), proposed, "reject", {"reason": "Metric is vague."})
    assert response.status_code == 200
    assert response.json()["stage"] == "draft"
    assert proposed.decisions.order_by("-pk").first().rationale == "Metric is vague."


def test_start_runs_an_approved_pilot(client_as, approved):
    response = post(client_as("owner"), approved, "start", {"note": "Kick-off done."})
    assert response.status_code == 200
    assert response.json()["stage"] == "running"
    assert response.json()["started_on"] == "2026-03-01"


def test_start_after_the_planned_end_is_refused(client_as, approved, time_machine):
    time_machine.move_to("2026-08-01 10:00")
    response = post(client_as("sponsor"), approved, "start")
    assert response.status_code == 409
    assert [item["code"] for item in response.json()["missing"]] == ["after_planned_end"]
    assert stage_of(approved) == Stage.APPROVED


def test_graduate_lists_the_handover_that_is_missing(client_as, running):
    response = post(client_as("lead"), running, "graduate", {"rationale": "In production."})
    assert response.status_code == 409
    codes = [item["code"] for item in response.json()["missing"]]
    assert codes == ["handover_plan", "operations_not_accepted"]
    assert stage_of(running) == Stage.RUNNING


def test_operations_accepts_then_the_pilot_graduates(client_as, running, owner):
    factories.TaskFactory(
        pilot=running,
        assignee=owner,
        status=TaskStatus.DONE,
        evidence_url="https://wiki.example.com/rb",
        completed_at="2026-02-01T10:00Z",
        confirmed_at="2026-02-02T10:00Z",
    )
    assert post(client_as("member"), running, "accept-operations").status_code == 403
    assert post(client_as("ops"), running, "accept-operations").status_code == 200
    response = post(client_as("lead"), running, "graduate", {"rationale": "In production."})
    assert response.status_code == 200
    assert response.json()["stage"] == "graduated"


def test_stop_needs_lessons_learned(client_as, running):
    missing = post(client_as("lead"), running, "stop", {"rationale": "No value."})
    assert missing.status_code == 400
    assert set(missing.json()["errors"]) == {"lessons_learned"}
    response = post(
        client_as("lead"),
        running,
        "stop",
        {"rationale": "No value.", "lessons_learned": "Data was too sparse."},
    )
    assert response.status_code == 200
    assert response.json()["stage"] == "stopped"
    assert running.decisions.order_by("-pk").first().lessons_learned == "Data was too sparse."


def test_a_transition_from_the_wrong_stage_is_a_conflict(client_as, running):
    response = post(client_as("lead"), running, "approve", {"rationale": "Again."})
    assert response.status_code == 409
    assert response.json()["missing"][0]["code"] == "stage"


def test_writing_to_a_pilot_in_the_wrong_stage_is_a_conflict(client_as, draft, member):
    response = client_as("owner").post(
        url(draft.reference, "accept-ownership/"),
    )
    assert response.status_code == 200
    metric = draft.metrics.get()
    reading = client_as("member").post(
        url(draft.reference, f"metrics/{metric.pk}/readings/"),
        {"observed_on": "2026-02-01", "value": "11"},
    )
    assert reading.status_code == 409
    assert reading.json() == {
        "code": "stage_locked",
        "detail": "Cannot record a reading while the pilot is draft.",
        "missing": [
            {
                "code": "stage_locked",
                "message": "Cannot record a reading while the pilot is draft.",
                "section": "stage",
            }
        ],
    }


def make_lead(user) -> None:
    """Put ``user`` in the portfolio leads (and forget the groups their object remembers)."""
    user.groups.add(Group.objects.get_or_create(name=PORTFOLIO_LEADS_GROUP)[0])
    vars(user).pop("_pilotgate_groups", None)


INDEPENDENCE_RULE = (
    "A portfolio lead who is neither this pilot's sponsor nor its business owner must {}."
)


@pytest.mark.parametrize(
    ("decision", "words"),
    [("graduate", "record its graduation"), ("stop", "record its stop")],
)
def test_the_sponsor_may_not_take_the_final_decision(client_as, running, decision, words):
    response = post(
        client_as("sponsor"),
        running,
        decision,
        {"rationale": "Mine."} | ({"lessons_learned": "Some."} if decision == "stop" else {}),
    )
    assert response.status_code == 403
    assert response.json()["detail"] == INDEPENDENCE_RULE.format(words)
    assert stage_of(running) == Stage.RUNNING


def test_a_lead_who_owns_the_pilot_may_not_stop_it(client_as, running, owner):
    make_lead(owner)
    response = post(
        client_as("owner"), running, "stop", {"rationale": "Mine.", "lessons_learned": "Some."}
    )
    assert response.status_code == 403
    assert response.json()["detail"] == INDEPENDENCE_RULE.format("record its stop")
    assert stage_of(running) == Stage.RUNNING
