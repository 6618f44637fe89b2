"""Reminders on the web: the inbox, the header's badge, marking read, from sweep to inbox."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils.html import escape

from pilots.models import Reminder
from pilots.reminders.sweep import reminders_sweep
from tests import factories
from tests.pilots.reminder_pages import (
    INBOX,
    LOG,
    NOW,
    PROFILE,
    READ_ALL,
    K,
    S,
    account,
    item,
    read_url,
    remind,
    shown,
    shows,
)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(NOW, tick=False)


# --- The inbox ------------------------------------------------------------------------------


def test_inbox_lists_only_ones_own_reminders_newest_first_without_cancelled(client, member, owner):
    older = remind(member, ago=timedelta(days=3))
    newer = remind(member, ago=timedelta(days=1), read=True)
    remind(member, status=S.CANCELLED)  # fixed before it went out: not shown
    in_app = remind(member, status=S.IN_APP, ago=timedelta(days=2))
    remind(owner)
    client.force_login(member)
    response = client.get(INBOX)
    assert response.status_code == 200
    assert shown(response) == [newer.pk, in_app.pk, older.pk]


def test_inbox_item_shows_kind_pilot_reason_action_link_and_day(client, member):
    pilot = factories.PilotFactory(title="Invoice triage assistant")
    reminder = remind(
        member,
        pilot,
        kind=K.METRIC_STALE,
        reason="The primary metric “Invoices per hour” has had no reading since 2 Feb 2026.",
        action="Record the latest reading, or check the pipeline that pushes it.",
        link=f"/pilots/{pilot.reference}/#metrics",
        ago=timedelta(days=2),
    )
    client.force_login(member)
    html = item(client.get(INBOX), reminder)
    assert "Primary metric stale</h2>" in html
    assert f'<span class="mono">{pilot.reference}</span> Invoice triage assistant' in html
    assert escape(reminder.reason) in html
    assert "<strong>What to do:</strong> Record the latest reading, or check the pipeline" in html
    # Unread: "Open" marks it read on the way to the page where it is fixed.
    assert f'name="next" value="/pilots/{pilot.reference}/#metrics">' in html
    assert f'<button type="submit">Open {pilot.reference}</button>' in html
    assert '<time class="muted" datetime="2026-02-27T12:00:00+00:00"' in html
    assert ">27 Feb 2026</time>" in html


def test_inbox_unread_items_are_tagged_new_with_a_mark_as_read_button(client, member):
    unread = remind(member)
    read = remind(member, read=True)
    client.force_login(member)
    response = client.get(INBOX + "?page=1")

    new = item(response, unread)
    assert 'class="reminder unread"' in new
    assert '<span class="badge new">New</span>' in new
    open_form, form = re.findall(r'<form method="post" action="[^"]+".*?</form>', new, re.S)
    assert "Open" in open_form
    form = re.search(r'<form method="post" action="([^"]+)".*?</form>', form, re.S)
    assert form.group(1) == read_url(unread)
    assert 'name="csrfmiddlewaretoken"' in form.group()
    assert '<input type="hidden" name="next" value="/inbox/?page=1">' in form.group()
    assert "Mark as read" in form.group()

    old = item(response, read)
    assert 'class="reminder"' in old
    assert "New" not in old
    assert read_url(read) not in old
    assert "Read 1 Mar 2026" in old


def test_inbox_unread_toggle_shows_only_unread(client, member):
    unread = remind(member)
    remind(member, read=True)
    client.force_login(member)

    response = client.get(INBOX, {"show": "unread"})
    assert shown(response) == [unread.pk]
    html = response.content.decode()
    assert '<a href="/inbox/">All</a>' in html
    assert '<a href="/inbox/?show=unread" aria-current="page">Unread (1)</a>' in html

    html = client.get(INBOX).content.decode()
    assert '<a href="/inbox/" aria-current="page">All</a>' in html


def test_inbox_mark_all_button_only_when_something_is_unread(client, member):
    remind(member, read=True)
    client.force_login(member)
    assert READ_ALL not in client.get(INBOX).content.decode()
    remind(member)
    assert f'action="{READ_ALL}"' in client.get(INBOX).content.decode()


def test_inbox_empty_states(client, member):
    client.force_login(member)
    response = client.get(INBOX)
    assert shown(response) == []
    assert shows(
        response,
        "No reminders yet: Pilotgate tells you here and by email when a pilot needs you.",
    )
    assert READ_ALL not in response.content.decode()

    remind(member, read=True)
    response = client.get(INBOX, {"show": "unread"})
    assert shown(response) == []
    assert shows(response, "Nothing unread.")
    assert "No reminders yet" not in response.content.decode()


def test_inbox_links_to_the_profile_to_mute(client, member):
    client.force_login(member)
    html = client.get(INBOX).content.decode()
    assert f'<a href="{PROFILE}#reminders">your profile</a>' in html


def test_inbox_paginates_by_25(client, member):
    for days in range(30):
        remind(member, ago=timedelta(hours=days))
    client.force_login(member)
    first, second = client.get(INBOX), client.get(INBOX, {"page": 2})
    assert (len(shown(first)), len(shown(second))) == (25, 5)
    assert "Page 1 of 2 · 30 in all" in first.content.decode()
    assert 'href="?page=2" rel="next"' in first.content.decode()
    unread = client.get(INBOX, {"show": "unread"}).content.decode()
    assert 'href="?show=unread&amp;page=2" rel="next"' in unread


@pytest.mark.parametrize("n", [2, 30])
def test_inbox_query_count_does_not_grow(client, member, n, django_assert_num_queries):
    for i in range(n):
        remind(member, factories.PilotFactory(title=f"Pilot {i}"), read=i % 2 == 0)
    client.force_login(member)
    # session, user, the user's groups (navigation), the unread count (badge, "Mark all"),
    # the page count, the page's reminders with their pilots
    # + the header's saved views (scorecards.navigation)
    with django_assert_num_queries(7):
        response = client.get(INBOX)
    assert len(shown(response)) == min(n, 25)


# --- The header's badge ---------------------------------------------------------------------


def test_header_inbox_badge_counts_ones_own_unread_reminders(client, member, owner):
    remind(member)
    remind(member)
    remind(member, read=True)
    remind(member, status=S.CANCELLED)  # not in the inbox, so not counted
    remind(owner)
    client.force_login(member)
    header = account(client.get("/"))
    assert (
        f'<a href="{INBOX}" class="inbox">Inbox <span class="badge count">2'
        '<span class="visually-hidden"> unread</span></span></a>'
    ) in header


def test_header_inbox_link_has_no_badge_when_nothing_is_unread(client, member):
    remind(member, read=True)
    client.force_login(member)
    header = account(client.get(INBOX))
    assert f'<a href="{INBOX}" class="inbox" aria-current="page">Inbox</a>' in header
    assert "badge" not in header


def test_header_names_the_user_with_a_link_to_the_profile(client, member):
    client.force_login(member)
    header = account(client.get("/"))
    name = member.get_full_name()
    assert f'href="{PROFILE}" class="user"' in header
    assert f">{escape(name)}</a>" in header
    assert reverse("password_change") not in header


def test_header_reminders_sent_link_only_for_leads(client, lead, sponsor):
    client.force_login(lead)
    assert f'<a href="{LOG}">Reminders sent</a>' in client.get("/").content.decode()
    client.force_login(sponsor)
    assert LOG not in client.get("/").content.decode()


def test_anonymous_pages_run_no_query_for_the_badge(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("login"))
    assert response.status_code == 200
    assert INBOX not in response.content.decode()


# --- Marking read ---------------------------------------------------------------------------


def test_mark_read_marks_ones_own_reminder_and_returns_to_next(client, member):
    reminder = remind(member)
    other = remind(member)
    client.force_login(member)
    response = client.post(read_url(reminder), {"next": "/inbox/?show=unread"})
    assert response.status_code == 302
    assert response["Location"] == "/inbox/?show=unread"
    reminder.refresh_from_db()
    other.refresh_from_db()
    assert (reminder.read_at, other.read_at) == (NOW, None)


def test_mark_read_of_another_users_reminder_changes_nothing(client, member, owner):
    theirs = remind(owner)
    client.force_login(member)
    response = client.post(read_url(theirs), {"next": INBOX})
    assert response.status_code == 302
    assert response["Location"] == INBOX
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert not list(response.wsgi_request._messages)  # nothing said about someone else's row


def test_mark_read_of_an_unknown_id_changes_nothing(client, member):
    mine = remind(member)
    client.force_login(member)
    response = client.post(reverse("pilots:inbox_read", args=[mine.pk + 1000]))
    assert (response.status_code, response["Location"]) == (302, INBOX)
    mine.refresh_from_db()
    assert mine.read_at is None


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/inbox/", "//evil.example/", "http://testserver.evil.example/", ""],
)
def test_mark_read_ignores_a_next_that_leaves_the_site(client, member, target):
    reminder = remind(member)
    client.force_login(member)
    for url in (read_url(reminder), READ_ALL):
        response = client.post(url, {"next": target})
        assert (response.status_code, response["Location"]) == (302, INBOX)


def test_mark_read_needs_a_post_its_address_leads_to_the_inbox(client, member):
    reminder = remind(member)
    client.force_login(member)
    for url in (read_url(reminder), READ_ALL):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, INBOX)
    reminder.refresh_from_db()
    assert reminder.read_at is None


def test_mark_all_read_marks_only_ones_own(client, member, owner):
    mine = [remind(member), remind(member)]
    theirs = remind(owner)
    client.force_login(member)
    response = client.post(READ_ALL, {"next": INBOX}, follow=True)
    assert response.redirect_chain == [(INBOX, 302)]
    assert shows(response, "Marked 2 reminders as read.")
    assert {r.read_at for r in Reminder.objects.filter(recipient=member)} == {NOW}
    assert [r.pk for r in mine] == sorted(shown(response))
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert "badge count" not in account(response)


def test_mark_all_read_leaves_cancelled_reminders_alone(client, member):
    remind(member)
    cancelled = remind(member, status=S.CANCELLED)
    client.force_login(member)
    response = client.post(READ_ALL, follow=True)
    assert shows(response, "Marked 1 reminder as read.")
    cancelled.refresh_from_db()
    assert cancelled.read_at is None


def test_opening_an_unread_reminder_marks_it_read_and_goes_to_its_page(client, member):
    pilot = factories.PilotFactory()
    reminder = remind(member, pilot, link=f"/pilots/{pilot.reference}/#handover")
    client.force_login(member)
    page = client.get(INBOX).content.decode()
    assert f'<input type="hidden" name="next" value="/pilots/{pilot.reference}/#handover">' in page
    response = client.post(read_url(reminder), {"next": reminder.link})
    assert (response.status_code, response["Location"]) == (302, reminder.link)
    reminder.refresh_from_db()
    assert reminder.read_at == NOW
    assert f'<a class="button" href="{reminder.link}">' in client.get(INBOX).content.decode()


def test_mark_all_read_with_nothing_unread_says_so(client, member):
    remind(member, read=True)
    client.force_login(member)
    response = client.post(READ_ALL, follow=True)
    assert shows(response, "Nothing unread.")


# --- From the sweep to the inbox ------------------------------------------------------------


def test_sweep_reminders_reach_the_owners_inbox(client, running, owner, sponsor, time_machine):
    day = date(2026, 4, 22)  # the handover window of ``running`` opens in 14 days
    time_machine.move_to(datetime(2026, 4, 22, 6, tzinfo=UTC), tick=False)
    reminders_sweep(day=day, deliver="inline")
    handover = Reminder.objects.get(recipient=owner, kind=K.HANDOVER_UNPLANNED)
    assert handover.status == S.EMAILED

    client.force_login(owner)
    response = client.get(INBOX)
    assert handover.pk in shown(response)
    html = item(response, handover)
    assert "Handover not planned" in html
    assert f"The handover window of {running.reference} opens in 14 days (6 May 2026)" in html
    assert f'name="next" value="/pilots/{running.reference}/tasks/new/">' in html
    unread = Reminder.objects.filter(recipient=owner).count()
    assert f'<span class="badge count">{unread}<' in account(response)
