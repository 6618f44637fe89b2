"""POST /api/v1/pilots/{ref}/succession/ and the successor's answer."""

from __future__ import annotations

from pilots.models import PilotEvent, Succession
from tests import factories
from tests.api.conftest import url


def test_the_sponsor_names_a_successor_and_the_successor_accepts(running, client_as, sponsor):
    sam = factories.UserFactory(username="sam")
    body = {"role": "owner", "successor": sam.pk, "reason": "Left the company."}
    answer = client_as("sponsor").post(url(running.reference, "succession/"), body, format="json")
    assert answer.status_code == 201
    named = answer.json()
    assert (named["role"], named["status"], named["successor"]["username"]) == (
        "owner",
        "pending",
        "sam",
    )
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(sam)
    accepted = client.post(f"/api/v1/successions/{named['id']}/accept/")
    assert (accepted.status_code, accepted.json()["status"]) == (200, "accepted")
    running.refresh_from_db()
    assert running.owner_id == sam.pk
    # Answered once: a second answer is a 400, nothing changes.
    assert client.post(f"/api/v1/successions/{named['id']}/accept/").status_code == 400


def test_bad_input_is_a_400_and_writes_nothing(running, client_as, owner):
    endpoint = url(running.reference, "succession/")
    sponsor = client_as("sponsor")
    blank = sponsor.post(
        endpoint, {"role": "owner", "successor": owner.pk, "reason": " "}, format="json"
    )
    assert blank.status_code == 400
    same = sponsor.post(
        endpoint, {"role": "owner", "successor": owner.pk, "reason": "r"}, format="json"
    )
    assert same.status_code == 400
    assert "successor" in same.json()["errors"]
    assert Succession.objects.count() == 0
    assert not PilotEvent.objects.filter(action=PilotEvent.Action.SUCCESSION_NOMINATED).exists()


def test_who_may_name_a_successor(running, client_as, member):
    body = {"role": "owner", "successor": member.pk, "reason": "r"}
    endpoint = url(running.reference, "succession/")
    assert client_as("owner").post(endpoint, body, format="json").status_code == 403
    assert client_as("outsider").post(endpoint, body, format="json").status_code == 404
    sponsor_role = {"role": "sponsor", "successor": member.pk, "reason": "r"}
    assert client_as("sponsor").post(endpoint, sponsor_role, format="json").status_code == 403
    assert client_as("lead").post(endpoint, sponsor_role, format="json").status_code == 201


def test_only_the_successor_may_answer(running, client_as, sponsor, member):
    succession = Succession.objects.create(
        pilot=running,
        role="operations",
        predecessor=running.operations_owner,
        successor=member,
        reason="r",
        nominated_by=sponsor,
    )
    assert (
        client_as("sponsor").post(f"/api/v1/successions/{succession.pk}/accept/").status_code == 404
    )
