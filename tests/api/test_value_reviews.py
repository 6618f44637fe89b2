"""The value reviews API: the owner records, the sponsor and an independent lead sign off."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pilots.models import Pilot, ValueReview, ValueReviewSignOff
from tests import factories
from tests.api.conftest import url

REVIEW = {
    "still_used": True,
    "worth_cost": True,
    "narrative": "A third of claims go through it.",
    "proposal": "sustain",
}


@pytest.fixture
def graduated(running, owner, ops, lead, time_machine):
    time_machine.move_to(datetime(2026, 7, 6, 10, tzinfo=UTC), tick=False)
    factories.ReadingFactory(metric=running.metrics.get(), observed_on=running.started_on)
    pilot = factories.graduate(running, owner=owner, ops=ops, lead=lead)
    time_machine.move_to(datetime(2026, 10, 5, 10, tzinfo=UTC), tick=False)  # day 91
    return pilot


def post(client, pilot, body, rest="value-reviews/"):
    return client.post(url(pilot.reference, rest), body, format="json")


def test_the_owner_records_and_both_sign_off_then_it_is_listed_signed(client_as, graduated):
    response = post(client_as("owner"), graduated, {**REVIEW, "metric_value": "31.5"})
    assert response.status_code == 201
    body = response.json()
    assert (body["due_day"], body["due_on"], body["metric_value"]) == (90, "2026-10-04", "31.5000")
    assert (body["signoffs"], body["signed_off"]) == ([], False)
    review = f"value-reviews/{body['id']}/sign-off/"

    assert post(client_as("sponsor"), graduated, {"decision": "sign"}, review).status_code == 200
    signed = post(client_as("lead"), graduated, {"decision": "sign"}, review).json()
    assert [(s["role"], s["decision"]) for s in signed["signoffs"]] == [
        ("sponsor", "sign"),
        ("lead", "sign"),
    ]
    assert signed["signed_off"] is True
    listed = client_as("member").get(url(graduated.reference, "value-reviews/")).json()
    assert [(row["due_day"], row["signed_off"]) for row in listed["results"]] == [(90, True)]


def test_someone_else_may_not_record_or_sign_403(client_as, graduated):
    assert post(client_as("sponsor"), graduated, REVIEW).status_code == 403
    body = post(client_as("owner"), graduated, REVIEW).json()
    rest = f"value-reviews/{body['id']}/sign-off/"
    for who in ("owner", "ops", "member"):
        assert post(client_as(who), graduated, {"decision": "sign"}, rest).status_code == 403
    assert not ValueReviewSignOff.objects.exists()


def test_retire_needs_lessons_and_a_refusal_a_reason_400(client_as, graduated):
    response = post(client_as("owner"), graduated, {**REVIEW, "proposal": "retire"})
    assert response.status_code == 400
    assert "lessons_learned" in response.json()["errors"]
    assert not ValueReview.objects.exists()
    body = post(client_as("owner"), graduated, REVIEW).json()
    rest = f"value-reviews/{body['id']}/sign-off/"
    refused = post(client_as("lead"), graduated, {"decision": "refuse"}, rest)
    assert refused.status_code == 400
    assert "reason" in refused.json()["errors"]


def test_a_review_not_due_or_waiting_is_a_409(client_as, graduated, time_machine):
    time_machine.move_to(datetime(2026, 8, 1, 10, tzinfo=UTC), tick=False)
    response = post(client_as("owner"), graduated, REVIEW)
    assert response.status_code == 409
    assert [item["code"] for item in response.json()["missing"]] == ["not_due"]


def test_a_signed_off_retire_ends_the_operation(client_as, graduated):
    body = post(
        client_as("owner"),
        graduated,
        {**REVIEW, "proposal": "retire", "lessons_learned": "Nobody owned the retraining."},
    ).json()
    rest = f"value-reviews/{body['id']}/sign-off/"
    assert post(client_as("lead"), graduated, {"decision": "sign"}, rest).status_code == 200
    response = post(client_as("sponsor"), graduated, {"decision": "sign"}, rest)
    assert response.status_code == 200, response.json()
    assert str(Pilot.objects.get(pk=graduated.pk).operation_ended_on) == "2026-10-05"


def test_a_review_of_another_pilot_is_a_404(client_as, graduated, sponsor):
    other = factories.PilotFactory(sponsor=sponsor)
    body = post(client_as("owner"), graduated, REVIEW).json()
    response = post(
        client_as("lead"), other, {"decision": "sign"}, f"value-reviews/{body['id']}/sign-off/"
    )
    assert response.status_code == 404
