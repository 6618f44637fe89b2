"""The profile's calendar section: the feed's address, how to subscribe, and its reset."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from pilots.models import CalendarFeed

PROFILE = "/account/"
RESET = "/account/calendar/reset/"
SITE = "https://pilotgate.example.com"


@pytest.fixture(autouse=True)
def _site(settings, time_machine):
    settings.SITE_URL = SITE
    time_machine.move_to(datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False)


def shown_address(response) -> str:
    match = re.search(
        r'<input type="text" id="calendar-url" class="key-box" value="([^"]+)" readonly',
        response.content.decode(),
    )
    assert match, "the address is shown in its read-only box"
    return match.group(1)


def test_calendar_urls_are_named():
    assert reverse("pilots:calendar_reset") == RESET
    assert reverse("pilots:calendar_feed", args=["abc_-9"]) == "/calendar/abc_-9.ics"


def test_the_profile_shows_the_feeds_address_made_on_first_visit(client, member):
    client.force_login(member)
    assert not CalendarFeed.objects.exists()
    response = client.get(PROFILE)
    feed = CalendarFeed.objects.get(user=member)
    address = shown_address(response)
    assert address == f"{SITE}/calendar/{feed.secret}.ics"
    html = response.content.decode()
    assert '<h2 id="h-calendar">Your calendar</h2>' in html
    assert f'<a href="webcal://pilotgate.example.com/calendar/{feed.secret}.ics">' in html
    assert escape("Google Calendar:") in html
    assert '<button type="submit" class="secondary">Reset the calendar link</button>' in html
    assert '<button type="button" class="secondary" data-copy="calendar-url" hidden>' in html
    # The same address on every visit: calendar apps keep it.
    assert shown_address(client.get(PROFILE)) == address
    assert CalendarFeed.objects.count() == 1


def test_resetting_shows_a_new_address_and_the_old_one_answers_404(client, member):
    client.force_login(member)
    old = shown_address(client.get(PROFILE))
    response = client.post(RESET, follow=True)
    assert response.redirect_chain == [(f"{PROFILE}#calendar", 302)]
    assert escape("Your calendar link was reset: the old address no longer works.") in (
        response.content.decode()
    )
    new = shown_address(response)
    assert new != old
    path = lambda address: address.removeprefix(SITE)  # noqa: E731
    assert Client().get(path(old)).status_code == 404
    new_feed = Client().get(path(new))
    assert new_feed.status_code == 200
    assert new_feed["Content-Type"] == "text/calendar; charset=utf-8"


def test_a_get_of_the_reset_changes_nothing(client, member):
    client.force_login(member)
    old = shown_address(client.get(PROFILE))
    response = client.get(RESET)
    assert response.status_code == 302
    assert response["Location"] == f"{PROFILE}#calendar"
    assert shown_address(client.get(PROFILE)) == old


def test_the_reset_needs_the_csrf_token_and_a_session(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    old = shown_address(client.get(PROFILE))
    assert client.post(RESET).status_code == 403
    assert shown_address(client.get(PROFILE)) == old
    anonymous = Client().post(RESET)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")


def test_each_user_sees_only_their_own_address(client, member, owner):
    client.force_login(member)
    mine = shown_address(client.get(PROFILE))
    client.force_login(owner)
    theirs = shown_address(client.get(PROFILE))
    assert mine != theirs
    assert theirs.endswith(f"/{CalendarFeed.objects.get(user=owner).secret}.ics")
