"""The owner checks in from the pilot page; the page shows it and its divergence from the metric."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from pilots.models import CheckIn, MetricReading
from scorecards.services import scorecards_recompute
from tests.e2e.test_accessibility import blocking_violations

pytestmark = pytest.mark.django_db(transaction=True)


def test_owner_checks_in_and_the_page_shows_the_divergence(
    live_server, sign_in, live_running, owner
):
    # Started today: the line from 10 to 40 starts at 10, and 5 is behind it.
    MetricReading.objects.create(
        metric=live_running.metrics.get(),
        observed_on=timezone.localdate(),
        value=Decimal(5),
        source="web",
        recorded_by=owner,
    )
    page = sign_in(owner)
    page.goto(f"{live_server.url}/pilots/{live_running.reference}/#checkins")
    section = page.locator("#checkins")
    expect(section.get_by_text("No check-in yet.")).to_be_visible()
    expect(section).to_contain_text("Next check-in due")
    assert blocking_violations(page) == []

    # Bad input (the browser's own checks set aside) comes back with its messages.
    page.evaluate(
        "document.querySelectorAll('#checkins [required]').forEach(e => e.required = false)"
    )
    section.get_by_role("button", name="Record check-in").click()
    section = page.locator("#checkins")
    expect(section.get_by_text("Choose on track, at risk or off track.")).to_be_visible()
    expect(section.get_by_text("Write a few words on where the pilot stands.")).to_be_visible()
    assert blocking_violations(page) == []
    assert CheckIn.objects.count() == 0

    section.get_by_label("On track").check()
    section.get_by_label("Where it stands").fill("Invoices flow; the team is confident.")
    section.get_by_label("Blockers (optional)").fill("The supplier feed is a day late.")
    section.get_by_role("button", name="Record check-in").click()

    expect(page.locator(".messages")).to_contain_text("Check-in recorded: on track.")
    section = page.locator("#checkins")
    expect(section.locator(".checkin").first).to_contain_text(
        "Invoices flow; the team is confident."
    )
    expect(section.locator(".checkin").first).to_contain_text("The supplier feed is a day late.")
    divergence = section.locator("#checkin-divergence")
    expect(divergence).to_contain_text("The owner's confidence diverges from the metric.")
    expect(divergence).to_contain_text("is behind its trajectory")
    assert blocking_violations(page) == []

    scorecards_recompute()
    page.goto(f"{live_server.url}/pilots/{live_running.reference}/scorecard/")
    expect(page.locator("body")).to_contain_text("The owner says on track on")
    page.goto(f"{live_server.url}/pilots/{live_running.reference}/history/")
    expect(page.locator("body")).to_contain_text("Owner checked in")
