"""The pilot list's risk column and its CSV export (``scorecards.pilot_list``)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from pilots.enums import Stage
from scorecards.models import RiskLevel
from tests import factories
from tests.scorecards.dashboard_helpers import exported, pin, recompute, running_pilot

LIST = reverse("scorecards:list")
EXPORT = reverse("scorecards:list_export")


def risk_cells(response) -> list[str]:
    """The text of each row's risk cell, tags removed, in the order shown."""
    cells = re.findall(
        r'<td data-label="Risk" class="risk-cell">(.*?)</td>', response.content.decode(), re.S
    )
    return [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in cells]


REASON = {
    "code": "HANDOVER_UNPLANNED",
    "practice": "handover",
    "points": 30,
    "risk": 2,
    "sentence": "Handover window opens in 9 days and no knowledge-transfer task exists",
    "section": "handover",
}


def test_list_shows_each_pilots_risk_score_and_worst_reason(client, sponsor, owner):
    pilot = running_pilot(sponsor=sponsor, owner=owner, title="Claims triage")
    recompute()
    pin(pilot, risk=RiskLevel.AT_RISK, overall=41, reasons=[REASON, {**REASON, "sentence": "2nd"}])
    client.force_login(sponsor)
    response = client.get(LIST)
    assert risk_cells(response) == [
        "At risk 41 Handover window opens in 9 days and no knowledge-transfer task exists"
    ]
    page = response.content.decode()
    assert f'href="{reverse("scorecards:pilot", args=[pilot.reference])}"' in page
    # The reason links where it is fixed: the pilot page's handover plan.
    assert f'href="{reverse("pilots:detail", args=[pilot.reference])}#handover"' in page
    assert "2nd" not in page  # the worst reason only


def test_list_says_a_pilot_not_scored_yet(client, sponsor):
    factories.PilotFactory(sponsor=sponsor)
    client.force_login(sponsor)
    assert risk_cells(client.get(LIST)) == ["Not scored yet"]


def test_list_links_the_export_with_the_filters(client, sponsor, owner):
    running_pilot(sponsor=sponsor, owner=owner)
    client.force_login(sponsor)
    page = client.get(LIST, {"stage": "running", "page": "1"}).content.decode()
    assert f'href="{EXPORT}?stage=running" download' in page


def test_export_has_the_filtered_pilots_with_their_risk(client, lead, sponsor, owner):
    kept = running_pilot(sponsor=sponsor, owner=owner, title="Claims triage")
    running_pilot(sponsor=sponsor, owner=owner, title="Churn predictor")
    factories.PilotFactory(sponsor=sponsor, title="Claims draft")  # not scored, not running
    recompute()
    pin(kept, risk=RiskLevel.CRITICAL, overall=12, reasons=[REASON])
    client.force_login(lead)
    response = client.get(EXPORT, {"q": "claims", "stage": Stage.RUNNING})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'attachment; filename="pilotgate-pilots-' in response["Content-Disposition"]
    rows = exported(response)
    assert rows[0][:2] == ["reference", "title"]
    assert [row[:3] for row in rows[1:]] == [[kept.reference, "Claims triage", "Running"]]
    assert rows[1][-3:] == ["Critical", "12", REASON["sentence"]]


def test_export_neutralises_formulas_through_the_portfolios_cell(client, lead, sponsor, owner):
    running_pilot(sponsor=sponsor, owner=owner, title='=HYPERLINK("http://evil")')
    client.force_login(lead)
    rows = exported(client.get(EXPORT))
    assert rows[1][1] == '\'=HYPERLINK("http://evil")'
    assert rows[1][-3:] == ["Not scored yet", "", ""]


def test_export_shows_only_visible_pilots(client, member, sponsor, owner):
    running_pilot(sponsor=sponsor, owner=owner, title="Hidden")
    client.force_login(member)
    assert exported(client.get(EXPORT)) == [exported(client.get(EXPORT))[0]]


def test_export_refuses_invalid_filters(client, lead):
    client.force_login(lead)
    response = client.get(EXPORT, {"stage": "nonsense"})
    assert response.status_code == 400
    assert response.content.decode().startswith("Nothing exported: the filters are not valid")


@pytest.mark.parametrize("n", [1, 12])
def test_list_with_risk_query_count_does_not_grow(
    client, sponsor, owner, n, django_assert_num_queries
):
    for _ in range(n):
        running_pilot(sponsor=sponsor, owner=owner)
    recompute()
    client.force_login(sponsor)
    # session, user, the page count, the page's pilots (with people, unit and scorecard),
    # the filter form's business units, the user's groups and unread reminders (navigation)
    # + the header's saved views (scorecards.navigation)
    with django_assert_num_queries(8):
        response = client.get(LIST)
    assert len(risk_cells(response)) == n


@pytest.mark.parametrize("n", [1, 12])
def test_export_query_count_does_not_grow(
    client, lead, sponsor, owner, n, django_assert_num_queries
):
    for _ in range(n):
        running_pilot(sponsor=sponsor, owner=owner)
    recompute()
    client.force_login(lead)
    # session, user, the user's groups (a lead sees every pilot), the pilots with all a row shows
    with django_assert_num_queries(4):
        response = client.get(EXPORT)
    assert len(exported(response)) == n + 1
