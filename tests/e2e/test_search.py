"""Find anything fast, in a real browser: the header's search as you type, its page
without JavaScript, and the portfolio's filters on change and saved views."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, Page, expect

from pilots.services.registration import pilot_create
from scorecards.models import SavedView
from scorecards.services import scorecards_recompute
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fresh_pilot(sponsor):
    """A pilot a sponsor has just registered (the draft the wizard's first step creates)."""
    return pilot_create(by=sponsor, title="Quayside freight reconciliation")


def test_a_lead_finds_a_pilot_created_a_minute_ago_by_typing_in_the_header(
    live_server, sign_in, lead, fresh_pilot
):
    page: Page = sign_in(lead)
    page.goto(f"{live_server.url}/pilots/")
    box = page.get_by_role("searchbox", name="Find a pilot")
    box.press_sequentially("freight recon", delay=40)  # part of its title; no Enter
    suggestion = page.locator("#header-search-suggestions").get_by_role(
        "link", name=re.compile(fresh_pilot.reference)
    )
    expect(suggestion).to_be_visible()
    expect(suggestion).to_contain_text("Quayside freight reconciliation")
    assert page.url == f"{live_server.url}/pilots/"  # answered as typed, nothing submitted
    box.press("Escape")  # closes the suggestions (and, in a search box, clears it)
    expect(suggestion).to_be_hidden()
    box.press_sequentially("freight reconx", delay=40)  # nothing matches
    expect(page.locator("#header-search-suggestions")).to_contain_text(
        "No pilot you can see matches “freight reconx”."
    )
    box.press("Backspace")
    suggestion.click()
    expect(page).to_have_url(f"{live_server.url}/pilots/{fresh_pilot.reference}/")


def test_someone_who_may_not_see_the_pilot_does_not_find_it(
    live_server, sign_in, outsider, fresh_pilot
):
    page: Page = sign_in(outsider)
    page.goto(f"{live_server.url}/")
    page.locator("#header-search-q").press_sequentially("quayside", delay=40)
    expect(page.locator("#header-search-suggestions")).to_contain_text(
        "No pilot you can see matches “quayside”."
    )


def test_without_javascript_the_header_search_opens_the_results_page(
    live_server, browser: Browser, lead, fresh_pilot
):
    client = Client()
    client.force_login(lead)
    context = browser.new_context(java_script_enabled=False)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    page.locator("#header-search-q").fill("QUAYSIDE")
    page.locator("#header-search-q").press("Enter")
    expect(page).to_have_url(f"{live_server.url}/search/?q=QUAYSIDE")
    expect(page.get_by_role("cell", name=fresh_pilot.reference)).to_be_visible()
    expect(page.get_by_text("1 pilot matching “QUAYSIDE”.")).to_be_visible()
    context.close()


def test_portfolio_filters_apply_on_change_and_a_saved_view_opens_them(
    live_server, sign_in, lead, running
):
    factories.PilotFactory(title="A draft nobody owns")
    scorecards_recompute()
    page: Page = sign_in(lead)
    page.goto(f"{live_server.url}/portfolio/")
    with page.expect_navigation():
        page.get_by_label("Stage", exact=True).select_option("running")  # no button pressed
    assert "stage=running" in page.url
    expect(page.locator("tr[data-reference]")).to_have_count(1)

    page.get_by_label("Save these filters as").fill("Running ones")
    page.get_by_role("button", name="Save view").click()
    expect(page.get_by_text("Saved view “Running ones” saved")).to_be_visible()
    assert list(SavedView.objects.values_list("name", "query")) == [
        ("Running ones", "stage=running")
    ]

    page.goto(f"{live_server.url}/portfolio/")
    expect(page.locator("tr[data-reference]")).to_have_count(2)
    saved = page.get_by_role("navigation", name="Your saved views")
    saved.get_by_role("link", name="Running ones").click()
    expect(page).to_have_url(f"{live_server.url}/portfolio/?stage=running")
    expect(page.locator("tr[data-reference]")).to_have_count(1)
    expect(saved.get_by_role("link", name="Running ones")).to_have_attribute("aria-current", "page")

    page.get_by_role("columnheader", name="Pilot").get_by_role("link").click()
    expect(page).to_have_url(f"{live_server.url}/portfolio/?stage=running&sort=title")
    expect(page.get_by_role("columnheader", name="Pilot")).to_have_attribute(
        "aria-sort", "ascending"
    )

    # The header's navigation lists it on every page: open it from a pilot's page.
    page.goto(f"{live_server.url}/pilots/{running.reference}/")
    header = page.get_by_role("navigation", name="Main")
    header.get_by_text("Saved views").click()
    header.get_by_role("link", name="Running ones").click()
    expect(page).to_have_url(f"{live_server.url}/portfolio/?stage=running")
    expect(page.locator("tr[data-reference]")).to_have_count(1)

    saved.get_by_role("button", name="Delete the saved view “Running ones”").click()
    expect(page.get_by_text("Saved view “Running ones” deleted.")).to_be_visible()
    assert not SavedView.objects.exists()
    expect(page.get_by_role("navigation", name="Main").get_by_text("Saved views")).to_have_count(0)
