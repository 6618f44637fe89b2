"""The approved contract in a browser: the sponsor moves an approved target, a reason is
demanded, the change shows as drift, a portfolio lead acknowledges it and it is gone.
The drift section, the acknowledgement form and the promise pass the axe run."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from pilots.enums import MetricKind
from pilots.models import ContractChange, MetricReading
from pilots.services import gates, metrics, ownership
from tests.e2e.test_accessibility import blocking_violations, check

pytestmark = pytest.mark.django_db(transaction=True)

REASON = "Two aisles close for refurbishment; the lead agreed to measure the other four."


def test_sponsor_moves_the_target_with_a_reason_and_a_lead_acknowledges(
    live_server, sign_in, live_proposed, sponsor, owner, lead
):
    ownership.ownership_accept(pilot=live_proposed, by=owner)
    gates.pilot_approve(pilot=live_proposed, by=lead, rationale="Credible plan.")
    ref = live_proposed.reference
    metric = live_proposed.metrics.get(kind=MetricKind.PRIMARY)
    approved_target = format(metric.target.normalize(), "f")
    page = sign_in(sponsor)
    page.goto(f"{live_server.url}/pilots/{ref}/register/metric/")
    page.get_by_label("Target", exact=True).fill("45")
    page.get_by_role("button", name="Save changes").click()
    # Refused, at the reason field, naming the rule; nothing changed.
    reason = page.get_by_label("Reason for the change")
    expect(page.locator(".field.has-error")).to_contain_text(
        f"The approved contract of {ref} can change only with a written reason"
    )
    assert not ContractChange.objects.exists()
    reason.fill(REASON)
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".messages")).to_contain_text("saved")

    page.goto(f"{live_server.url}/pilots/{ref}/")
    drift = page.locator("#contract")
    expect(drift.get_by_role("heading", name="Changed since approval")).to_be_visible()
    expect(drift.locator("del")).to_have_text(approved_target)
    expect(drift.locator("ins")).to_have_text("45")
    expect(drift).to_contain_text(REASON)
    expect(drift.get_by_role("button", name="Acknowledge the changes")).to_have_count(0)

    page = sign_in(lead)
    page.goto(f"{live_server.url}/pilots/{ref}/history/")  # another page: a fresh load
    page.goto(f"{live_server.url}/pilots/{ref}/#contract")
    drift = page.locator("#contract")
    assert blocking_violations(page) == []
    drift.get_by_label("Note (optional)").fill("Agreed at the steering group.")
    drift.get_by_role("button", name="Acknowledge the changes").click()
    expect(page.locator(".messages")).to_contain_text(
        "Changes acknowledged: the contract as it stands is approved version 2."
    )
    # The drift and its reason are gone from the page; the history keeps both.
    expect(page.locator("#contract")).to_have_count(0)
    expect(page.locator("#history")).to_contain_text("Contract changes acknowledged")
    assert ContractChange.objects.get().acknowledged_by == lead


def test_drift_promise_and_reason_field_have_no_serious_violations(
    live_server, sign_in, live_running, sponsor, owner, lead
):
    metric = live_running.metrics.get(kind=MetricKind.PRIMARY)
    MetricReading.objects.create(
        metric=metric,
        observed_on=live_running.started_on,
        value=12,
        source="web",
        recorded_by=owner,
    )
    metrics.metric_update(metric=metric, by=sponsor, target=metric.target + 5, reason=REASON)
    ref, base = live_running.reference, live_server.url
    page = sign_in(lead)  # the drift, the acknowledgement form and the promise
    problems = check(page, f"{base}/pilots/{ref}/")
    expect(page.locator("#promise")).to_be_visible()
    page = sign_in(sponsor)  # the reason field, and the form re-rendered with its error
    problems += check(page, f"{base}/pilots/{ref}/register/metric/")
    page.get_by_label("Target", exact=True).fill("99")
    page.get_by_role("button", name="Save changes").click()
    problems += [f"re-rendered metric step: {p}" for p in blocking_violations(page)]
    for step in ("basics", "operations", "infrastructure", "plan", "owner"):
        problems += check(page, f"{base}/pilots/{ref}/register/{step}/")
    assert problems == []
