"""The portfolio dashboard, its CSV export and a pilot's scorecard page.

Scorecards are built the way production builds them: pilots set up with the
factories and the services, then ``scorecards_recompute``; a few tests then
pin a stored value (risk, next date, a share) to test the page, not the rules.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils.html import escape
from zen_queries import QueriesDisabledError

from pilots.enums import OwnershipStatus, Stage
from pilots.models import Pilot
from pilots.services import ownership
from scorecards import charts
from scorecards.models import Scorecard, ScorecardSnapshot
from scorecards.scoring import Risk
from scorecards.services import (
    portfolio_totals_refresh,
    scorecards_recompute,
    scorecards_snapshot,
    week_of,
)
from tests import factories

TODAY = date(2026, 3, 2)  # a Monday, inside the fixtures' pilots (5 Jan to 5 Jul 2026)
DASHBOARD = reverse("scorecards:dashboard")
EXPORT = reverse("scorecards:export")


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime(2026, 3, 2, 12, tzinfo=UTC), tick=False)


def recompute() -> None:
    scorecards_recompute(today=TODAY)


def shown(response) -> list[str]:
    """The references of the dashboard's rows, in the order shown."""
    return re.findall(
        r'<tr class="risk-row-\d" data-reference="(PIL-\d+)">', response.content.decode()
    )


def exported(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def pin(pilot: Pilot, **values) -> None:
    """Set stored scorecard values directly (to test the page, not the rules), then
    recount the portfolio's totals, as a recompute does after its writes."""
    Scorecard.objects.filter(pilot=pilot).update(**values)
    portfolio_totals_refresh()


def running_pilot(*, sponsor, owner, **fields) -> Pilot:
    """A running pilot (straight from the factory) with an accepted owner and a primary metric."""
    pilot = factories.PilotFactory(
        sponsor=sponsor,
        owner=owner,
        owner_status=OwnershipStatus.ACCEPTED,
        owner_responded_at=datetime(2026, 1, 2, tzinfo=UTC),
        stage=Stage.RUNNING,
        started_on=date(2026, 1, 5),
        receiving_team="Operations",
        **fields,
    )
    factories.MetricFactory(pilot=pilot)
    return pilot


def portfolio(n: int, *, sponsor, owner) -> list[Pilot]:
    pilots = [running_pilot(sponsor=sponsor, owner=owner) for _ in range(n)]
    recompute()
    return pilots


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


@pytest.fixture
def two_pilots(running, lead):
    """``running`` (fixture cast, Finance) and a draft with nobody accepted (Operations)."""
    draft = factories.PilotFactory(
        sponsor=factories.sponsor_user("sponsor2"),
        owner=factories.UserFactory(username="owner2"),
        owner_status=OwnershipStatus.PENDING,
        business_unit=factories.BusinessUnitFactory(name="Operations"),
    )
    running.business_unit = factories.BusinessUnitFactory(name="Finance")
    running.save()
    recompute()
    return running, draft


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


# --- Summary --------------------------------------------------------------------------------


def test_dashboard_summary_figures(client, lead, sponsor, owner):
    graduated, stopped, first, second = portfolio(4, sponsor=sponsor, owner=owner)
    Pilot.objects.filter(pk=graduated.pk).update(
        stage=Stage.GRADUATED, operations_accepted_at=datetime(2026, 2, 1, tzinfo=UTC)
    )
    Pilot.objects.filter(pk=stopped.pk).update(stage=Stage.STOPPED)
    # The scorecard keeps the stage it was scored at (the recompute follows every change).
    pin(
        graduated,
        stage=Stage.GRADUATED,
        has_accepted_owner=True,
        has_primary_metric=True,
        handover_planned_early=True,
    )
    pin(
        stopped,
        stage=Stage.STOPPED,
        has_accepted_owner=False,
        has_primary_metric=False,
        handover_planned_early=None,
    )
    pin(first, has_accepted_owner=True, has_primary_metric=True, handover_planned_early=False)
    pin(second, has_accepted_owner=True, has_primary_metric=False, handover_planned_early=None)

    client.force_login(lead)
    response = client.get(DASHBOARD)
    summary = response.context["summary"]
    assert summary.total == 4
    assert summary.per_stage["graduated"] == 1
    assert summary.per_stage["stopped"] == 1
    assert summary.per_stage["running"] == 2
    assert [(f["label"], f["value"], f["detail"]) for f in response.context["figures"]] == [
        ("Graduation rate", "50%", "1 of 2 decided pilots graduated"),
        ("Accepted business owner", "75%", "3 of 4 pilots"),
        ("Primary business metric", "50%", "2 of 4 pilots"),
        ("Handover planned before the window", "50%", "1 of 2 pilots whose window has opened"),
    ]
    html = response.content.decode()
    assert '<p class="figure-value">75%</p>' in html
    assert "Running <strong>2</strong>" in html


def test_dashboard_summary_shows_a_dash_when_a_share_is_undefined(client, lead, running):
    recompute()
    pin(running, handover_planned_early=None)
    client.force_login(lead)
    response = client.get(DASHBOARD)
    figures = {f["label"]: f for f in response.context["figures"]}
    assert figures["Graduation rate"]["value"] == "—"
    assert figures["Graduation rate"]["detail"] == "No pilot graduated or stopped yet"
    assert figures["Handover planned before the window"]["value"] == "—"
    assert figures["Accepted business owner"]["value"] == "100%"


def test_dashboard_summary_follows_the_filters(client, lead, two_pilots):
    client.force_login(lead)
    response = client.get(DASHBOARD, {"stage": "draft"})
    assert response.context["summary"].total == 1
    assert response.context["summary"].with_accepted_owner == 0


# --- Charts ---------------------------------------------------------------------------------


def snapshot_weeks(weeks: int) -> None:
    for n in range(weeks, 0, -1):
        day = week_of(TODAY) - timedelta(weeks=n)
        scorecards_recompute(today=day)
        scorecards_snapshot(today=day)
    recompute()
    scorecards_snapshot(today=TODAY)


def test_dashboard_risk_chart_and_funnel_from_the_snapshots(client, lead, two_pilots):
    snapshot_weeks(3)
    client.force_login(lead)
    response = client.get(DASHBOARD)
    chart = response.context["risk_chart"]
    assert [bar.week for bar in chart.bars][-4:] == [
        date(2026, 2, 9),
        date(2026, 2, 16),
        date(2026, 2, 23),
        date(2026, 3, 2),
    ]
    assert [bar.total for bar in chart.bars] == [0] * 8 + [2, 2, 2, 2]
    assert chart.bars[-1].per_risk == {3: 0, 2: 1, 1: 1, 0: 0}
    funnel = {bar.stage: bar.n for bar in response.context["funnel"].bars}
    assert funnel == {"draft": 1, "proposed": 0, "approved": 0, "running": 1, "graduated": 0}
    html = response.content.decode()
    assert html.count('class="risk-bar risk-fill-') == 8  # 4 weeks x 2 levels
    assert html.count('<rect class="funnel-bar') == 2
    assert "Risk levels per week, as a table" in html


def test_risk_chart_stacks_worst_first_from_the_axis():
    chart = charts.risk_chart([(date(2026, 3, 2), {0: 1, 1: 0, 2: 2, 3: 1})])
    bar = chart.bars[0]
    assert [s.risk for s in bar.segments] == [3, 2, 0]
    assert bar.segments[0].y + bar.segments[0].height == chart.bottom
    assert sum(s.height for s in bar.segments) == pytest.approx(chart.bottom - chart.top)
    assert [t.label for t in chart.y_ticks] == ["0", "1", "2", "3", "4"]


def test_sparkline_label_and_points():
    spark = charts.sparkline([["2026-02-01", "12.50"], ["2026-02-08", "20"], ["2026-02-15", "31"]])
    assert spark.label == "Primary metric, last 3 readings: 12.5 to 31"
    assert len(spark.points) == 3
    assert spark.points[0][1] > spark.points[-1][1]  # higher values draw higher
    assert charts.sparkline([["2026-02-01", "7"]]).label == "Primary metric, 1 reading: 7"
    assert charts.sparkline([]) is None


# --- Queries --------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 30])
def test_dashboard_query_count_does_not_grow(
    client, lead, sponsor, owner, n, django_assert_num_queries
):
    portfolio(n, sponsor=sponsor, owner=owner)
    scorecards_snapshot(today=TODAY)
    client.force_login(lead)
    # session, user, groups, people choices, business units, summary, page rows,
    # risk trend, unread reminders.
    with django_assert_num_queries(9):
        response = client.get(DASHBOARD)
    assert len(shown(response)) == min(n, 25)
    # Filtered (every filter set): validated without a query.
    query = {
        "stage": "running",
        "business_unit": Pilot.objects.first().business_unit_id,
        "sponsor": sponsor.pk,
        "owner": owner.pk,
        "reason": "METRIC_STALE",
        "risk": Risk.AT_RISK.slug,
    }
    with django_assert_num_queries(9):
        response = client.get(DASHBOARD, query)
    assert shown(response)


@pytest.mark.parametrize("n", [2, 30])
def test_dashboard_query_count_for_a_sponsor(client, sponsor, owner, n, django_assert_num_queries):
    portfolio(n, sponsor=sponsor, owner=owner)
    client.force_login(sponsor)
    with django_assert_num_queries(9):
        response = client.get(DASHBOARD)
    assert len(shown(response)) == min(n, 25)


@pytest.mark.parametrize("n", [2, 30])
def test_export_query_count_does_not_grow(
    client, lead, sponsor, owner, n, django_assert_num_queries
):
    portfolio(n, sponsor=sponsor, owner=owner)
    client.force_login(lead)
    # session, user, groups, rows.
    with django_assert_num_queries(4):
        response = client.get(EXPORT, {"sponsor": sponsor.pk, "stage": "running"})
    assert len(exported(response)) == n + 1


@pytest.mark.parametrize("weeks", [1, 6])
def test_scorecard_page_query_count(client, owner, running, weeks, django_assert_num_queries):
    snapshot_weeks(weeks)
    client.force_login(owner)
    # session, user, groups, pilot, scorecard, snapshots, unread reminders.
    with django_assert_num_queries(7):
        response = client.get(reverse("scorecards:pilot", args=[running.reference]))
    assert len(response.context["snapshots"]) == weeks + 1


def querying_context_processor(request):
    """A context processor that runs a query: what a template must never cause."""
    return {"pilots_in_db": Pilot.objects.count()}


def test_templates_render_with_queries_disabled(client, lead, running, settings):
    recompute()
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {
                **settings.TEMPLATES[0]["OPTIONS"],
                "context_processors": [
                    *settings.TEMPLATES[0]["OPTIONS"]["context_processors"],
                    "tests.scorecards.test_web_dashboard.querying_context_processor",
                ],
            },
        }
    ]
    client.force_login(lead)
    for url in (DASHBOARD, reverse("scorecards:pilot", args=[running.reference])):
        with pytest.raises(QueriesDisabledError):
            client.get(url)
    assert connection.execute_wrappers == []  # the guard is lifted after the render


def test_pilot_list_is_not_guarded(client, lead, running, settings):
    """The control for the test above: the same processor works on an unguarded page."""
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {
                **settings.TEMPLATES[0]["OPTIONS"],
                "context_processors": [
                    *settings.TEMPLATES[0]["OPTIONS"]["context_processors"],
                    "tests.scorecards.test_web_dashboard.querying_context_processor",
                ],
            },
        }
    ]
    client.force_login(lead)
    assert client.get(reverse("pilots:list")).status_code == 200


# --- A pilot's scorecard page ---------------------------------------------------------------


def test_scorecard_page_shows_practices_reasons_and_trend(client, owner, running):
    snapshot_weeks(2)
    card = Scorecard.objects.get(pilot=running)
    client.force_login(owner)
    response = client.get(reverse("scorecards:pilot", args=[running.reference]))
    assert response.status_code == 200
    practices = {row["practice"]: row["score"] for row in response.context["practices"]}
    assert practices == {
        "infrastructure": card.infrastructure,
        "metric": card.metric,
        "ownership": card.ownership,
        "handover": card.handover,
    }
    html = response.content.decode()
    assert f"<strong>{card.metric}</strong> / 100" in html
    reason = card.reasons[0]
    assert f'<a href="{reason["link"]}">{escape(reason["sentence"])}</a>' in html
    assert [row["snapshot"].week for row in response.context["snapshots"]] == [
        date(2026, 3, 2),
        date(2026, 2, 23),
        date(2026, 2, 16),
    ]
    assert 'class="chart-readings"' in html  # the overall score per week
    assert "Computed for 2 Mar 2026" in html


def test_scorecard_page_without_a_scorecard_says_it_is_being_computed(client, sponsor, draft):
    client.force_login(sponsor)
    response = client.get(reverse("scorecards:pilot", args=[draft.reference]))
    assert response.status_code == 200
    assert "being computed" in response.content.decode()
    assert ScorecardSnapshot.objects.count() == 0


def test_scorecard_page_unknown_pilot_is_404(client, lead):
    client.force_login(lead)
    assert client.get(reverse("scorecards:pilot", args=["PIL-9999"])).status_code == 404


def test_pilot_page_links_to_its_scorecard(client, owner, running):
    client.force_login(owner)
    html = client.get(reverse("pilots:detail", args=[running.reference])).content.decode()
    assert f'href="{reverse("scorecards:pilot", args=[running.reference])}"' in html


def test_sparkline_reading_values_are_decimals():
    spark = charts.sparkline([["2026-02-01", "1.5"], ["2026-02-01", "bad"], ["x", "2"]])
    assert spark.label == "Primary metric, 1 reading: 1.5"
    assert Decimal(spark.last) == Decimal("1.5")


def test_the_csv_refuses_invalid_filters_instead_of_exporting_everything(client, lead):
    client.force_login(lead)
    response = client.get("/portfolio/export.csv", {"owner": "abc", "risk": "bogus"})
    assert response.status_code == 400
    text = response.content.decode()
    assert text.startswith("Nothing exported: the filters are not valid")
    assert "owner" in text
    assert "risk" in text
