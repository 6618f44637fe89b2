"""The API's receiver sign-off: a completed task waits; its receiver confirms or declines."""

from __future__ import annotations

import pytest

from pilots.enums import TaskStatus
from pilots.models import KnowledgeTransferTask
from pilots.permissions import GIVER_CANNOT_CONFIRM
from pilots.services import handover
from tests import factories
from tests.api.conftest import url

pytestmark = pytest.mark.usefixtures("today")

EVIDENCE = "https://wiki.example.com/runbook"


@pytest.fixture
def task(running, member):
    return factories.TaskFactory(pilot=running, assignee=member, title="Runbook")


def act(client, task, action, body=None):
    return client.post(
        url(task.pilot.reference, f"tasks/{task.pk}/{action}/"), body or {}, format="json"
    )


def test_complete_shows_waiting_then_the_receiver_confirms(client_as, task):
    completed = act(client_as("member"), task, "complete", {"evidence_url": EVIDENCE})
    assert completed.status_code == 200
    assert (completed.json()["status"], completed.json()["confirmed_at"]) == ("waiting", None)

    confirmed = act(client_as("ops"), task, "confirm")
    assert confirmed.status_code == 200
    body = confirmed.json()
    assert (body["status"], body["confirmed_by"]["username"]) == ("done", "ops")
    assert body["confirmed_at"] is not None
    listed = client_as("sponsor").get(url(task.pilot.reference, "tasks/?status=done")).json()
    assert [row["id"] for row in listed["results"]] == [task.pk]


def test_the_giver_is_refused_with_the_rule(client_as, task, member):
    handover.task_complete(task=task, by=member, evidence_url=EVIDENCE)
    response = act(client_as("member"), task, "confirm")
    assert response.status_code == 403
    assert response.json()["detail"] == GIVER_CANNOT_CONFIRM
    others = act(client_as("lead"), task, "decline", {"reason": "No."})
    assert others.status_code == 403
    assert "operations owner" in others.json()["detail"]
    assert KnowledgeTransferTask.objects.get(pk=task.pk).status == TaskStatus.WAITING


def test_a_task_not_waiting_is_a_409(client_as, task):
    response = act(client_as("ops"), task, "confirm")
    assert response.status_code == 409
    assert [item["code"] for item in response.json()["missing"]] == ["task_not_waiting"]


def test_decline_needs_a_reason_field(client_as, task, member):
    handover.task_complete(task=task, by=member, evidence_url=EVIDENCE)
    blank = act(client_as("ops"), task, "decline", {"reason": ""})
    assert blank.status_code == 400
    assert list(blank.json()["errors"]) == ["reason"]
    assert act(client_as("ops"), task, "decline", {}).json()["errors"]["reason"] == [
        "This field is required."
    ]

    declined = act(client_as("ops"), task, "decline", {"reason": "No failover."})
    assert declined.status_code == 200
    body = declined.json()
    assert (body["status"], body["decline_reason"], body["declined_by"]["username"]) == (
        "todo",
        "No failover.",
        "ops",
    )
