"""The portfolio in the API: the dashboard's rows, its summary and trend, one pilot's scorecard.

The cast: ``a`` is the running fixture pilot (sponsor, owner, member, ops);
``c`` is another of the sponsor's pilots (stopped); ``b`` and ``d`` belong to a
stranger, and ``d`` is owned by the fixture owner (graduated). Scorecards are
computed by the service, as the nightly job does.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from pilots.accounts.tokens import token_create
from pilots.enums import OwnershipStatus, Stage, TokenScope
from scorecards.filters import DashboardFilter
from scorecards.models import RiskLevel, Scorecard
from scorecards.selectors import dashboard_scorecards
from scorecards.services import scorecards_recompute, scorecards_snapshot
from tests import factories
from tests.api.conftest import ROLES, url

pytestmark = pytest.mark.usefixtures("today")

TODAY = date(2026, 3, 1)  # the ``today`` fixture's day: a Sunday, in the week of 23 Feb
LIST = "/api/v1/portfolio/"
SUMMARY = "/api/v1/portfolio/summary/"


def scorecard_url(pilot) -> str:
    return url(pilot.reference, "scorecard/")


def refs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["pilot"]["reference"] for row in response.json()["results"]]


@pytest.fixture
def portfolio(running, sponsor, owner):
    stranger = factories.UserFactory(username="stranger")
    elsewhere = factories.BusinessUnitFactory(name="Elsewhere")
    b = factories.PilotFactory(title="Stranger's draft", sponsor=stranger, business_unit=elsewhere)
    c = factories.PilotFactory(
        title="Stopped",
        sponsor=sponsor,
        business_unit=running.business_unit,
        stage=Stage.STOPPED,
        started_on=date(2026, 1, 5),
    )
    d = factories.PilotFactory(
        title="Graduated",
        sponsor=stranger,
        business_unit=elsewhere,
        owner=owner,
        owner_status=OwnershipStatus.ACCEPTED,
        owner_responded_at=datetime(2025, 5, 20, tzinfo=UTC),
        stage=Stage.GRADUATED,
        planned_start=date(2025, 6, 2),
        planned_end=date(2025, 12, 1),
        started_on=date(2025, 6, 2),
        receiving_team="Operations",
        operations_accepted_at=datetime(2025, 11, 20, tzinfo=UTC),
    )
    primary = running.metrics.get()
    for day, value in [(date(2026, 2, 1), "12"), (date(2026, 2, 22), "15.5")]:
        factories.ReadingFactory(metric=primary, observed_on=day, value=value)
    scorecards_recompute(today=TODAY)
    return SimpleNamespace(a=running, b=b, c=c, d=d, stranger=stranger, elsewhere=elsewhere)


# --- Who sees what ----------------------------------------------------------------------------


VISIBLE = {
    "lead": {"a", "b", "c", "d"},
    "sponsor": {"a", "c"},
    "owner": {"a", "d"},
    "member": {"a"},
    "ops": {"a"},
    "outsider": set(),
}


@pytest.mark.parametrize("role", ROLES)
def test_portfolio_shows_each_role_its_pilots(client_as, role, portfolio):
    response = client_as(role).get(LIST)
    if role == "anonymous":
        assert response.status_code == 401
        return
    expected = {getattr(portfolio, name).reference for name in VISIBLE[role]}
    assert set(refs(response)) == expected
    assert response.json()["count"] == len(expected)


@pytest.mark.parametrize("role", ROLES)
def test_portfolio_summary_counts_only_visible_pilots(client_as, role, portfolio):
    response = client_as(role).get(SUMMARY)
    if role == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    assert response.json()["total"] == len(VISIBLE[role])


@pytest.mark.parametrize("role", ROLES)
def test_pilot_scorecard_follows_visibility(client_as, role, portfolio):
    response = client_as(role).get(scorecard_url(portfolio.a))
    expected = {"anonymous": 401, "outsider": 404}.get(role, 200)
    assert response.status_code == expected
    if role == "outsider":
        assert response.json() == {"code": "not_found", "detail": "No such pilot."}


def test_a_stranger_pilots_scorecard_is_404_for_the_sponsor(client_as, portfolio):
    response = client_as("sponsor").get(scorecard_url(portfolio.b))
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "No such pilot."}


def test_read_scope_tokens_may_use_the_portfolio(portfolio, lead):
    _, key = token_create(user=lead, name="dashboards", scope=TokenScope.READ)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert len(refs(client.get(LIST))) == 4
    assert client.get(SUMMARY).json()["total"] == 4
    assert client.get(scorecard_url(portfolio.a)).json()["pilot"]["reference"] == (
        portfolio.a.reference
    )


# --- The rows ---------------------------------------------------------------------------------


def test_portfolio_row_shows_the_pilot_its_scores_reasons_and_sparkline(
    client_as, portfolio, sponsor, owner
):
    rows = client_as("member").get(LIST).json()["results"]
    a = portfolio.a
    sentence = rows[0]["reasons"][0].pop("sentence")
    assert sentence.startswith(f"“{a.metrics.get().name}” is behind its trajectory by ")
    assert rows == [
        {
            "pilot": {
                "reference": a.reference,
                "title": a.title,
                "stage": "running",
                "business_unit": {"id": a.business_unit_id, "name": a.business_unit.name},
                "sponsor": {
                    "id": sponsor.pk,
                    "username": "sponsor",
                    "full_name": sponsor.get_full_name(),
                },
                "owner": {"id": owner.pk, "username": "owner", "full_name": owner.get_full_name()},
                "owner_status": "accepted",
            },
            "risk": "watch",
            "overall": 92,
            "scores": {"infrastructure": 100, "metric": 70, "ownership": 100, "handover": 100},
            "reasons": [
                {
                    "code": "METRIC_BEHIND",
                    "practice": "metric",
                    "points": 30,
                    "risk": "watch",
                    "link": f"/pilots/{a.reference}/#metrics",
                }
            ],
            "next_date": "2026-05-06",
            "sparkline": [
                {"day": "2026-02-01", "value": "12"},
                {"day": "2026-02-22", "value": "15.5"},
            ],
            "computed_for": "2026-03-01",
            "computed_at": "2026-03-01T10:00:00Z",
        }
    ]


def test_portfolio_risk_is_the_worst_reasons_slug(client_as, portfolio):
    rows = client_as("lead").get(LIST).json()["results"]
    by_reference = {row["pilot"]["reference"]: row for row in rows}
    assert {name: by_reference[getattr(portfolio, name).reference]["risk"] for name in "abcd"} == {
        "a": "watch",
        "b": "watch",  # a draft counts no worse than watch
        "c": "on_track",  # stopped: an outcome, not a risk
        "d": "at_risk",
    }
    assert by_reference[portfolio.c.reference]["reasons"] == []


@pytest.fixture
def ordered(portfolio):
    """Risk, next date and overall set by hand: the order, not the rules, is under test."""
    for pilot, risk, next_date, overall in [
        (portfolio.a, RiskLevel.AT_RISK, date(2026, 4, 1), 50),
        (portfolio.b, RiskLevel.CRITICAL, None, 10),
        (portfolio.c, RiskLevel.AT_RISK, None, 30),
        (portfolio.d, RiskLevel.AT_RISK, date(2026, 3, 10), 70),
    ]:
        Scorecard.objects.filter(pk=pilot.pk).update(
            risk=risk, next_date=next_date, overall=overall
        )
    return portfolio


def test_portfolio_is_in_dashboard_order_worst_risk_then_soonest_date(client_as, ordered):
    expected = [ordered.b, ordered.d, ordered.a, ordered.c]  # no date sorts last within its risk
    assert refs(client_as("lead").get(LIST)) == [p.reference for p in expected]
    assert [card.pilot.reference for card in dashboard_scorecards(ordered.a.sponsor)] == [
        ordered.a.reference,
        ordered.c.reference,
    ]
    assert refs(client_as("sponsor").get(LIST)) == [ordered.a.reference, ordered.c.reference]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("overall", "bcad"),
        ("-overall", "dacb"),
        ("-reference", "dcba"),
        ("risk", "dacb"),  # least risky first; ties in dashboard order
    ],
)
def test_portfolio_sorts(client_as, ordered, sort, expected):
    response = client_as("lead").get(LIST, {"sort": sort})
    assert refs(response) == [getattr(ordered, name).reference for name in expected]


def test_portfolio_pages(client_as, ordered):
    page = client_as("lead").get(LIST, {"page_size": 3, "page": 2}).json()
    assert (page["count"], page["next"], page["previous"] is not None) == (4, None, True)
    assert [row["pilot"]["reference"] for row in page["results"]] == [ordered.c.reference]
    assert client_as("lead").get(LIST, {"page": 3, "page_size": 3}).status_code == 404


# --- Filters: the dashboard's, with the same meaning ------------------------------------------


# (filters, the pilots they select); "@x" stands for an id from the cast: ``resolve``.
FILTER_CASES = [
    ({"stage": "running"}, {"a"}),
    ({"stage": "draft"}, {"b"}),
    ({"business_unit": "@a_unit"}, {"a", "c"}),
    ({"business_unit": "@elsewhere"}, {"b", "d"}),
    ({"sponsor": "@sponsor"}, {"a", "c"}),
    ({"sponsor": "@stranger"}, {"b", "d"}),
    ({"owner": "@owner"}, {"a", "d"}),
    ({"reason": "NO_OWNER"}, {"b"}),
    ({"reason": "NO_PRIMARY_METRIC"}, {"b", "d"}),
    ({"reason": "METRIC_BEHIND"}, {"a"}),
    ({"reason": "DECISION_OVERDUE"}, set()),
    ({"risk": "watch"}, {"a", "b"}),
    ({"risk": "on_track"}, {"c"}),
    ({"risk": "critical"}, set()),
    ({"sponsor": "@stranger", "risk": "at_risk"}, {"d"}),
    ({"business_unit": "@elsewhere", "reason": "NO_OWNER", "stage": "draft"}, {"b"}),
]


def resolve(p, params: dict[str, str]) -> dict[str, object]:
    ids = {
        "@a_unit": p.a.business_unit_id,
        "@elsewhere": p.elsewhere.pk,
        "@sponsor": p.a.sponsor_id,
        "@stranger": p.stranger.pk,
        "@owner": p.a.owner_id,
    }
    return {key: ids.get(value, value) for key, value in params.items()}


@pytest.mark.parametrize(("params", "names"), FILTER_CASES)
def test_each_filter_narrows_the_list_and_the_summary(client_as, portfolio, params, names):
    params = resolve(portfolio, params)
    expected = {getattr(portfolio, name).reference for name in names}
    assert set(refs(client_as("lead").get(LIST, params))) == expected
    assert client_as("lead").get(SUMMARY, params).json()["total"] == len(expected)


def test_filters_match_the_dashboards_filterset(client_as, portfolio, lead):
    """The page's ``DashboardFilter`` on the same scorecards selects the same pilots."""
    for raw, _ in FILTER_CASES:
        params = resolve(portfolio, raw)
        dashboard = DashboardFilter(params, queryset=dashboard_scorecards(lead))
        assert dashboard.is_valid(), dashboard.errors
        expected = [card.pilot.reference for card in dashboard.qs]
        assert refs(client_as("lead").get(LIST, params)) == expected, params


def test_a_filter_never_widens_what_a_user_sees(client_as, portfolio):
    assert refs(client_as("sponsor").get(LIST, {"sponsor": portfolio.stranger.pk})) == []
    assert client_as("owner").get(SUMMARY, {"owner": portfolio.a.owner_id}).json()["total"] == 2


INVALID = [
    ("stage=bogus", "stage"),
    ("business_unit=abc", "business_unit"),
    ("sponsor=abc", "sponsor"),
    ("sponsor=99999999999999999999999", "sponsor"),
    ("owner=1.5", "owner"),
    ("reason=NOPE", "reason"),
    ("reason=no_owner", "reason"),
    ("risk=2", "risk"),  # the slug, not the stored integer
    ("risk=bogus", "risk"),
    ("stage=", "stage"),
    ("stage=draft&stage=running", "stage"),
]


@pytest.mark.parametrize("path", [LIST, SUMMARY])
@pytest.mark.parametrize(("query", "field"), INVALID)
def test_invalid_filters_are_400_with_field_errors(client_as, portfolio, path, query, field):
    response = client_as("lead").get(f"{path}?{query}")
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], list(body["errors"])) == ("invalid", [field])


def test_an_id_that_names_nobody_on_a_pilot_matches_nothing(client_as, portfolio, outsider):
    for params in ({"sponsor": outsider.pk}, {"owner": 999_999}, {"business_unit": 999_999}):
        response = client_as("lead").get(LIST, params)
        assert (response.status_code, response.json()["results"]) == (200, [])


@pytest.mark.parametrize(
    ("query", "field"), [("sort=bogus", "sort"), ("page_size=0", "page_size"), ("page=x", "page")]
)
def test_invalid_list_parameters_are_400(client_as, portfolio, query, field):
    response = client_as("lead").get(f"{LIST}?{query}")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


# --- Summary and trend ------------------------------------------------------------------------


def no_trend() -> list[dict[str, object]]:
    weeks = [
        "2025-12-08",
        "2025-12-15",
        "2025-12-22",
        "2025-12-29",
        "2026-01-05",
        "2026-01-12",
        "2026-01-19",
        "2026-01-26",
        "2026-02-02",
        "2026-02-09",
        "2026-02-16",
        "2026-02-23",
    ]
    return [{"week": w, "on_track": 0, "watch": 0, "at_risk": 0, "critical": 0} for w in weeks]


def test_summary_figures_for_the_lead(client_as, portfolio):
    body = client_as("lead").get(SUMMARY).json()
    evidence = body.pop("evidence")
    assert body == {
        "total": 4,
        "per_stage": {
            "draft": 1,
            "proposed": 0,
            "approved": 0,
            "running": 1,
            "graduated": 1,
            "stopped": 1,
        },
        "per_risk": {"on_track": 1, "watch": 2, "at_risk": 1, "critical": 0},
        "graduation_rate": 0.5,  # d graduated, c stopped
        "accepted_owner_share": 0.5,  # a and d
        "primary_metric_share": 0.25,  # a
        "planned_early_share": 0.0,  # d's window opened with no task planned
        "trend": no_trend(),
    }
    # d (graduated) had its owner's acceptance before its start; c (stopped) had no owner.
    # One pilot a side is too few to compare: counts, no means.
    assert (evidence["decided"], evidence["minimum_per_side"]) == (2, 5)
    owner = evidence["practices"][0]
    assert owner == {
        "practice": "owner_accepted_at_start",
        "name": "Business owner accepted before the start",
        "followed_means": owner["followed_means"],
        "comparable": False,
        "followed": {
            "decided": 1,
            "graduation": {"measured": 1, "total": 1.0, "mean": None},
            "target_share": {"measured": 0, "total": 0.0, "mean": None},
            "value_per_month": {"measured": 0, "total": 0.0, "mean": None},
        },
        "not_followed": {
            "decided": 1,
            "graduation": {"measured": 1, "total": 0.0, "mean": None},
            "target_share": {"measured": 0, "total": 0.0, "mean": None},
            "value_per_month": {"measured": 0, "total": 0.0, "mean": None},
        },
        "not_known": 0,
    }
    assert [p["practice"] for p in evidence["practices"]] == [
        "owner_accepted_at_start",
        "infrastructure_yes_at_start",
        "handover_before_window",
        "segment_metric_defined",
    ]
    # Neither answered the checklist, planned a handover or defined a segment metric.
    assert [
        (p["followed"]["decided"], p["not_followed"]["decided"]) for p in evidence["practices"][1:]
    ] == [(0, 2)] * 3


def test_summary_evidence_compares_with_enough_pilots_a_side(client_as, portfolio, settings):
    settings.PILOTGATE_EVIDENCE_MIN_PILOTS = 1
    owner = client_as("lead").get(SUMMARY).json()["evidence"]["practices"][0]
    assert owner["comparable"] is True
    assert owner["followed"]["graduation"]["mean"] == 1.0
    assert owner["not_followed"]["graduation"]["mean"] == 0.0
    assert owner["followed"]["target_share"]["mean"] is None  # no reading on either side


def test_summary_figures_follow_visibility_and_filters(client_as, portfolio):
    sponsor = client_as("sponsor").get(SUMMARY).json()
    assert (sponsor["total"], sponsor["per_stage"]["running"], sponsor["per_stage"]["stopped"]) == (
        2,
        1,
        1,
    )
    assert (sponsor["graduation_rate"], sponsor["accepted_owner_share"]) == (0.0, 0.5)
    assert sponsor["planned_early_share"] is None  # no window has opened
    running = client_as("lead").get(SUMMARY, {"stage": "running"}).json()
    assert running["per_risk"] == {"on_track": 0, "watch": 1, "at_risk": 0, "critical": 0}
    assert (running["graduation_rate"], running["primary_metric_share"]) == (None, 1.0)


def test_summary_of_nothing_is_zeros_and_nulls(client_as, portfolio):
    body = client_as("outsider").get(SUMMARY).json()
    assert body["total"] == 0
    assert set(body["per_stage"].values()) == set(body["per_risk"].values()) == {0}
    assert [body[k] for k in ("graduation_rate", "accepted_owner_share")] == [None, None]
    assert [body[k] for k in ("primary_metric_share", "planned_early_share")] == [None, None]
    assert body["trend"] == no_trend()


@pytest.fixture
def history(portfolio):
    """Snapshots in the weeks of 16 and 23 Feb; a turned critical in between."""
    scorecards_snapshot(today=date(2026, 2, 18))
    Scorecard.objects.filter(pk=portfolio.a.pk).update(risk=RiskLevel.CRITICAL, overall=40)
    scorecards_snapshot(today=date(2026, 2, 25))
    return portfolio


def test_summary_trend_counts_each_weeks_snapshots(client_as, history):
    expected = no_trend()
    expected[-2].update(on_track=1, watch=2, at_risk=1)
    expected[-1].update(on_track=1, watch=1, at_risk=1, critical=1)
    assert client_as("lead").get(SUMMARY).json()["trend"] == expected


def test_summary_trend_follows_the_filters(client_as, history):
    expected = no_trend()
    expected[-2].update(on_track=1, watch=1)
    expected[-1].update(on_track=1, critical=1)
    assert (
        client_as("lead").get(SUMMARY, {"sponsor": history.a.sponsor_id}).json()["trend"]
        == expected
    )
    assert client_as("sponsor").get(SUMMARY).json()["trend"] == expected


# --- One pilot's scorecard --------------------------------------------------------------------


def test_pilot_scorecard_is_the_row_with_its_weekly_history(client_as, history):
    client = client_as("owner")
    body = client.get(scorecard_url(history.a)).json()
    row = next(r for r in client.get(LIST).json()["results"] if r["pilot"] == body["pilot"])
    assert {k: v for k, v in body.items() if k != "history"} == row
    assert (body["risk"], body["overall"]) == ("critical", 40)
    assert body["history"] == [
        {
            "week": "2026-02-16",
            "overall": 92,
            "risk": "watch",
            "scores": {"infrastructure": 100, "metric": 70, "ownership": 100, "handover": 100},
            "reason_codes": ["METRIC_BEHIND"],
        },
        {
            "week": "2026-02-23",
            "overall": 40,
            "risk": "critical",
            "scores": {"infrastructure": 100, "metric": 70, "ownership": 100, "handover": 100},
            "reason_codes": ["METRIC_BEHIND"],
        },
    ]


def test_pilot_scorecard_without_history_has_an_empty_history(client_as, portfolio):
    body = client_as("lead").get(scorecard_url(portfolio.d)).json()
    assert (body["pilot"]["reference"], body["risk"], body["history"]) == (
        portfolio.d.reference,
        "at_risk",
        [],
    )


def test_a_pilot_not_scored_yet_is_404_saying_so(client_as, portfolio, sponsor):
    fresh = factories.PilotFactory(sponsor=sponsor)
    response = client_as("sponsor").get(scorecard_url(fresh))
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found",
        "detail": f"{fresh.reference} has no scorecard yet: it is computed shortly after any "
        "change to the pilot, and nightly.",
    }
    assert fresh.reference not in refs(client_as("sponsor").get(LIST))


def test_an_unknown_pilot_has_no_scorecard(client_as, portfolio):
    response = client_as("lead").get(url("PIL-99999", "scorecard/"))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- Cost -------------------------------------------------------------------------------------


@pytest.fixture
def grow(portfolio, sponsor, owner):
    """``n`` more scored pilots of the sponsor, owned by the owner, with snapshots."""

    def add(n: int) -> None:
        for _ in range(n):
            pilot = factories.PilotFactory(
                sponsor=sponsor, owner=owner, owner_status=OwnershipStatus.PENDING
            )
            factories.MetricFactory(pilot=pilot)
        scorecards_recompute(today=TODAY)
        scorecards_snapshot(today=date(2026, 2, 18))
        scorecards_snapshot(today=TODAY)

    return add


def fresh_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(type(user).objects.get(pk=user.pk))  # nothing cached
    return client


# (role, query, queries): the user's groups, then count + page (list) or figures + trend
# (summary); filters add none (ids are checked as integers).
# The summary: its counts, then the evidence per practice (scorecards.evidence).
COSTS = [
    ("lead", {}, 3, 4),
    ("sponsor", {}, 3, 4),
    ("lead", {"sponsor": "SPONSOR", "reason": "OWNER_PENDING", "stage": "draft"}, 3, 4),
]


@pytest.mark.parametrize(("role", "query", "list_queries", "summary_queries"), COSTS)
@pytest.mark.parametrize("n", [1, 6])
def test_portfolio_query_count_is_constant(
    n, role, query, list_queries, summary_queries, grow, request, sponsor, django_assert_num_queries
):
    grow(n)
    user = request.getfixturevalue(role)
    params = {k: sponsor.pk if v == "SPONSOR" else v for k, v in query.items()}
    client = fresh_client(user)
    with django_assert_num_queries(list_queries):
        response = client.get(LIST, params)
    assert response.json()["count"] >= n
    client = fresh_client(user)
    with django_assert_num_queries(summary_queries):
        response = client.get(SUMMARY, params)
    assert response.json()["total"] >= n


@pytest.mark.parametrize("n", [1, 6])
def test_pilot_scorecard_query_count_is_constant(
    n, grow, portfolio, lead, django_assert_num_queries
):
    grow(n)
    client = fresh_client(lead)
    with django_assert_num_queries(4):  # groups, pilot, scorecard, history
        response = client.get(scorecard_url(portfolio.a))
    assert len(response.json()["history"]) == 2


# --- Contract ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


FILTERS = {"stage", "business_unit", "sponsor", "owner", "reason", "risk"}


def parameters(operation) -> dict[str, dict]:
    return {p["name"]: p["schema"] for p in operation.get("parameters", [])}


def test_the_schema_documents_the_portfolio_operations(schema):
    paths = schema["paths"]
    listing = paths["/api/v1/portfolio/"]["get"]
    summary = paths["/api/v1/portfolio/summary/"]["get"]
    scorecard = paths["/api/v1/pilots/{reference}/scorecard/"]["get"]
    assert set(parameters(listing)) == FILTERS | {"sort", "page", "page_size"}
    assert set(parameters(summary)) == FILTERS
    assert parameters(summary)["risk"]["enum"] == ["at_risk", "critical", "on_track", "watch"]
    assert set(listing["responses"]) == {"200", "400", "401", "403", "404", "414", "429", "503"}
    assert set(summary["responses"]) == {"200", "400", "401", "403", "414", "429", "503"}
    assert set(scorecard["responses"]) == {"200", "401", "403", "404", "414", "429", "503"}
    components = schema["components"]["schemas"]
    assert components["RiskEnum"]["enum"] == ["on_track", "watch", "at_risk", "critical"]
    assert set(components["ReasonCode"]["enum"]) == set(parameters(summary)["reason"]["enum"])
    assert set(components["Scorecard"]["properties"]) == {
        *components["PortfolioItem"]["properties"],
        "history",
    }
