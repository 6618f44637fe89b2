"""Reminders on the web: the profile's muting, the leads' log, signed-out visitors and the admin."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils.html import escape

from pilots.models import ReminderMute
from pilots.reminders.inbox import reminder_mutes_of, reminder_mutes_set
from tests import factories
from tests.pilots.reminder_pages import (
    INBOX,
    LOG,
    NOW,
    PROFILE,
    READ_ALL,
    K,
    S,
    read_url,
    remind,
    row,
    shown,
    shows,
)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(NOW, tick=False)


# --- The profile ----------------------------------------------------------------------------


def test_profile_shows_who_the_user_is_and_links_to_password_and_tokens(client, member):
    client.force_login(member)
    response = client.get(PROFILE)
    assert response.status_code == 200
    html = response.content.decode()
    assert f"<dt>Name</dt><dd>{escape(member.get_full_name())}</dd>" in html
    assert '<dt>Username</dt><dd class="mono">member</dd>' in html
    assert "<dt>Email</dt><dd>member@example.com</dd>" in html
    assert 'name="email"' not in html  # shown, not edited
    assert f'<a href="{reverse("password_change")}">Change your password</a>' in html
    assert f'<a href="{reverse("pilots:tokens")}">API tokens</a>' in html


def test_profile_offers_only_non_critical_kinds_and_says_which_cannot_be_muted(client, member):
    client.force_login(member)
    html = client.get(PROFILE).content.decode()
    offered = set(re.findall(r'type="checkbox" name="muted" value="([a-z_]+)"', html))
    assert offered == {
        K.TASK_OVERDUE,
        K.METRIC_STALE,
        K.OWNERSHIP_PENDING,
        K.TASK_UNCONFIRMED,
        K.TASK_DUE_SOON,
        K.PILOT_ENDING,
        K.TARGET_DATE_NEAR,
        K.START_OVERDUE,
        # Event notifications that only inform.
        K.MEMBER_ADDED,
        K.OWNERSHIP_ACCEPTED,
        K.BUDGET_ACCEPTED,
        K.PILOT_APPROVED,
        K.PILOT_STARTED,
        K.PILOT_GRADUATED,
        K.PILOT_STOPPED,
        K.TASK_CONFIRMED,
        K.VALUE_REVIEW_SIGNED,
        K.SUCCEEDED,
        K.SUCCESSION_ACCEPTED,
    }
    assert "<legend>Mute these reminders</legend>" in html
    assert '<fieldset aria-describedby="id_muted_helptext">' in html
    assert (
        "an unplanned handover, an overdue decision or checkpoint, a breached critical "
        "segment, an expired infrastructure waiver, a gate decision waiting too long, a "
        "metric falling back after graduation and an escalation cannot be muted, nor can "
        "a notification that asks you to act or tells that the risk of a pilot worsened." in html
    )
    always = re.search(r'<div class="always-sent">.*?</ul>', html, re.S).group()
    assert re.findall(r"<li>(.*?)</li>", always) == [
        K.HANDOVER_UNPLANNED.label,
        K.HANDOVER_ESCALATION.label,
        K.DECISION_OVERDUE.label,
        K.SEGMENT_BREACH.label,
        K.WAIVER_EXPIRED.label,
        K.CHECKPOINT_OVERDUE.label,
        K.REVIEW_OVERDUE.label,
        K.DEGRADING.label,
        K.DEGRADING_ESCALATED.label,
        K.REMINDER_ESCALATED.label,
        K.VALUE_REVIEW_DUE.label,
        K.VALUE_REVIEW_SIGNOFF.label,
        # Event notifications that ask someone to act, or tell of a worse risk.
        K.OWNER_NOMINATED.label,
        K.OPERATIONS_NAMED.label,
        K.OWNERSHIP_DECLINED.label,
        K.BUDGET_NAMED.label,
        K.BUDGET_DECLINED.label,
        K.PILOT_SUBMITTED.label,
        K.PILOT_REJECTED.label,
        K.TASK_ASSIGNED.label,
        K.TASK_COMPLETED.label,
        K.TASK_DECLINED.label,
        K.RISK_WORSENED.label,
        K.VALUE_REVIEW_RECORDED.label,
        K.VALUE_REVIEW_REFUSED.label,
        # An orphaned pilot (a reminder); a succession to answer, or declined.
        K.ORPHANED.label,
        K.SUCCESSION_NOMINATED.label,
        K.SUCCESSION_DECLINED.label,
    ]


def test_profile_shows_the_current_mutes(client, member):
    reminder_mutes_set(user=member, kinds=[K.METRIC_STALE])
    client.force_login(member)
    html = client.get(PROFILE).content.decode()
    checked = set(re.findall(r'name="muted" value="([a-z_]+)" id="[^"]+" checked', html))
    assert checked == {K.METRIC_STALE}


def test_profile_saving_mutes_persists_them(client, member, owner):
    reminder_mutes_set(user=owner, kinds=[K.TASK_OVERDUE])
    client.force_login(member)
    response = client.post(PROFILE, {"muted": [K.TASK_OVERDUE, K.OWNERSHIP_PENDING]}, follow=True)
    assert response.redirect_chain == [(PROFILE, 302)]
    assert shows(response, "Saved: 2 kinds of reminder muted.")
    assert reminder_mutes_of(member) == {K.TASK_OVERDUE, K.OWNERSHIP_PENDING}
    checked = re.findall(
        r'name="muted" value="([a-z_]+)" id="[^"]+" checked', response.content.decode()
    )
    assert set(checked) == {K.TASK_OVERDUE, K.OWNERSHIP_PENDING}

    response = client.post(PROFILE, {}, follow=True)
    assert shows(response, "Saved: you receive every reminder.")
    assert reminder_mutes_of(member) == set()
    assert reminder_mutes_of(owner) == {K.TASK_OVERDUE}  # someone else's, untouched


def test_profile_muting_a_critical_kind_is_refused_and_changes_nothing(client, member):
    reminder_mutes_set(user=member, kinds=[K.METRIC_STALE])
    client.force_login(member)
    response = client.post(PROFILE, {"muted": [K.HANDOVER_UNPLANNED, K.TASK_OVERDUE]})
    assert response.status_code == 200
    assert shows(
        response,
        "Select a valid choice. handover_unplanned is not one of the available choices.",
    )
    assert '<div class="field has-error field-check">' in response.content.decode()
    assert reminder_mutes_of(member) == {K.METRIC_STALE}
    assert ReminderMute.objects.count() == 1


# --- The leads' log -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["sponsor", "owner", "member", "admin_user"])
def test_log_is_403_for_anyone_but_a_lead(client, request, role):
    user = request.getfixturevalue(role)
    remind(user)
    client.force_login(user)
    response = client.get(LOG)
    assert response.status_code == 403
    assert shows(response, "Only portfolio leads see the reminders sent.")
    assert 'id="reminder-' not in response.content.decode()


def test_log_lists_every_reminder_with_when_whom_status_and_reason(client, lead, member, owner):
    pilot = factories.PilotFactory(title="Invoice triage assistant")
    emailed = remind(member, pilot, ago=timedelta(days=2))
    failed = remind(
        owner,
        pilot,
        kind=K.DECISION_OVERDUE,
        status=S.FAILED,
        last_error="SMTPServerDisconnected: Connection unexpectedly closed",
        ago=timedelta(days=1),
    )
    in_app = remind(owner, status=S.IN_APP)
    cancelled = remind(member, status=S.CANCELLED, ago=timedelta(days=3))
    client.force_login(lead)
    response = client.get(LOG)
    assert response.status_code == 200
    assert shown(response) == [in_app.pk, failed.pk, emailed.pk, cancelled.pk]

    html = row(response, failed)
    assert '<time datetime="2026-02-28T12:00:00+00:00">28 Feb 2026 12:00</time>' in html
    assert "Final decision overdue" in html
    assert f'<a class="mono" href="/pilots/{pilot.reference}/">{pilot.reference}</a>' in html
    assert "Invoice triage assistant" in html
    assert escape(owner.get_full_name()) in html
    assert '<span class="badge bad">failed</span>' in html
    assert "SMTPServerDisconnected: Connection unexpectedly closed" in html
    assert escape(failed.reason) in html

    assert '<span class="badge ok">emailed</span>' in row(response, emailed)
    assert '<span class="badge">in inbox only</span>' in row(response, in_app)
    assert '<span class="badge">cancelled</span>' in row(response, cancelled)


def test_log_shows_local_time(client, lead, member, time_machine):
    time_machine.move_to(datetime(2026, 7, 6, 6, 30, tzinfo=UTC), tick=False)
    reminder = remind(member)  # 07:30 in London (summer time)
    client.force_login(lead)
    assert "6 Jul 2026 07:30</time>" in row(client.get(LOG), reminder)


def test_log_filters_by_kind_status_and_text(client, lead, member, owner):
    triage = factories.PilotFactory(title="Invoice triage assistant")
    churn = factories.PilotFactory(title="Churn predictor")
    a = remind(member, triage, kind=K.TASK_OVERDUE)
    b = remind(owner, triage, kind=K.METRIC_STALE, status=S.FAILED, last_error="Boom")
    c = remind(owner, churn, kind=K.TASK_OVERDUE, status=S.PENDING)
    client.force_login(lead)

    def found(**params) -> set[int]:
        return set(shown(client.get(LOG, params)))

    assert found() == {a.pk, b.pk, c.pk}
    assert found(kind=K.TASK_OVERDUE) == {a.pk, c.pk}
    assert found(status=S.FAILED) == {b.pk}
    assert found(kind=K.TASK_OVERDUE, status=S.PENDING) == {c.pk}
    assert found(q=triage.reference.lower()) == {a.pk, b.pk}
    assert found(q="churn") == {c.pk}
    assert found(q="OWNER") == {b.pk, c.pk}  # the username, any case
    assert found(q=member.last_name[:4]) >= {a.pk}
    assert found(q="  ", kind=K.METRIC_STALE) == {b.pk}


def test_log_filtered_with_no_match_shows_the_empty_state(client, lead, member):
    remind(member)
    client.force_login(lead)
    response = client.get(LOG, {"status": S.FAILED})
    assert shown(response) == []
    assert shows(response, "No reminder matches")
    assert f'<a href="{LOG}">Clear</a>' in response.content.decode()


def test_log_empty_state(client, lead):
    client.force_login(lead)
    response = client.get(LOG)
    assert shows(response, "No reminders sent yet")
    assert "No reminder matches" not in response.content.decode()


def test_log_unknown_filter_value_is_shown_as_an_error(client, lead, member):
    reminder = remind(member, status=S.FAILED)
    client.force_login(lead)
    response = client.get(LOG, {"kind": "bogus", "status": S.FAILED})
    assert shows(response, "Select a valid choice. bogus is not one of the available choices.")
    assert 'aria-invalid="true"' in response.content.decode()
    assert shown(response) == [reminder.pk]  # the valid filter still applies


def test_log_paginates_by_50_and_keeps_the_filters(client, lead, member):
    for hours in range(55):
        remind(member, ago=timedelta(hours=hours))
    remind(member, kind=K.METRIC_STALE)
    client.force_login(lead)
    first = client.get(LOG, {"kind": K.TASK_OVERDUE})
    second = client.get(LOG, {"kind": K.TASK_OVERDUE, "page": 2})
    assert (len(shown(first)), len(shown(second))) == (50, 5)
    assert "Page 1 of 2 · 55 in all" in first.content.decode()
    assert 'href="?kind=task_overdue&amp;page=2" rel="next"' in first.content.decode()
    assert 'href="?kind=task_overdue&amp;page=1" rel="prev"' in second.content.decode()


@pytest.mark.parametrize("n", [2, 30])
def test_log_query_count_does_not_grow(client, lead, n, django_assert_num_queries):
    for i in range(n):
        remind(
            factories.UserFactory(username=f"person{i}"),
            factories.PilotFactory(title=f"Pilot {i}"),
            status=[S.EMAILED, S.FAILED, S.IN_APP][i % 3],
        )
    client.force_login(lead)
    # session, user, the user's groups (access and navigation), the unread count (badge),
    # the page count, the page's reminders with their pilots and recipients
    # + the header's saved views (scorecards.navigation)
    with django_assert_num_queries(7):
        response = client.get(LOG, {"q": "", "kind": ""})
    assert len(shown(response)) == n


# --- Signed out, and the admin --------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in_and_changes_nothing(client, member):
    reminder = remind(member)
    reminder_mutes_set(user=member, kinds=[K.METRIC_STALE])
    for response in (
        client.get(INBOX),
        client.get(PROFILE),
        client.get(LOG),
        client.post(read_url(reminder)),
        client.post(READ_ALL),
        client.post(PROFILE, {"muted": [K.TASK_OVERDUE]}),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")
    reminder.refresh_from_db()
    assert reminder.read_at is None
    assert reminder_mutes_of(member) == {K.METRIC_STALE}


def test_admin_shows_reminders_and_mutes_read_only(client, admin_user, member):
    reminder = remind(member)
    reminder_mutes_set(user=member, kinds=[K.METRIC_STALE])
    mute = ReminderMute.objects.get()
    client.force_login(admin_user)
    listing = client.get(
        reverse("admin:pilots_reminder_changelist"), {"q": reminder.pilot.reference}
    )
    assert listing.status_code == 200
    assert reminder.pilot.reference in listing.content.decode()
    page = client.get(reverse("admin:pilots_reminder_change", args=[reminder.pk]))
    assert page.status_code == 200
    assert b'name="reason"' not in page.content  # a view, not a form
    assert client.get(reverse("admin:pilots_reminder_add")).status_code == 403
    assert client.get(reverse("admin:pilots_remindermute_changelist")).status_code == 200
    assert client.get(reverse("admin:pilots_remindermute_change", args=[mute.pk])).status_code == (
        200
    )
    refused = client.post(
        reverse("admin:pilots_reminder_change", args=[reminder.pk]), {"status": S.FAILED}
    )
    assert refused.status_code == 403
    reminder.refresh_from_db()
    assert reminder.status == S.EMAILED


def test_inbox_and_profile_posts_need_the_csrf_token(member):
    from django.test import Client

    reminder = remind(member)
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    for url, data in (
        (read_url(reminder), {}),
        (READ_ALL, {}),
        (PROFILE, {"muted": ["metric_stale"]}),
    ):
        assert client.post(url, data).status_code == 403
    reminder.refresh_from_db()
    assert reminder.read_at is None
    assert not ReminderMute.objects.exists()


def test_reminder_urls_are_named():
    assert reverse("pilots:inbox") == INBOX
    assert reverse("pilots:inbox_read_all") == READ_ALL
    assert reverse("pilots:inbox_read", args=[7]) == "/inbox/7/read/"
    assert reverse("pilots:profile") == PROFILE
    assert reverse("pilots:reminders") == LOG
