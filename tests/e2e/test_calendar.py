"""The calendar feed in the browser: a team member finds the address on the profile,
copies it, a calendar app (no session) reads it, and "Reset the calendar link" makes
the old address answer 404 and the new one work. The page passes axe."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from icalendar import Calendar
from playwright.sync_api import Page, expect

from tests.e2e.test_accessibility import blocking_violations

pytestmark = pytest.mark.django_db(transaction=True)


def calendar_app_reads(address: str) -> tuple[int, bytes]:
    """A GET as a calendar app makes it: no cookie, no session."""
    try:
        with urllib.request.urlopen(address, timeout=10) as response:  # noqa: S310 (our server)
            return response.status, response.read()
    except urllib.error.HTTPError as refused:
        return refused.code, b""


def summaries(body: bytes) -> set[str]:
    return {str(event["SUMMARY"]) for event in Calendar.from_ical(body).walk("VEVENT")}


def test_member_subscribes_and_resets_the_calendar_link(
    live_server, settings, sign_in, live_running, member
):
    settings.SITE_URL = live_server.url
    page: Page = sign_in(member)
    page.context.grant_permissions(["clipboard-write"], origin=live_server.url)
    page.goto(f"{live_server.url}/account/")
    section = page.locator("#calendar")
    expect(section.get_by_role("heading", name="Your calendar")).to_be_visible()
    box = section.get_by_label("Your calendar address")
    old = box.input_value()
    assert old.startswith(f"{live_server.url}/calendar/")
    assert old.endswith(".ics")

    # The copy button appears with JavaScript, and says what it did.
    section.get_by_role("button", name="Copy").click()
    expect(section.get_by_role("status")).to_have_text("Copied.")
    assert blocking_violations(page) == []

    status, body = calendar_app_reads(old)
    assert status == 200
    name = f"{live_running.reference} {live_running.title}"
    assert f"Handover window: hand over to operations · {name}" in summaries(body)

    section.get_by_role("button", name="Reset the calendar link").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Your calendar link was reset: the old address no longer works."
    )
    new = page.locator("#calendar").get_by_label("Your calendar address").input_value()
    assert new != old
    assert calendar_app_reads(old)[0] == 404
    status, body = calendar_app_reads(new)
    assert status == 200
    assert f"Planned end: graduate or stop · {name}" in summaries(body)
    assert blocking_violations(page) == []
