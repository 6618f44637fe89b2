"""``/lessons/``: search, filters, visibility, query counts; the similar pilots beside
the registration's basics step."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from pilots.enums import LessonOccasion, MetricKind, Stage
from pilots.models import Lesson, Pilot
from pilots.selectors.lessons import (
    LessonFilters,
    lesson_list,
    overlap_score,
    similar_pilots,
    similarity_words,
)
from pilots.services.lessons import LessonWords, record_lesson
from tests import factories
from tests.services import require_postgresql

LESSONS = "/lessons/"


def lesson(pilot: Pilot, by, *, occasion=LessonOccasion.STOP, **words) -> Lesson:
    return record_lesson(pilot=pilot, by=by, occasion=occasion, words=LessonWords(**words))


def listed(response) -> list[str]:
    """The pilot references of the lessons on the page, in order."""
    return re.findall(r'<span class="mono">(PIL-\d+)</span>', response.content.decode())


@pytest.fixture
def library(sponsor, lead):
    """Three pilots with a lesson each; the sponsor sponsors two of them."""
    finance = factories.BusinessUnitFactory(name="Finance")
    ops_unit = factories.BusinessUnitFactory(name="Operations")
    feed = factories.PilotFactory(reference="PIL-0101", sponsor=sponsor, business_unit=finance)
    churn = factories.PilotFactory(reference="PIL-0102", sponsor=sponsor, business_unit=ops_unit)
    hidden = factories.PilotFactory(reference="PIL-0103", business_unit=finance)
    Pilot.objects.filter(pk=feed.pk).update(stage=Stage.STOPPED)
    Pilot.objects.filter(pk=churn.pk).update(
        stage=Stage.GRADUATED, started_on=date(2026, 1, 5), operations_accepted_at=timezone.now()
    )
    Pilot.objects.filter(pk=hidden.pk).update(stage=Stage.STOPPED)
    lesson(
        feed,
        lead,
        what_failed="The invoice feed was a curated extract.",
        failure_modes=("lab_to_desk_gap",),
        tags="data",
    )
    lesson(
        churn,
        lead,
        occasion=LessonOccasion.GRADUATION,
        what_worked="Operations shadowed the team before the window opened.",
        tags="handover",
    )
    lesson(
        hidden,
        lead,
        what_failed="Nobody owned the invoice model after the vendor left.",
        failure_modes=("ownership_vacuum",),
    )
    return {"feed": feed, "churn": churn, "hidden": hidden}


def test_the_library_lists_the_lessons_a_lead_may_see_newest_first(client, lead, library):
    client.force_login(lead)
    response = client.get(LESSONS)
    assert response.status_code == 200
    assert listed(response) == ["PIL-0103", "PIL-0102", "PIL-0101"]
    page = response.content.decode()
    assert "Lab-to-desk gap" in page
    assert "at graduation" in page


def test_a_sponsor_sees_only_the_lessons_of_pilots_they_may_see(client, sponsor, library):
    client.force_login(sponsor)
    response = client.get(LESSONS, {"q": "invoice"})
    assert listed(response) == ["PIL-0101"]
    assert "Nobody owned" not in response.content.decode()


def test_the_search_finds_a_lesson_by_a_word_of_its_text(client, lead, library):
    client.force_login(lead)
    assert listed(client.get(LESSONS, {"q": "shadowed"})) == ["PIL-0102"]
    assert listed(client.get(LESSONS, {"q": "Invoice"})) == ["PIL-0103", "PIL-0101"]
    assert listed(client.get(LESSONS, {"q": "invoice vendor"})) == ["PIL-0103"]
    assert listed(client.get(LESSONS, {"q": "handover"})) == ["PIL-0102"]  # a tag


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"failure_mode": "ownership_vacuum"}, ["PIL-0103"]),
        ({"failure_mode": "lab_to_desk_gap"}, ["PIL-0101"]),
        ({"failure_mode": "metric_mirage"}, []),
        ({"outcome": "graduated"}, ["PIL-0102"]),
        ({"outcome": "stopped", "q": "invoice"}, ["PIL-0103", "PIL-0101"]),
        ({"failure_mode": "nonsense", "business_unit": "abc", "outcome": "x"}, None),
    ],
)
def test_the_filters_narrow_the_library(client, lead, library, params, expected):
    client.force_login(lead)
    response = client.get(LESSONS, params)
    assert response.status_code == 200
    # Unknown values are ignored: the whole library.
    assert listed(response) == (expected if expected is not None else listed(client.get(LESSONS)))


def test_the_business_unit_filter(client, lead, library):
    client.force_login(lead)
    finance = library["feed"].business_unit_id
    assert listed(client.get(LESSONS, {"business_unit": finance})) == ["PIL-0103", "PIL-0101"]


def test_nothing_found_says_so_and_offers_to_clear(client, lead, library):
    client.force_login(lead)
    page = client.get(LESSONS, {"q": "blockchain"}).content.decode()
    assert "No lesson matches “blockchain”" in page
    assert 'href="/lessons/">clear the filters' in page


def test_an_empty_library_says_where_lessons_come_from(client, outsider):
    client.force_login(outsider)
    assert "No lessons yet" in client.get(LESSONS).content.decode()


def test_the_header_links_to_the_library(client, outsider):
    client.force_login(outsider)
    page = client.get(LESSONS).content.decode()
    assert '<a href="/lessons/" aria-current="page">Lessons</a>' in page


def test_the_library_is_paginated(client, lead, sponsor):
    for i in range(21):
        pilot = factories.PilotFactory(reference=f"PIL-{i + 200:04d}", sponsor=sponsor)
        lesson(pilot, lead, what_failed=f"Lesson {i}")
    client.force_login(lead)
    assert len(listed(client.get(LESSONS))) == 20
    second = client.get(LESSONS, {"page": 2})
    assert listed(second) == ["PIL-0200"]


@pytest.mark.parametrize("n", [1, 8])
def test_the_library_query_count_does_not_grow(client, sponsor, lead, n, django_assert_num_queries):
    for _i in range(n):
        pilot = factories.PilotFactory(sponsor=sponsor)
        lesson(pilot, lead, what_failed="Data first.", failure_modes=("metric_mirage",))
    client.force_login(sponsor)
    # session, user, the business units of the filter, the page count, the page's lessons
    # (with their pilot, unit and author), the user's groups (visibility, navigation) and
    # the unread reminders (the header's badge)
    # + the header's saved views (scorecards.navigation)
    with django_assert_num_queries(8):
        response = client.get(LESSONS, {"q": "data", "failure_mode": "metric_mirage"})
    assert len(listed(response)) == n


def test_the_postgresql_search_stems_and_ranks(lead, library):
    """On PostgreSQL the search is full-text: "feeds" finds the lesson saying "feed"."""
    require_postgresql()
    found = lesson_list(lead, LessonFilters(text="feeds"))
    assert [item.pilot.reference for item in found] == ["PIL-0101"]
    assert [item.pilot.reference for item in lesson_list(lead, LessonFilters(text="owned"))] == [
        "PIL-0103"
    ]


def test_the_postgresql_search_has_its_gin_index(db):
    require_postgresql()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'lesson_search_gin'")
        (definition,) = cursor.fetchone()
    assert "gin" in definition
    assert "to_tsvector('english'::regconfig" in definition


# --- Similar pilots ---------------------------------------------------------------------


def test_similarity_words_drop_short_and_common_words():
    assert similarity_words("An AI pilot for invoice triage", "Invoice backlog") == [
        "invoice",
        "triage",
        "backlog",
    ]


def test_a_shared_title_word_counts_more_than_one_in_the_problem():
    query = ["invoice", "triage"]
    assert overlap_score(query, title="Invoice triage", problem="", metric="") == 4
    assert overlap_score(query, title="Claims", problem="invoice triage", metric="") == 2
    assert overlap_score(query, title="Claims", problem="", metric="Invoices") == 0


@pytest.fixture
def similar_world(sponsor, lead, outsider):
    mine = factories.PilotFactory(
        reference="PIL-0301", sponsor=sponsor, title="Invoice triage", problem_statement="x"
    )
    factories.MetricFactory(pilot=mine, kind=MetricKind.PRIMARY, name="Hours to post")
    close = factories.PilotFactory(
        reference="PIL-0302",
        sponsor=sponsor,
        title="Invoice matching assistant",
        problem_statement="Invoices wait for a clerk to match them.",
    )
    Pilot.objects.filter(pk=close.pk).update(stage=Stage.STOPPED)
    lesson(close, lead, what_failed="Matching needed the ERP feed, never extracts.")
    by_metric = factories.PilotFactory(
        reference="PIL-0303", sponsor=sponsor, title="Claims", problem_statement="Slow."
    )
    factories.MetricFactory(pilot=by_metric, kind=MetricKind.PRIMARY, name="Hours to post")
    factories.PilotFactory(
        reference="PIL-0304", sponsor=sponsor, title="Churn model", problem_statement="Churn."
    )
    factories.PilotFactory(
        reference="PIL-0305", sponsor=outsider, title="Invoice triage", problem_statement="x"
    )
    return mine


def test_similar_pilots_rank_by_shared_words_and_leave_out_the_draft_and_hidden_pilots(
    sponsor, similar_world
):
    found = similar_pilots(
        sponsor,
        title="Invoice triage",
        problem="Invoices wait.",
        metric="Hours to post",
        exclude=similar_world.pk,
    )
    assert [pilot.reference for pilot in found] == ["PIL-0302", "PIL-0303"]
    assert [item.what_failed for item in found[0].lesson_list] == [
        "Matching needed the ERP feed, never extracts."
    ]
    assert found[1].lesson_list == []


def test_no_similar_pilot_for_nothing_typed_or_nothing_shared(sponsor, similar_world):
    assert similar_pilots(sponsor, title="  the of ") == []
    assert similar_pilots(sponsor, title="Quantum beekeeping") == []


def test_the_basics_step_shows_the_similar_pilots_with_their_lessons(
    client, sponsor, similar_world
):
    client.force_login(sponsor)
    page = client.get(
        reverse("pilots:register", args=[similar_world.reference, "basics"])
    ).content.decode()
    assert "Similar pilots" in page
    aside = page[page.index('id="similar-pilots"') :]
    assert "PIL-0302" in aside
    assert "PIL-0303" in aside
    assert "PIL-0301</span>" not in aside  # the draft itself
    assert "PIL-0305" not in aside  # not the sponsor's to see
    assert "Matching needed the ERP feed" in aside


def test_the_similar_endpoint_answers_as_one_types(client, sponsor, similar_world):
    client.force_login(sponsor)
    response = client.get(
        reverse("pilots:similar"),
        {"title": "Invoice", "problem_statement": "", "pilot": "PIL-0302"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert re.findall(r'<span class="mono">(PIL-\d+)</span>', body) == ["PIL-0301"]


def test_the_similar_endpoint_has_an_empty_state(client, sponsor, similar_world):
    client.force_login(sponsor)
    body = client.get(reverse("pilots:similar"), {"title": "Beekeeping"}).content.decode()
    assert "No pilot you can see looks like this one yet" in body


def test_a_new_registration_invites_typing(client, sponsor):
    client.force_login(sponsor)
    page = client.get(reverse("pilots:new")).content.decode()
    assert "pilots that look like this one, their outcome and their lessons show here" in page


@pytest.mark.parametrize("n", [1, 6])
def test_the_similar_endpoint_query_count_does_not_grow(
    client, sponsor, lead, n, django_assert_num_queries
):
    for i in range(n):
        pilot = factories.PilotFactory(sponsor=sponsor, title=f"Invoice triage {i}")
        lesson(pilot, lead, what_failed="Data first.")
    client.force_login(sponsor)
    # session, user, the groups (visibility), the candidates, their pilots, their lessons
    with django_assert_num_queries(6):
        response = client.get(reverse("pilots:similar"), {"title": "Invoice triage"})
    assert len(re.findall(r'class="mono"', response.content.decode())) == min(n, 5)
