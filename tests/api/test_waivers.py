"""The API's infrastructure waivers: read back, requested and renewed, approved by an
independent lead; 400 with field errors, 403 naming the rule."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from pilots.enums import InfrastructureAnswerValue as A
from pilots.models import InfrastructureAnswer, Pilot
from pilots.permissions import independence_rule
from pilots.services import gates, ownership, registration
from tests.api.conftest import url

pytestmark = pytest.mark.django_db

LABEL = "Monitored and alerted like a production service"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel("2025-12-15 10:00", tick=False):
        yield


@pytest.fixture
def approved_waived(draft, sponsor, owner, lead) -> Pilot:
    registration.infrastructure_answer(
        pilot=draft,
        by=sponsor,
        item="monitoring",
        answer=A.NO,
        waiver_reason="Dashboard watched daily.",
        waiver_expires_on=date(2026, 3, 31),
    )
    ownership.ownership_accept(pilot=draft, by=owner)
    gates.pilot_submit(pilot=draft, by=sponsor)
    gates.pilot_approve(pilot=draft, by=lead, rationale="Credible.")
    return draft


def monitoring(body: list[dict]) -> dict:
    return next(answer for answer in body if answer["item"] == "monitoring")


def test_the_checklist_takes_and_reads_back_a_planned_date_and_a_waiver(client_as, draft, sponsor):
    response = client_as("sponsor").patch(
        url(draft.reference, "infrastructure/"),
        {
            "answers": [
                {
                    "item": "monitoring",
                    "answer": "planned",
                    "planned_on": "2026-02-01",
                    "waiver_reason": "Onboarding in February.",
                    "waiver_expires_on": "2026-02-28",
                }
            ]
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    answer = monitoring(response.json())
    assert {
        key: answer[key]
        for key in (
            "answer",
            "planned_on",
            "waiver_reason",
            "waiver_expires_on",
            "waiver_requested_by",
            "waiver_approved_by",
            "waiver_status",
        )
    } == {
        "answer": "planned",
        "planned_on": "2026-02-01",
        "waiver_reason": "Onboarding in February.",
        "waiver_expires_on": "2026-02-28",
        "waiver_requested_by": sponsor.pk,
        "waiver_approved_by": None,
        "waiver_status": "awaiting_lead",
    }


def test_a_planned_answer_without_its_date_is_a_400_keyed_by_item(client_as, draft):
    response = client_as("sponsor").patch(
        url(draft.reference, "infrastructure/"),
        {"answers": [{"item": "monitoring", "answer": "planned"}]},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "monitoring": [f"“{LABEL}” is planned: give the date it will be in place."]
    }
    assert InfrastructureAnswer.objects.get(pilot=draft, item="monitoring").answer == A.YES


def test_a_draft_without_a_waiver_is_refused_at_submission_naming_the_item(client_as, draft):
    client_as("sponsor").patch(
        url(draft.reference, "infrastructure/"),
        {"answers": [{"item": "monitoring", "answer": "no"}]},
        format="json",
    )

    response = client_as("sponsor").post(url(draft.reference, "submit/"))

    assert response.status_code == 409
    assert response.json()["missing"] == [
        {
            "code": "infrastructure_monitoring_waiver",
            "message": f"“{LABEL}” is “No” without a waiver: give a reason and an expiry date.",
            "section": "infrastructure",
        }
    ]


def test_a_renewal_awaits_an_independent_lead_who_approves_it(client_as, approved_waived):
    path = url(approved_waived.reference, "infrastructure/monitoring/waiver/")
    response = client_as("sponsor").post(
        path, {"reason": "Onboarding in April.", "expires_on": "2026-04-30"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["waiver_status"], response.json()["waiver_expires_on"]) == (
        "awaiting_lead",
        "2026-04-30",
    )

    refused = client_as("sponsor").post(path + "approve/")
    assert refused.status_code == 403
    assert refused.json()["detail"] == independence_rule("approve its infrastructure waivers")

    approved = client_as("lead").post(path + "approve/")
    assert approved.status_code == 200, approved.json()
    assert approved.json()["waiver_status"] == "approved"


def test_the_waiver_endpoints_answer_400_with_field_errors(client_as, approved_waived):
    base = url(approved_waived.reference, "infrastructure/")
    past = client_as("sponsor").post(
        base + "monitoring/waiver/", {"reason": "Late.", "expires_on": "2025-12-01"}, format="json"
    )
    assert past.status_code == 400
    assert list(past.json()["errors"]) == ["waiver_expires_on"]
    missing = client_as("sponsor").post(base + "monitoring/waiver/", {}, format="json")
    assert set(missing.json()["errors"]) == {"reason", "expires_on"}
    yes = client_as("sponsor").post(
        base + "ci_cd/waiver/", {"reason": "x", "expires_on": "2026-03-01"}, format="json"
    )
    assert yes.status_code == 400
    assert yes.json()["errors"]["item"] == [
        "“Deployed by the production CI/CD pipeline” is not answered “No” or “Planned”: it "
        "needs no waiver."
    ]
    nothing_pending = client_as("lead").post(base + "monitoring/waiver/approve/")
    assert nothing_pending.status_code == 400
    assert nothing_pending.json()["errors"]["item"] == [f"“{LABEL}” has no waiver awaiting a lead."]
    assert client_as("lead").post(base + "nonsense/waiver/approve/").status_code == 404


def test_an_expired_waiver_reads_as_expired(client_as, approved_waived):
    with time_machine.travel("2026-04-01 10:00", tick=False):
        body = client_as("owner").get(url(approved_waived.reference, "infrastructure/")).json()
    assert monitoring(body)["waiver_status"] == "expired"
