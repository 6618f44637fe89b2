"""GET /api/v1/lessons/: the lessons library, read-only, as on ``/lessons/``."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from pilots.enums import LessonOccasion, Stage
from pilots.models import Pilot
from pilots.services.lessons import LessonWords, record_lesson
from tests import factories

LESSONS = "/api/v1/lessons/"


@pytest.fixture
def stopped_lessons(sponsor, lead):
    unit = factories.BusinessUnitFactory(name="Finance")
    mine = factories.PilotFactory(reference="PIL-0401", sponsor=sponsor, business_unit=unit)
    # A unit of its own: the factory's units cycle through names and could be "Finance".
    other = factories.PilotFactory(
        reference="PIL-0402", business_unit=factories.BusinessUnitFactory(name="Logistics")
    )
    Pilot.objects.filter(pk__in=[mine.pk, other.pk]).update(stage=Stage.STOPPED)
    record_lesson(
        pilot=mine,
        by=lead,
        occasion=LessonOccasion.STOP,
        words=LessonWords(
            what_worked="Check-ins.",
            what_failed="The feed was an extract.",
            failure_modes=("lab_to_desk_gap",),
            tags="Data",
        ),
    )
    record_lesson(
        pilot=other,
        by=lead,
        occasion=LessonOccasion.STOP,
        words=LessonWords(
            what_failed="Nobody owned the feed.", failure_modes=("ownership_vacuum",)
        ),
    )
    return mine, other


def get(user, **params):
    client = APIClient()
    client.force_authenticate(user)
    return client.get(LESSONS, params)


def test_the_api_lists_a_lesson_with_its_pilot_and_outcome(sponsor, lead, stopped_lessons):
    response = get(sponsor)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    (item,) = body["results"]
    assert {key: item[key] for key in item if key not in ("id", "recorded_at", "recorded_by")} == {
        "pilot": {
            "reference": "PIL-0401",
            "title": stopped_lessons[0].title,
            "stage": "stopped",
            "business_unit": {"id": stopped_lessons[0].business_unit_id, "name": "Finance"},
        },
        "occasion": "stop",
        "what_worked": "Check-ins.",
        "what_failed": "The feed was an extract.",
        "failure_modes": ["lab_to_desk_gap"],
        "tags": ["data"],
    }
    assert item["recorded_by"]["username"] == lead.username


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["PIL-0402", "PIL-0401"]),
        ({"q": "feed"}, ["PIL-0402", "PIL-0401"]),
        ({"q": "nobody"}, ["PIL-0402"]),
        ({"failure_mode": "lab_to_desk_gap"}, ["PIL-0401"]),
        ({"outcome": "graduated"}, []),
        ({"outcome": "stopped", "q": "extract"}, ["PIL-0401"]),
    ],
)
def test_the_api_searches_and_filters_like_the_page(lead, stopped_lessons, params, expected):
    response = get(lead, **params)
    assert [item["pilot"]["reference"] for item in response.json()["results"]] == expected


def test_the_api_filters_by_business_unit_id(lead, stopped_lessons):
    unit = stopped_lessons[0].business_unit_id
    assert [r["pilot"]["reference"] for r in get(lead, business_unit=unit).json()["results"]] == [
        "PIL-0401"
    ]


@pytest.mark.parametrize("params", [{"failure_mode": "nope"}, {"business_unit": "x"}])
def test_the_api_refuses_a_bad_filter_with_400(lead, stopped_lessons, params):
    assert get(lead, **params).status_code == 400


def test_the_api_needs_a_signed_in_user(db):
    assert APIClient().get(LESSONS).status_code in (401, 403)


@pytest.mark.parametrize("n", [1, 6])
def test_the_api_query_count_is_constant(sponsor, lead, n, django_assert_num_queries):
    for _ in range(n):
        pilot = factories.PilotFactory(sponsor=sponsor)
        record_lesson(
            pilot=pilot, by=lead, occasion=LessonOccasion.STOP, words=LessonWords(what_failed="x")
        )
    client = APIClient()
    client.force_authenticate(type(sponsor).objects.get(pk=sponsor.pk))
    # the user's groups (visibility), the count, the page of lessons with their pilots
    with django_assert_num_queries(3):
        response = client.get(LESSONS, {"q": "x"})
    assert response.json()["count"] == n
