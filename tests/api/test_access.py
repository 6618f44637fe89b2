"""Every role on every resource: who reads, who writes, and what the others get.

Not visible → 404 (as if absent), visible but not allowed → 403, anonymous → 401.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from pilots.models import (
    InfrastructureAnswer,
    KnowledgeTransferTask,
    Metric,
    MetricReading,
    Pilot,
    PilotMembership,
)
from tests import factories
from tests.api.conftest import ROLES, url

pytestmark = pytest.mark.usefixtures("today")

SEES = {"sponsor", "owner", "member", "ops", "lead"}


def expected_read(role: str) -> int:
    return 200 if role in SEES else 401 if role == "anonymous" else 404


def expected_write(role: str, allowed: set[str], created: int = 200) -> int:
    if role in allowed:
        return created
    return 403 if role in SEES else expected_read(role)


@pytest.mark.parametrize("role", ROLES)
def test_pilot_list_shows_only_visible_pilots(client_as, role, running):
    factories.PilotFactory()  # someone else's pilot, visible to the lead only
    response = client_as(role).get("/api/v1/pilots/")
    if role == "anonymous":
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"
        return
    references = [row["reference"] for row in response.json()["results"]]
    expected = {"outsider": 0, "lead": 2}.get(role, 1)
    assert len(references) == expected
    if role != "outsider":
        assert running.reference in references


SUBRESOURCES = [
    "",
    "metrics/",
    "metrics/{metric}/",
    "metrics/{metric}/readings/",
    "readings/{reading}/",
    "tasks/",
    "tasks/{task}/",
    "decisions/",
    "events/",
    "members/",
    "members/{membership}/",
    "infrastructure/",
    "operating-plan/",
]


@pytest.fixture
def ids(running, owner):
    metric = running.metrics.get()
    reading = factories.ReadingFactory(metric=metric, recorded_by=owner)
    task = factories.TaskFactory(pilot=running, assignee=owner)
    # Monitoring "no" under a waiver renewed after approval, awaiting a lead.
    InfrastructureAnswer.objects.filter(pilot=running, item="monitoring").update(
        answer="no",
        evidence_url="",
        waiver_reason="The team watches the dashboard daily.",
        waiver_expires_on=date(2030, 3, 31),
        waiver_requested_at=timezone.now(),
    )
    return {
        "metric": metric.pk,
        "reading": reading.pk,
        "task": task.pk,
        "membership": running.memberships.get().pk,
    }


@pytest.mark.parametrize("path", SUBRESOURCES)
@pytest.mark.parametrize("role", ROLES)
def test_reading_any_part_of_a_pilot_follows_visibility(client_as, role, path, running, ids):
    response = client_as(role).get(url(running.reference, path.format(**ids)))
    assert response.status_code == expected_read(role), response.content
    if response.status_code == 404:
        assert response.json() == {"code": "not_found", "detail": "No such pilot."}


def test_a_part_of_another_pilot_is_not_found_through_this_one(client_as, running, ids):
    other = factories.PilotFactory(sponsor=running.sponsor)
    response = client_as("sponsor").get(url(other.reference, f"metrics/{ids['metric']}/"))
    assert response.status_code == 404


# (method, path, body, roles allowed, success status, model whose count grows)
WRITES = [
    ("patch", "", {"title": "Renamed"}, {"sponsor", "lead"}, 200),
    (
        "post",
        "metrics/",
        {"name": "Handling time", "kind": "business", "direction": "decrease", "reason": "Asked."},
        {"sponsor", "lead"},
        201,
    ),
    ("patch", "metrics/{metric}/", {"unit": "min", "reason": "Asked."}, {"sponsor", "lead"}, 200),
    (
        "post",
        "metrics/{metric}/readings/",
        {"observed_on": "2026-02-20", "value": "13.5"},
        {"owner", "member"},
        201,
    ),
    ("patch", "readings/{reading}/", {"value": 14}, {"owner"}, 200),
    ("delete", "readings/{reading}/", None, {"owner"}, 204),
    (
        "post",
        "tasks/",
        {
            "title": "Runbook walkthrough",
            "kind": "runbook",
            "assignee": "{owner}",
            "receiver_team": "Ops",
            "due_on": "2026-06-01",
        },
        {"owner", "sponsor"},
        201,
    ),
    ("patch", "tasks/{task}/", {"title": "Renamed task"}, {"owner", "sponsor"}, 200),
    (
        "post",
        "tasks/{task}/complete/",
        {"evidence_url": "https://wiki.example.com/runbook"},
        {"owner"},
        200,
    ),
    ("post", "members/", {"user": "{outsider}", "role": "Analyst"}, {"sponsor", "lead"}, 201),
    ("delete", "members/{membership}/", None, {"sponsor", "lead"}, 204),
    (
        "patch",
        "infrastructure/",
        # Running: after approval only "yes" or a renewed waiver changes an answer.
        {
            "answers": [
                {
                    "item": "monitoring",
                    "answer": "no",
                    "waiver_reason": "Renewed: onboarding in June.",
                    "waiver_expires_on": "2030-06-30",
                }
            ]
        },
        {"sponsor", "lead"},
        200,
    ),
    (
        "post",
        "infrastructure/monitoring/waiver/",
        {"reason": "Renewed: onboarding in June.", "expires_on": "2030-06-30"},
        {"sponsor", "lead"},
        200,
    ),
    ("post", "infrastructure/monitoring/waiver/approve/", {}, {"lead"}, 200),
    (
        "patch",
        "operating-plan/",
        {"support_model": "CFO on call.", "reason": "R."},
        {"sponsor", "lead"},
        200,
    ),
]


def _fill(value, ids):
    if isinstance(value, str):
        return int(value.format(**ids)) if value.startswith("{") else value.format(**ids)
    if isinstance(value, dict):
        return {key: _fill(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, ids) for item in value]
    return value


@pytest.mark.parametrize(
    ("method", "path", "body", "allowed", "success"),
    WRITES,
    ids=[f"{w[0]} {w[1] or 'pilot'}" for w in WRITES],
)
@pytest.mark.parametrize("role", ROLES)
def test_writes_are_allowed_to_their_roles_only(
    client_as, role, method, path, body, allowed, success, running, ids, owner, outsider
):
    ids = {**ids, "owner": owner.pk, "outsider": outsider.pk}
    snapshot = (
        Metric.objects.count(),
        MetricReading.objects.count(),
        KnowledgeTransferTask.objects.count(),
        PilotMembership.objects.count(),
        running.events.count(),
    )
    response = getattr(client_as(role), method)(
        url(running.reference, path.format(**ids)), _fill(body, ids), format="json"
    )
    assert response.status_code == expected_write(role, allowed, success), response.content
    after = (
        Metric.objects.count(),
        MetricReading.objects.count(),
        KnowledgeTransferTask.objects.count(),
        PilotMembership.objects.count(),
        running.events.count(),
    )
    if response.status_code >= 400:
        assert after == snapshot  # a refusal changes nothing
        assert set(response.json()) >= {"code", "detail"}
    else:
        assert after[-1] == snapshot[-1] + 1  # every change is in the history


def test_a_refusal_names_who_may(client_as, running):
    response = client_as("ops").post(
        url(running.reference, f"metrics/{running.metrics.get().pk}/readings/"),
        {"observed_on": "2026-02-20", "value": "13.5"},
        format="json",
    )
    assert response.status_code == 403
    assert response.json() == {
        "code": "permission_denied",
        "detail": "Only the pilot's member or owner may record its readings.",
    }


def test_a_member_corrects_only_their_own_readings(client_as, running, member, owner):
    metric = running.metrics.get()
    theirs = factories.ReadingFactory(metric=metric, recorded_by=owner)
    mine = factories.ReadingFactory(
        metric=metric, recorded_by=member, observed_on=theirs.observed_on.replace(day=2)
    )
    client = client_as("member")
    refused = client.patch(url(running.reference, f"readings/{theirs.pk}/"), {"value": 1})
    assert refused.status_code == 403
    accepted = client.patch(url(running.reference, f"readings/{mine.pk}/"), {"value": "11.25"})
    assert accepted.status_code == 200
    assert accepted.json()["value"] == "11.2500"
    theirs.refresh_from_db()
    assert theirs.value == Decimal("12")


@pytest.mark.parametrize("role", ROLES)
def test_only_sponsors_and_leads_register_pilots(client_as, role, sponsor, owner):
    response = client_as(role).post(
        "/api/v1/pilots/", {"title": "Invoice triage", "owner": owner.pk}, format="json"
    )
    if role in {"sponsor", "lead"}:
        assert response.status_code == 201
        body = response.json()
        assert body["stage"] == "draft"
        assert body["owner"]["username"] == "owner"
        assert body["owner_status"] == "pending"
        assert {item["code"] for item in body["missing_for_submission"]} >= {"primary_metric"}
    else:
        assert response.status_code == (401 if role == "anonymous" else 403)


def test_users_are_listed_for_choosing_owners(client_as, sponsor, owner, outsider):
    outsider.is_active = False
    outsider.save()
    # Names of their own: a random one ("Brown") would match "own" too.
    for user, name in ((sponsor, "Priya"), (owner, "Maria")):
        user.first_name, user.last_name = name, "Lopez"
        user.save()
    response = client_as("sponsor").get("/api/v1/users/", {"q": "own"})
    assert [user["username"] for user in response.json()["results"]] == ["owner"]
    assert set(response.json()["results"][0]) == {"id", "username", "full_name"}


SPONSOR_AS_OWNER = (
    "The pilot's sponsor cannot be its business owner: nominate someone else "
    "(separation of duties)."
)


def test_a_sponsor_may_not_register_a_pilot_they_own(client_as, sponsor):
    response = client_as("sponsor").post(
        "/api/v1/pilots/", {"title": "Invoice triage", "owner": sponsor.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["owner"] == [SPONSOR_AS_OWNER]
    assert not Pilot.objects.filter(title="Invoice triage").exists()


def test_a_sponsor_may_not_patch_themselves_in_as_owner(client_as, draft, sponsor, owner):
    response = client_as("sponsor").patch(
        url(draft.reference), {"owner": sponsor.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["owner"] == [SPONSOR_AS_OWNER]
    draft.refresh_from_db()
    assert draft.owner == owner
