"""Every list endpoint costs the same number of queries at two sizes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from rest_framework.test import APIClient

from pilots.accounts.tokens import token_create
from pilots.enums import MetricKind
from pilots.models import GateDecision, PilotEvent
from tests import factories
from tests.api.conftest import url

pytestmark = pytest.mark.usefixtures("today")


@pytest.fixture
def grow(running, owner, member, lead):
    """Add ``n`` of everything a list shows to the running pilot."""

    def add(n: int) -> None:
        for i in range(n):
            factories.PilotFactory(sponsor=running.sponsor, owner=owner, owner_status="pending")
            metric = factories.MetricFactory(
                pilot=running, kind=MetricKind.BUSINESS, name=f"Extra metric {i}"
            )
            factories.ReadingFactory(metric=metric, recorded_by=member)
            factories.ReadingFactory(
                metric=running.metrics.get(kind=MetricKind.PRIMARY),
                observed_on=date(2026, 1, 10) + timedelta(days=i),
                recorded_by=member,
            )
            factories.TaskFactory(pilot=running, assignee=owner, receiver=member)
            factories.add_member(running, factories.UserFactory())
            PilotEvent.objects.create(pilot=running, actor=lead, action="updated")
            token_create(user=lead, name=f"token {i}")
            factories.BusinessUnitFactory(name=f"Unit {i}")
            GateDecision.objects.create(
                pilot=running,
                decided_by=lead,
                from_stage="draft",
                to_stage="proposed",
                rationale="x",
            )

    return add


def lists(pilot):
    primary = pilot.metrics.get(kind=MetricKind.PRIMARY).pk
    return {
        "pilots": ("/api/v1/pilots/", 3),
        "metrics": (url(pilot.reference, "metrics/"), 4),
        "readings": (url(pilot.reference, f"metrics/{primary}/readings/"), 5),
        "tasks": (url(pilot.reference, "tasks/"), 4),
        "decisions": (url(pilot.reference, "decisions/"), 4),
        "events": (url(pilot.reference, "events/"), 4),
        "members": (url(pilot.reference, "members/"), 4),
        "users": ("/api/v1/users/", 2),
        "business units": ("/api/v1/business-units/", 2),
        "tokens": ("/api/v1/auth/tokens/", 2),
    }


@pytest.mark.parametrize(
    "name",
    [
        "pilots",
        "metrics",
        "readings",
        "tasks",
        "decisions",
        "events",
        "members",
        "users",
        "business units",
        "tokens",
    ],
)
@pytest.mark.parametrize("n", [1, 6])
def test_list_query_count_is_constant(name, n, grow, running, lead, django_assert_num_queries):
    grow(n)
    path, expected = lists(running)[name]
    client = APIClient()
    client.force_authenticate(type(lead).objects.get(pk=lead.pk))  # nothing cached, as in a request
    with django_assert_num_queries(expected):
        response = client.get(path)
    assert response.status_code == 200
    assert response.json()["count"] >= n


@pytest.mark.parametrize("n", [1, 6])
def test_pilot_detail_query_count_is_constant(n, grow, running, lead, django_assert_num_queries):
    grow(n)
    client = APIClient()
    client.force_authenticate(type(lead).objects.get(pk=lead.pk))  # nothing cached, as in a request
    with django_assert_num_queries(7):
        response = client.get(url(running.reference))
    assert len(response.json()["tasks"]) == n
