"""The API's owner check-ins: listed newest first and paginated, recorded, refused by rule."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pilots.models import CheckIn, PilotEvent
from pilots.permissions import CHECKIN_RULE
from tests import factories
from tests.api.conftest import url

pytestmark = pytest.mark.usefixtures("today")

BODY = {"confidence": "at_risk", "narrative": "Volumes dipped.", "blockers": "Feed late."}


def test_the_owner_records_a_checkin_and_everyone_on_the_pilot_reads_it(client_as, running, owner):
    response = client_as("owner").post(url(running.reference, "check-ins/"), BODY, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert {key: body[key] for key in ("confidence", "narrative", "blockers")} == BODY
    assert body["author"] == {
        "id": owner.pk,
        "username": "owner",
        "full_name": owner.get_full_name(),
    }
    listed = client_as("member").get(url(running.reference, "check-ins/")).json()
    assert (listed["count"], [row["id"] for row in listed["results"]]) == (1, [body["id"]])
    assert running.events.filter(action=PilotEvent.Action.CHECKIN_RECORDED).count() == 1


def test_the_list_is_newest_first_paginated_and_filtered(client_as, running, owner):
    made = [
        factories.CheckInFactory(
            pilot=running,
            author=owner,
            confidence=confidence,
            created_at=datetime(2026, 2, day, 9, tzinfo=UTC),
        )
        for day, confidence in ((1, "on_track"), (8, "at_risk"), (15, "on_track"))
    ]
    client = client_as("sponsor")
    page = client.get(url(running.reference, "check-ins/?page_size=2")).json()
    assert (page["count"], [row["id"] for row in page["results"]]) == (
        3,
        [made[2].pk, made[1].pk],
    )
    at_risk = client.get(url(running.reference, "check-ins/?confidence=at_risk")).json()
    assert [row["id"] for row in at_risk["results"]] == [made[1].pk]
    oldest = client.get(url(running.reference, "check-ins/?sort=created_at")).json()
    assert [row["id"] for row in oldest["results"]] == [m.pk for m in made]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"confidence": "great", "narrative": "Fine."}, {"confidence"}),
        ({"confidence": "on_track", "narrative": ""}, {"narrative"}),
        ({"confidence": "on_track"}, {"narrative"}),
        ({"confidence": "on_track", "narrative": "x" * 501}, {"narrative"}),
        ({"confidence": "on_track", "narrative": "Fine.", "mood": "good"}, {"mood"}),
    ],
)
def test_bad_input_is_a_400_naming_each_field_and_writes_nothing(client_as, running, body, fields):
    response = client_as("owner").post(url(running.reference, "check-ins/"), body, format="json")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == fields
    assert CheckIn.objects.count() == 0


@pytest.mark.parametrize("role", ["sponsor", "member", "ops", "lead"])
def test_anyone_but_the_owner_is_a_403_naming_the_rule(client_as, running, role):
    response = client_as(role).post(url(running.reference, "check-ins/"), BODY, format="json")

    assert response.status_code == 403
    assert response.json() == {"code": "permission_denied", "detail": CHECKIN_RULE}
    assert CheckIn.objects.count() == 0


def test_before_the_pilot_runs_it_is_a_409(client_as, approved):
    response = client_as("owner").post(url(approved.reference, "check-ins/"), BODY, format="json")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "stage_locked"
    assert body["detail"].startswith("Cannot record a check-in while the pilot is approved")
    assert CheckIn.objects.count() == 0


def test_outsiders_do_not_see_the_pilot(client_as, running):
    assert client_as("outsider").get(url(running.reference, "check-ins/")).status_code == 404
