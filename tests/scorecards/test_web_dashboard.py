"""The portfolio dashboard: who sees what, its order, filters, pages and links."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils.html import escape

from pilots.services import ownership
from scorecards.models import Scorecard
from scorecards.scoring import Risk
from tests import factories
from tests.scorecards.dashboard_helpers import (
    DASHBOARD,
    EXPORT,
    exported,
    pin,
    portfolio,
    recompute,
    running_pilot,
    shown,
)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime(2026, 3, 2, 12, tzinfo=UTC), tick=False)


# --- Who sees what --------------------------------------------------------------------------


def test_dashboard_anonymous_is_sent_to_sign_in(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client.get(EXPORT).status_code == 302


def test_dashboard_lead_sees_every_pilot(client, lead, running, sponsor, owner):
    other = running_pilot(sponsor=factories.sponsor_user("sponsor2"), owner=owner)
    recompute()
    client.force_login(lead)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    assert set(shown(response)) == {running.reference, other.reference}
    assert "Every pilot in the portfolio" in response.content.decode()


def test_dashboard_rows_escape_what_people_typed(client, lead, owner):
    """The rows are written in Python (scorecards.views.row_html): every value escaped."""
    sponsor = factories.sponsor_user("sponsor-x")
    sponsor.first_name = '<img src=x onerror="1">'
    sponsor.save(update_fields=["first_name"])
    pilot = running_pilot(sponsor=sponsor, owner=owner, title='<script>alert("t")</script> & co')
    recompute()
    client.force_login(lead)
    html = client.get(DASHBOARD).content.decode()
    assert shown_row(html, pilot.reference)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt; &amp; co" in html
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&quot;1&quot;&gt;" in html


def shown_row(html: str, reference: str) -> bool:
    return f'data-reference="{reference}"' in html


def test_dashboard_sponsor_and_owner_see_only_their_pilots(client, running, sponsor, owner):
    other_sponsor = factories.sponsor_user("sponsor2")
    other_owner = factories.UserFactory(username="owner2")
    theirs = running_pilot(sponsor=other_sponsor, owner=other_owner)
    recompute()

    client.force_login(sponsor)
    response = client.get(DASHBOARD)
    assert shown(response) == [running.reference]
    assert "Your pilots only" in response.content.decode()

    client.force_login(other_owner)
    assert shown(client.get(DASHBOARD)) == [theirs.reference]
    assert [row[0] for row in exported(client.get(EXPORT))[1:]] == [theirs.reference]


def test_dashboard_outsider_sees_an_empty_dashboard(client, running, outsider):
    recompute()
    client.force_login(outsider)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    assert shown(response) == []
    assert "No pilots yet" in response.content.decode()
    assert exported(client.get(EXPORT)) == [exported_header()]
    scorecard = reverse("scorecards:pilot", args=[running.reference])
    assert client.get(scorecard).status_code == 404


def test_dashboard_filter_choices_name_only_people_on_visible_pilots(client, running, sponsor):
    hidden_sponsor = factories.sponsor_user("hidden-sponsor")
    running_pilot(sponsor=hidden_sponsor, owner=factories.UserFactory(username="hidden-owner"))
    recompute()
    client.force_login(sponsor)
    form = client.get(DASHBOARD).context["form"]
    sponsors = [value for value, _ in form.fields["sponsor"].widget.choices if value]
    owners = [value for value, _ in form.fields["owner"].widget.choices if value]
    assert sponsors == [sponsor.pk]
    assert owners == [running.owner_id]


def exported_header() -> list[str]:
    return [
        "reference",
        "title",
        "stage",
        "business unit",
        "sponsor",
        "owner",
        "risk",
        "overall",
        "infrastructure",
        "metric",
        "ownership",
        "handover",
        "next date",
        "reason codes",
        "reasons",
    ]


# --- Order ----------------------------------------------------------------------------------


def test_dashboard_orders_worst_risk_first_then_soonest_next_date(client, lead, sponsor, owner):
    a, b, c, d, e, f = portfolio(6, sponsor=sponsor, owner=owner)
    pin(a, risk=Risk.WATCH, next_date=date(2026, 3, 5))
    pin(b, risk=Risk.CRITICAL, next_date=date(2026, 4, 1))
    pin(c, risk=Risk.AT_RISK, next_date=None)
    pin(d, risk=Risk.CRITICAL, next_date=date(2026, 2, 20))  # already passed: bites first
    pin(e, risk=Risk.ON_TRACK, next_date=date(2026, 3, 3))
    pin(f, risk=Risk.AT_RISK, next_date=date(2026, 3, 20))
    expected = [d, b, f, c, a, e]

    client.force_login(lead)
    assert shown(client.get(DASHBOARD)) == [p.reference for p in expected]
    assert [row[0] for row in exported(client.get(EXPORT))[1:]] == [p.reference for p in expected]


# --- Filters --------------------------------------------------------------------------------


def test_two_pilots_fixture_differs_on_every_filter(two_pilots):
    running, draft = two_pilots
    cards = {card.pilot_id: card for card in Scorecard.objects.all()}
    assert cards[running.pk].risk == Risk.AT_RISK  # no reading in 8 weeks: METRIC_STALE
    assert [r["code"] for r in cards[running.pk].reasons] == ["METRIC_STALE"]
    assert cards[draft.pk].risk == Risk.WATCH
    assert "OWNER_PENDING" in [r["code"] for r in cards[draft.pk].reasons]


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("stage", lambda running, draft: "running", "running"),
        ("stage", lambda running, draft: "draft", "draft"),
        ("business_unit", lambda running, draft: draft.business_unit_id, "draft"),
        ("sponsor", lambda running, draft: running.sponsor_id, "running"),
        ("owner", lambda running, draft: draft.owner_id, "draft"),
        ("reason", lambda running, draft: "METRIC_STALE", "running"),
        ("reason", lambda running, draft: "OWNER_PENDING", "draft"),
        ("risk", lambda running, draft: Risk.AT_RISK.slug, "running"),
        ("risk", lambda running, draft: Risk.WATCH.slug, "draft"),
    ],
)
def test_dashboard_each_filter_narrows(client, lead, two_pilots, name, value, expected):
    running, draft = two_pilots
    pilot = {"running": running, "draft": draft}[expected]
    client.force_login(lead)
    query = {name: value(running, draft)}
    assert shown(client.get(DASHBOARD, query)) == [pilot.reference]
    assert [row[0] for row in exported(client.get(EXPORT, query))[1:]] == [pilot.reference]


def test_dashboard_filters_combine_and_an_empty_match_says_so(client, lead, two_pilots):
    running, _ = two_pilots
    client.force_login(lead)
    response = client.get(DASHBOARD, {"stage": "running", "reason": "OWNER_PENDING"})
    assert shown(response) == []
    assert "No pilot matches" in response.content.decode()
    response = client.get(DASHBOARD, {"stage": "running", "reason": "METRIC_STALE"})
    assert shown(response) == [running.reference]


@pytest.mark.parametrize(
    "query",
    [
        {"stage": "nope"},
        {"business_unit": "abc"},
        {"sponsor": "1e3"},
        {"owner": "'; drop table"},
        {"reason": "NOT_A_CODE"},
        {"risk": "9"},
        {"page": "999"},
        {"page": "x"},
    ],
)
def test_dashboard_invalid_filter_values_do_not_fail(client, lead, two_pilots, query):
    client.force_login(lead)
    response = client.get(DASHBOARD, query)
    assert response.status_code == 200
    assert set(shown(response)) == {pilot.reference for pilot in two_pilots}
    # The CSV refuses a filter it cannot apply rather than export everything.
    assert client.get(EXPORT, query).status_code == (200 if "page" in query else 400)


def test_dashboard_an_unknown_id_narrows_to_nothing(client, lead, two_pilots):
    client.force_login(lead)
    assert shown(client.get(DASHBOARD, {"sponsor": 999999})) == []


# --- Pages and links ------------------------------------------------------------------------


def test_dashboard_pages_by_25_and_keeps_the_filters(client, lead, sponsor, owner):
    pilots = portfolio(30, sponsor=sponsor, owner=owner)
    client.force_login(lead)
    first = client.get(DASHBOARD, {"stage": "running"})
    second = client.get(DASHBOARD, {"stage": "running", "page": 2})
    assert len(shown(first)) == 25
    assert len(shown(second)) == 5
    assert set(shown(first) + shown(second)) == {p.reference for p in pilots}
    html = first.content.decode()
    assert 'href="?stage=running&amp;page=2"' in html
    assert f'href="{EXPORT}?stage=running"' in html


def test_export_is_every_filtered_row_in_dashboard_order(client, lead, sponsor, owner, two_pilots):
    portfolio(28, sponsor=sponsor, owner=owner)
    client.force_login(lead)
    query = {"stage": "running"}
    on_pages = shown(client.get(DASHBOARD, query)) + shown(
        client.get(DASHBOARD, {**query, "page": 2})
    )
    response = client.get(EXPORT, query)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="pilotgate-portfolio-2026-03-02.csv"'
    )
    rows = exported(response)
    assert rows[0] == exported_header()
    assert [row[0] for row in rows[1:]] == on_pages
    assert len(on_pages) == 29


def test_export_row_carries_the_scorecard(client, lead, two_pilots):
    running, _ = two_pilots
    card = Scorecard.objects.get(pilot=running)
    client.force_login(lead)
    rows = exported(client.get(EXPORT, {"reference": "ignored", "stage": "running"}))
    assert rows[1] == [
        running.reference,
        running.title,
        "Running",
        "Finance",
        running.sponsor.get_full_name(),
        running.owner.get_full_name(),
        "At risk",
        str(card.overall),
        str(card.infrastructure),
        str(card.metric),
        str(card.ownership),
        str(card.handover),
        card.next_date.isoformat(),
        "METRIC_STALE",
        card.reasons[0]["sentence"],
    ]


def test_export_neutralises_spreadsheet_formulas(client, lead, sponsor, owner):
    running_pilot(sponsor=sponsor, owner=owner, title='=HYPERLINK("http://evil")')
    recompute()
    client.force_login(lead)
    rows = exported(client.get(EXPORT))
    assert rows[1][1] == '\'=HYPERLINK("http://evil")'


def test_dashboard_row_shows_reasons_with_links_and_a_sparkline(client, lead, running, owner):
    metric = running.metrics.get()
    for week, value in enumerate(["12", "18", "31"]):
        factories.ReadingFactory(
            metric=metric, observed_on=date(2026, 2, 9) + timedelta(weeks=week), value=value
        )
    recompute()
    card = Scorecard.objects.get(pilot=running)
    client.force_login(lead)
    html = client.get(DASHBOARD).content.decode()
    for reason in card.reasons:
        assert f'<a href="{reason["link"]}">{escape(reason["sentence"])}</a>' in html
    assert 'aria-label="Primary metric, last 3 readings: 12 to 31"' in html
    assert '<polyline class="spark-line"' in html
    assert f'href="{reverse("pilots:detail", args=[running.reference])}"' in html
    assert f'href="{reverse("scorecards:pilot", args=[running.reference])}"' in html


def test_reasons_link_to_registration_steps_only_for_those_who_may_edit(
    client, sponsor, owner, member
):
    """A draft's reasons are fixed on its registration steps, which open only to editors."""
    pilot = factories.PilotFactory(sponsor=sponsor)
    ownership.owner_nominate(pilot=pilot, by=sponsor, owner=owner)
    factories.add_member(pilot, member)
    recompute()
    reasons = Scorecard.objects.get(pilot=pilot).reasons
    steps = {reason["link"] for reason in reasons}
    assert steps == {
        reverse("pilots:register", args=[pilot.reference, section])
        for section in ("owner", "operations", "metric", "infrastructure")
    }
    scorecard = reverse("scorecards:pilot", args=[pilot.reference])
    for viewer in (owner, member):
        client.force_login(viewer)
        for page in (DASHBOARD, scorecard):
            html = client.get(page).content.decode()
            assert all(escape(reason["sentence"]) in html for reason in reasons)
            assert [step for step in steps if step in html] == []
        assert {client.get(step).status_code for step in steps} == {403}
    client.force_login(sponsor)
    for page in (DASHBOARD, scorecard):
        html = client.get(page).content.decode()
        for reason in reasons:
            assert f'<a href="{reason["link"]}">{escape(reason["sentence"])}</a>' in html


def test_portfolio_link_in_the_header_for_everyone_signed_in(client, member, lead):
    for user in (member, lead):
        client.force_login(user)
        nav = re.search(r'<nav aria-label="Main".*?</nav>', client.get("/").content.decode(), re.S)
        assert f'<a href="{DASHBOARD}">Portfolio</a>' in nav.group(0)
