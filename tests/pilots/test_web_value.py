"""Value in money on the pages: the pilot page's Value block and the portfolio's value in
production, with their query counts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from pilots.enums import MetricKind, ReadingSource, Stage
from pilots.models import Metric, MetricReading, OperatingPlan, Pilot
from pilots.selectors.value import committed_in
from pilots.services import gates, ownership
from scorecards.services import scorecards_recompute
from tests import factories


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False)


@pytest.fixture
def priced(draft, sponsor, owner, lead) -> Pilot:
    """Running, its primary metric (cases a day, 10 → 40) priced at 25 before approval."""
    Metric.objects.filter(pilot=draft, kind=MetricKind.PRIMARY).update(value_per_unit=Decimal(25))
    gates.pilot_submit(pilot=draft, by=sponsor)
    ownership.ownership_accept(pilot=draft, by=owner)
    gates.pilot_approve(pilot=draft, by=lead, rationale="Credible.")
    draft.refresh_from_db()
    gates.pilot_start(pilot=draft, by=sponsor, today=draft.planned_start)
    return draft


def read(pilot: Pilot, value: str, day: date = date(2026, 2, 1)) -> None:
    MetricReading.objects.create(
        metric=pilot.metrics.get(kind=MetricKind.PRIMARY),
        observed_on=day,
        value=Decimal(value),
        recorded_by=pilot.owner,
        source=ReadingSource.WEB,
    )


def value_block(client, pilot: Pilot) -> str:
    page = client.get(reverse("pilots:detail", args=[pilot.reference])).content.decode()
    return page[page.index('id="value"') : page.index('id="checkins"')]


def test_the_page_shows_realised_value_against_run_cost_and_commitment(client, priced, owner):
    read(priced, "12", date(2026, 1, 20))
    read(priced, "22")  # the latest: 12 cases a day better, at 25 a case
    client.force_login(owner)
    block = value_block(client, priced)
    assert "300.00 GBP" in block  # realised
    assert "1,000.00 GBP" in block  # run cost
    assert "-700.00 GBP" in block
    assert "costs more than it returns" in block
    assert "750.00 GBP a month" in block  # committed: (40 - 10) x 25
    assert "450.00 GBP short" in block


def test_a_worse_level_shows_a_negative_value(client, priced, owner):
    read(priced, "8")
    client.force_login(owner)
    assert "-50.00 GBP" in value_block(client, priced)


def test_without_a_value_per_unit_nothing_is_priced(client, running, owner):
    read(running, "22")
    client.force_login(owner)
    block = value_block(client, running)
    assert "Not set" in block
    assert "No value per unit in the approved contract" in block


def test_without_readings_no_value_is_realised(client, priced, owner):
    client.force_login(owner)
    block = value_block(client, priced)
    assert "No reading yet" in block
    assert "750.00 GBP a month" in block


def test_the_commitment_is_read_from_the_approval_snapshot(priced, sponsor):
    # Priced differently after approval (with a reason): the commitment stays as approved.
    from pilots.services import metrics

    primary = priced.metrics.get(kind=MetricKind.PRIMARY)
    metrics.metric_update(
        metric=primary, by=sponsor, value_per_unit=Decimal(40), reason="New hourly rate."
    )
    snapshot = priced.contract_snapshots.order_by("version").first()
    assert committed_in(snapshot.data) == Decimal("750.00")


def test_only_the_primary_metric_is_priced(draft):
    from django.core.exceptions import ValidationError

    metric = factories.MetricFactory.build(pilot=draft, kind=MetricKind.BUSINESS, value_per_unit=5)
    with pytest.raises(ValidationError) as refused:
        metric.full_clean()
    assert "Only the primary metric has a value per unit" in str(refused.value)


# --- The portfolio --------------------------------------------------------------------------


def graduate(pilot: Pilot, *, reading: str, run_cost: str | None) -> None:
    Pilot.objects.filter(pk=pilot.pk).update(
        stage=Stage.GRADUATED,
        started_on=date(2026, 1, 5),
        operations_accepted_at=datetime(2026, 2, 1, tzinfo=UTC),
    )
    OperatingPlan.objects.filter(pilot=pilot).update(
        run_cost_per_month=None if run_cost is None else Decimal(run_cost)
    )
    read(pilot, reading)


def graduated_portfolio(n: int, *, sponsor, owner) -> list[Pilot]:
    pilots = []
    for _ in range(n):
        pilot = factories.PilotFactory(sponsor=sponsor)
        factories.complete_registration(pilot, owner=owner)
        Metric.objects.filter(pilot=pilot).update(value_per_unit=Decimal(10))
        graduate(pilot, reading="30", run_cost="150")  # (30 - 10) x 10 = 200 a month
        pilots.append(pilot)
    scorecards_recompute(today=date(2026, 3, 1))
    return pilots


def test_the_portfolio_totals_the_value_of_graduated_pilots(client, lead, sponsor, owner):
    first, second, unpriced = graduated_portfolio(3, sponsor=sponsor, owner=owner)
    OperatingPlan.objects.filter(pilot=unpriced).update(run_cost_per_month=None)
    client.force_login(lead)
    page = client.get(reverse("scorecards:dashboard")).content.decode()
    section = page[page.index('id="value"') :]
    assert 'id="value-total-realised">400.00 GBP' in section
    assert 'id="value-total-run-cost">300.00 GBP' in section
    assert 'id="value-total-net">100.00 GBP' in section
    assert "1 pilot without a value per unit, a reading or a run cost left out" in section
    for pilot in (first, second, unpriced):
        assert pilot.reference in section


def test_the_portfolio_leaves_the_value_out_without_graduated_pilots(client, lead, running):
    scorecards_recompute(today=date(2026, 3, 1))
    client.force_login(lead)
    page = client.get(reverse("scorecards:dashboard")).content.decode()
    assert "Value in production" not in page


@pytest.mark.parametrize("n", [1, 4])
def test_the_portfolio_value_costs_one_query(
    client, lead, sponsor, owner, n, django_assert_num_queries
):
    graduated_portfolio(n, sponsor=sponsor, owner=owner)
    client.force_login(lead)
    # session, user, groups, people choices, business units, summary, page rows,
    # risk trend, the graduated pilots' value, the user's saved views, unread reminders.
    with django_assert_num_queries(11):
        response = client.get(reverse("scorecards:dashboard"))
    assert response.content.decode().count("pays back") == n
