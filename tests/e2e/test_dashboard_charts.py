"""The portfolio dashboard's charts in a real browser: drawn, and drawn from data."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from pilots.models import MetricReading
from scorecards.services import scorecards_recompute, scorecards_snapshot, week_of
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

HISTORY_WEEKS = 6


@pytest.fixture
def live_portfolio(live_running, sponsor, owner):
    """A running pilot with readings, a draft, and weekly snapshots for the past weeks."""
    today = timezone.localdate()
    metric = live_running.metrics.get()
    for n, value in enumerate(["12", "15", "19", "22", "27", "31"]):
        MetricReading.objects.create(
            metric=metric,
            observed_on=today - timedelta(days=7 * (6 - n)),
            value=Decimal(value),
            source="web",
            recorded_by=owner,
        )
    factories.PilotFactory(sponsor=sponsor, title="A draft without an owner")
    for n in range(HISTORY_WEEKS, 0, -1):
        day = week_of(today) - timedelta(weeks=n)
        scorecards_recompute(today=day)
        scorecards_snapshot(today=day)
    scorecards_recompute(today=today)
    scorecards_snapshot(today=today)
    return live_running


def numbers(value: str | None) -> list[float]:
    return [float(part) for part in (value or "").replace(",", " ").split()]


def test_dashboard_charts_are_drawn_with_data(live_server, sign_in, lead, live_portfolio):
    page: Page = sign_in(lead)
    page.goto(f"{live_server.url}/portfolio/")
    expect(page.get_by_role("heading", name="Portfolio", exact=True)).to_be_visible()

    # Risk level over time: a stacked bar for each week with snapshots, of real height.
    bars = page.locator("svg .risk-bar")
    assert bars.count() >= HISTORY_WEEKS + 1
    for index in range(bars.count()):
        bar = bars.nth(index)
        assert float(bar.get_attribute("height")) > 0
        box = bar.bounding_box()
        assert box is not None
        assert box["height"] > 0
        assert box["width"] > 0
    weeks_with_data = page.locator("svg .risk-week[data-total='2']")
    assert weeks_with_data.count() == HISTORY_WEEKS + 1
    expect(page.locator(".risk-chart figcaption")).to_contain_text("Critical")

    # The stage funnel: one bar per stage that has pilots, sized by its count.
    funnel = page.locator("svg .funnel-bar")
    stages = {
        funnel.nth(i).get_attribute("data-stage"): int(funnel.nth(i).get_attribute("data-count"))
        for i in range(funnel.count())
    }
    assert stages == {"draft": 1, "running": 1}
    for index in range(funnel.count()):
        box = funnel.nth(index).bounding_box()
        assert box is not None
        assert box["width"] > 0

    # The running pilot's sparkline: a line through its six readings.
    row = page.locator(f"tr[data-reference='{live_portfolio.reference}']")
    spark = row.locator("svg.sparkline")
    expect(spark).to_have_attribute("aria-label", "Primary metric, last 6 readings: 12 to 31")
    line = spark.locator("polyline")
    assert len(numbers(line.get_attribute("points"))) == 12  # 6 points, x and y each
    assert line.bounding_box()["width"] > 0

    # The data table behind the risk chart opens and carries the same numbers.
    page.get_by_text("Risk levels per week, as a table").click()
    table = page.locator(".chart-table table")
    expect(table).to_be_visible()
    assert table.locator("tbody tr").count() == 12
