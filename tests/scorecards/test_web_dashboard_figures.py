"""The portfolio dashboard's figures: the summary, the charts, the query counts, and a
pilot's scorecard page."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils.html import escape
from zen_queries import QueriesDisabledError

from pilots.enums import Stage
from pilots.models import Pilot
from scorecards import charts
from scorecards.models import Scorecard, ScorecardSnapshot
from scorecards.scoring import Risk
from scorecards.services import (
    scorecards_recompute,
    scorecards_snapshot,
    week_of,
)
from tests.scorecards.dashboard_helpers import (
    DASHBOARD,
    EXPORT,
    TODAY,
    exported,
    pin,
    portfolio,
    recompute,
    shown,
)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime(2026, 3, 2, 12, tzinfo=UTC), tick=False)


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
    # risk trend, the graduated pilots' value, the user's saved views, unread reminders.
    with django_assert_num_queries(11):
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
        "q": "pil",
        "sort": "-next",
    }
    # Filtered, the summary is counted: its counts, then its evidence per practice; and
    # the graduated pilots' value.
    with django_assert_num_queries(12):
        response = client.get(DASHBOARD, query)
    assert shown(response)


@pytest.mark.parametrize("n", [2, 30])
def test_dashboard_query_count_for_a_sponsor(client, sponsor, owner, n, django_assert_num_queries):
    portfolio(n, sponsor=sponsor, owner=owner)
    client.force_login(sponsor)
    # As a lead's, with the summary counted (its counts, then its evidence) and the
    # graduated pilots' value: 12.
    with django_assert_num_queries(12):
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
    # + the header's saved views (scorecards.navigation)
    with django_assert_num_queries(8):
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
                    "tests.scorecards.test_web_dashboard_figures.querying_context_processor",
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
                    "tests.scorecards.test_web_dashboard_figures.querying_context_processor",
                ],
            },
        }
    ]
    client.force_login(lead)
    assert client.get(reverse("scorecards:list")).status_code == 200


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
