"""The pilot page of a graduated pilot whose metric has fallen back: readable and accessible."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone
from playwright.sync_api import expect

from pilots.enums import Stage
from pilots.models import GateDecision, MetricReading, Pilot
from tests.e2e.test_accessibility import check


def test_a_degrading_pilots_page_says_so_and_passes_axe_at_390_px(
    live_server, sign_in, live_running, owner, lead
):
    today = timezone.localdate()
    graduated_on = today - timedelta(days=40)
    Pilot.objects.filter(pk=live_running.pk).update(
        stage=Stage.GRADUATED, operations_accepted_at=timezone.now()
    )
    GateDecision.objects.create(
        pilot=live_running,
        decided_by=lead,
        decided_at=timezone.make_aware(datetime.combine(graduated_on, time(16))),
        from_stage=Stage.RUNNING,
        to_stage=Stage.GRADUATED,
        rationale="In production.",
    )
    metric = live_running.metrics.get()
    for days, value in [(47, 40), (40, 40), (33, 40), (26, 34), (19, 34), (12, 34)]:
        MetricReading.objects.create(
            metric=metric,
            observed_on=today - timedelta(days=days),
            value=value,
            source="web",
            recorded_by=owner,
        )
    page = sign_in(owner)
    page.set_viewport_size({"width": 390, "height": 900})
    url = f"{live_server.url}/pilots/{live_running.reference}/"
    assert check(page, url) == []
    callout = page.locator("#degrading")
    expect(callout).to_contain_text("Degrading after graduation.")
    expect(callout).to_contain_text("has fallen back since")
    expect(page.locator(".chart-graduation")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
