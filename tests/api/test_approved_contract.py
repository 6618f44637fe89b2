"""The approved contract in the API: 400 on `reason`, the drift, the lead's acknowledgement."""

from __future__ import annotations

import pytest

from pilots.enums import MetricKind
from pilots.models import ContractChange

pytestmark = pytest.mark.django_db


def url(pilot, rest: str) -> str:
    return f"/api/v1/pilots/{pilot.reference}/{rest}"


def primary(pilot):
    return pilot.metrics.get(kind=MetricKind.PRIMARY)


def test_changing_an_approved_target_without_a_reason_is_a_400_on_reason(client_as, approved):
    metric = primary(approved)
    response = client_as("sponsor").patch(
        url(approved, f"metrics/{metric.pk}/"), {"target": "55"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    (message,) = body["errors"]["reason"]
    assert message.startswith(
        f"The approved contract of {approved.reference} can change only with a written reason"
    )
    assert not ContractChange.objects.exists()


@pytest.mark.parametrize(
    ("method", "rest", "body"),
    [
        ("patch", "", {"receiving_team": "Claims IT"}),
        ("patch", "operating-plan/", {"support_model": "COO on call."}),
        (
            "patch",
            "infrastructure/",
            {
                "answers": [
                    {
                        "item": "monitoring",
                        "answer": "yes",
                        "evidence_url": "https://grafana.example.com/d/claims",
                    }
                ]
            },
        ),
        ("post", "metrics/", {"name": "Refunds", "kind": "business", "direction": "decrease"}),
    ],
)
def test_every_contract_write_takes_a_reason(client_as, approved_waived, method, rest, body):
    approved = approved_waived  # monitoring "no", waived: after approval it may become "yes"
    client = client_as("sponsor")
    refused = getattr(client, method)(url(approved, rest), body, format="json")
    assert refused.status_code == 400
    assert "reason" in refused.json()["errors"]
    done = getattr(client, method)(url(approved, rest), {**body, "reason": "Asked."}, format="json")
    assert done.status_code in (200, 201)
    assert ContractChange.objects.filter(reason="Asked.").exists()


def test_the_contract_shows_versions_current_and_drift(client_as, approved):
    metric = primary(approved)
    client_as("sponsor").patch(
        url(approved, f"metrics/{metric.pk}/"),
        {"target": "55", "reason": "The board raised the bar."},
        format="json",
    )
    response = client_as("owner").get(url(approved, "contract/"))
    assert response.status_code == 200
    body = response.json()
    assert body["approved_version"] == 1
    assert body["acknowledged"] is False
    (snapshot,) = body["snapshots"]
    assert (snapshot["version"], snapshot["origin"], snapshot["approved_by"]["username"]) == (
        1,
        "approval",
        "lead",
    )
    key = f"metric.{metric.pk}.target"
    assert {"key": key, "label": f"“{metric.name}”: target", "value": "55"} in body["current"]
    (drift,) = body["drift"]
    assert (drift["key"], drift["approved"], drift["now"]) == (
        key,
        format(metric.target.normalize(), "f"),
        "55",
    )
    (change,) = drift["changes"]
    assert change["reason"] == "The board raised the bar."
    assert change["changed_by"]["username"] == "sponsor"
    assert change["acknowledged_at"] is None
    assert body["changes"] == drift["changes"]


def test_a_lead_acknowledges_through_the_api(client_as, approved):
    metric = primary(approved)
    client_as("sponsor").patch(
        url(approved, f"metrics/{metric.pk}/"), {"target": "55", "reason": "R."}, format="json"
    )
    response = client_as("lead").post(
        url(approved, "contract/acknowledge/"), {"note": "Fine."}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["approved_version"], body["acknowledged"], body["drift"]) == (2, True, [])
    assert body["changes"][0]["acknowledgement_note"] == "Fine."
    assert body["changes"][0]["acknowledged_by"]["username"] == "lead"
    again = client_as("lead").post(url(approved, "contract/acknowledge/"), {}, format="json")
    assert again.status_code == 409
    assert "is waiting for acknowledgement" in again.json()["detail"]


@pytest.mark.parametrize("who", ["sponsor", "owner"])
def test_only_an_independent_lead_acknowledges(client_as, approved, who):
    metric = primary(approved)
    client_as("sponsor").patch(
        url(approved, f"metrics/{metric.pk}/"), {"target": "55", "reason": "R."}, format="json"
    )
    response = client_as(who).post(url(approved, "contract/acknowledge/"), {}, format="json")
    assert response.status_code == 403
    assert "neither this pilot's sponsor nor its business owner" in response.json()["detail"]
    assert ContractChange.objects.get().acknowledged_at is None
