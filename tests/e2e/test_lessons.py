"""The lessons library in a real browser: a lead stops a pilot with its lesson and finds
it on /lessons/ by a word; a sponsor sees a similar pilot, with its lesson, while typing
the basics of a new registration. axe runs on every page shown."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from pilots.enums import LessonOccasion
from pilots.models import Lesson, Pilot
from pilots.services.lessons import LessonWords, record_lesson
from tests import factories
from tests.e2e.test_accessibility import blocking_violations

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_lead_stops_a_pilot_with_its_lesson_and_finds_it_by_a_word(
    live_server, sign_in, live_running, lead
):
    page: Page = sign_in(lead)
    page.goto(f"{live_server.url}/pilots/{live_running.reference}/")
    assert blocking_violations(page) == []  # the decision form with the lesson's fields
    form = page.locator("form", has=page.get_by_role("button", name="Stop the pilot"))
    form.get_by_label("Rationale").fill("No uplift after three months.")
    form.get_by_label("What failed").fill("The invoice feed was a hand-curated extract.")
    form.get_by_label("Lab-to-desk gap").check()
    form.get_by_label("Tags").fill("Data, Extract")
    form.get_by_role("button", name="Stop the pilot").click()
    expect(page.get_by_text(f"{live_running.reference} recorded as stopped.")).to_be_visible()

    page.get_by_role("link", name="Lessons", exact=True).click()
    page.get_by_label("Search the lessons").fill("curated")
    page.get_by_label("Search the lessons").press("Enter")
    expect(page).to_have_url(re.compile(r"/lessons/\?q=curated"))
    table = page.get_by_role("region", name="Lessons")
    expect(table).to_contain_text(live_running.reference)
    expect(table).to_contain_text("The invoice feed was a hand-curated extract.")
    expect(table).to_contain_text("Lab-to-desk gap")
    expect(table).to_contain_text("extract")
    assert blocking_violations(page) == []

    page.get_by_label("Failure mode").select_option("ownership_vacuum")
    page.get_by_role("button", name="Search").last.click()
    expect(page.get_by_role("heading", name="No lesson matches “curated”")).to_be_visible()
    assert blocking_violations(page) == []


def test_the_basics_step_shows_a_similar_pilot_as_the_sponsor_types(
    live_server, sign_in, sponsor, lead
):
    earlier = factories.PilotFactory(
        sponsor=sponsor,
        title="Supplier invoice matching",
        problem_statement="Clerks match supplier invoices by hand.",
    )
    factories.complete_registration(earlier)
    Pilot.objects.filter(pk=earlier.pk).update(stage="stopped")
    record_lesson(
        pilot=earlier,
        by=lead,
        occasion=LessonOccasion.STOP,
        words=LessonWords(what_failed="Nobody owned the matching rules after go-live."),
    )
    assert Lesson.objects.count() == 1

    page: Page = sign_in(sponsor)
    page.goto(f"{live_server.url}/pilots/new/")
    aside = page.locator("#similar-pilots")
    expect(aside).to_contain_text("Type a title and the problem")
    page.get_by_label("Title").press_sequentially("Invoice coding", delay=30)
    expect(
        aside.get_by_role("link", name=f"{earlier.reference} Supplier invoice matching")
    ).to_be_visible()
    expect(aside).to_contain_text("Stopped")
    expect(aside).to_contain_text("Nobody owned the matching rules after go-live.")
    assert blocking_violations(page) == []

    page.get_by_label("Title").fill("Quantum beekeeping")
    expect(aside).to_contain_text("No pilot you can see looks like this one yet")

    # Without JavaScript's help: once saved, the step shows them from the saved title.
    page.get_by_label("Title").fill("Invoice coding assistant")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#similar-pilots")).to_contain_text(earlier.reference)
