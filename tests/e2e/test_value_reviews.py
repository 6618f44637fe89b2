"""The value review in the browser: a pilot graduated 95 days ago owes its 90-day review;
its business owner records it, the sponsor signs it off, a portfolio lead signs it off,
and the page shows it signed. The page passes axe in each state."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from pilots.models import Pilot, ValueReview
from pilots.services import gates, handover, ownership
from tests import factories
from tests.e2e.test_accessibility import blocking_violations

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def in_operation(live_running, owner, ops, lead) -> Pilot:
    """Graduated 95 days ago (its 90-day value review due 5 days ago), with a reading."""
    pilot = live_running
    factories.ReadingFactory(
        metric=pilot.metrics.get(), observed_on=timezone.localdate() - timedelta(days=2), value=31
    )
    task = factories.TaskFactory(pilot=pilot, assignee=owner)
    handover.task_complete(task=task, by=owner, evidence_url="https://wiki.example.com/runbook")
    handover.task_confirm(task=task, by=ops)
    ownership.operations_accept(pilot=pilot, by=ops)
    gates.pilot_graduate(
        pilot=pilot, by=lead, rationale="Live.", decided_at=timezone.now() - timedelta(days=95)
    )
    pilot.refresh_from_db()
    return pilot


def test_owner_records_sponsor_and_lead_sign_off(
    live_server, sign_in, in_operation, owner, sponsor, lead
):
    url = f"{live_server.url}/pilots/{in_operation.reference}/"

    # The owner records the review owed.
    page: Page = sign_in(owner)
    page.goto(url)
    section = page.locator("#operation")
    expect(section.get_by_role("heading", name="In operation")).to_be_visible()
    expect(section.get_by_text("90-day value review due.")).to_be_visible()
    assert blocking_violations(page) == []
    form = section.locator("form.value-review-form")
    form.get_by_role("group", name="Is the system still used?").get_by_label("Yes").check()
    form.get_by_role("group", name="Is it still worth its run cost?").get_by_label("Yes").check()
    form.get_by_label("Value realised").fill("A third of invoices are coded without a touch.")
    form.get_by_label("Sustain", exact=False).check()
    form.get_by_role("button", name="Record the value review").click()
    expect(page.get_by_text("value review of")).to_be_visible()
    expect(page.locator("#operation")).to_contain_text("waiting for sign-off")
    assert ValueReview.objects.get().metric_value == 31
    assert blocking_violations(page) == []

    # The sponsor signs it off.
    page = sign_in(sponsor)
    page.goto(url)
    signoff = page.locator("#operation form.signoff-form")
    expect(signoff).to_contain_text("Your sign-off as sponsor")
    assert blocking_violations(page) == []
    signoff.get_by_role("button", name="Sign off").click()
    expect(page.get_by_text("is signed off.")).to_be_visible()
    expect(page.locator("#operation")).to_contain_text("Sponsor: signed off")

    # A portfolio lead signs it off: the review is done.
    page = sign_in(lead)
    page.goto(url)
    signoff = page.locator("#operation form.signoff-form")
    expect(signoff).to_contain_text("Your sign-off as portfolio lead")
    signoff.get_by_role("button", name="Sign off").click()
    section = page.locator("#operation")
    expect(section).to_contain_text("Portfolio lead: signed off")
    expect(section.locator("table.value-schedule tbody tr").first).to_contain_text("signed off")
    expect(section.get_by_text("90-day value review due.")).to_have_count(0)
    assert blocking_violations(page) == []
