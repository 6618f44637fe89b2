"""The checkpoint in the browser: a lead in a pilot's handover window tries "continue"
without a handover plan (refused, the reason shown), extends with a reason, and in the
new window continues. The page passes axe in each state."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from pilots.enums import CheckpointChoice
from pilots.models import CheckpointDecision, Pilot
from pilots.services import gates, ownership
from tests import factories
from tests.e2e.test_accessibility import blocking_violations

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def in_window(sponsor, owner, member, ops, lead) -> Pilot:
    """Running since 90 days ago, ending in 30: its window opened 10 days ago, undecided."""
    today = timezone.localdate()
    pilot = factories.PilotFactory(
        sponsor=sponsor,
        operations_owner=ops,
        planned_start=today - timedelta(days=90),
        planned_end=today + timedelta(days=30),
        title="Claims fraud triage",
    )
    factories.complete_registration(pilot, owner=owner)
    factories.add_member(pilot, member)
    gates.pilot_submit(pilot=pilot, by=sponsor)
    ownership.ownership_accept(pilot=pilot, by=owner)
    gates.pilot_approve(pilot=pilot, by=lead, rationale="Credible plan.")
    gates.pilot_start(pilot=pilot, by=sponsor, today=pilot.planned_start)
    pilot.refresh_from_db()
    return pilot


def test_lead_walks_the_checkpoint(live_server, sign_in, in_window, lead, owner, member, ops):
    page: Page = sign_in(lead)
    page.goto(f"{live_server.url}/pilots/{in_window.reference}/")
    section = page.locator("#checkpoint")
    expect(section.get_by_role("heading", name="Checkpoint")).to_be_visible()
    expect(section.get_by_text("Checkpoint overdue.")).to_be_visible()
    assert blocking_violations(page) == []

    # Continue without a handover plan: refused, with the reason.
    section.get_by_label("Continue to handover", exact=False).check()
    section.get_by_label("Reason", exact=True).fill("The team says it is ready.")
    section.get_by_role("button", name="Record the checkpoint decision").click()
    alert = page.locator("#checkpoint [role=alert]")
    expect(alert).to_contain_text("Cannot record this checkpoint decision.")
    expect(alert).to_contain_text("The handover plan has no knowledge-transfer task")
    expect(alert).to_contain_text("The operations owner has not accepted the system yet")
    assert not CheckpointDecision.objects.exists()
    assert blocking_violations(page) == []

    # Extend, with the reason: the new window opens in 10 days.
    new_end = timezone.localdate() + timedelta(days=60)
    section = page.locator("#checkpoint")
    section.get_by_label("Extend", exact=False).check()
    section.get_by_label("Reason", exact=True).fill(
        "Operations takes it over after the peak season."
    )
    section.get_by_label("New planned end").fill(f"{new_end:%Y-%m-%d}")
    section.get_by_role("button", name="Record the checkpoint decision").click()
    expect(page.get_by_text("recorded: extend the pilot.")).to_be_visible()
    section = page.locator("#checkpoint")
    expect(section).to_contain_text("The checkpoint may be decided now, a few days early")
    expect(section).to_contain_text("Planned end moved from")
    in_window.refresh_from_db()
    assert in_window.planned_end == new_end

    # The owner plans the handover and operations accepts; in the new window, continue.
    factories.TaskFactory(pilot=in_window, assignee=member)
    ownership.operations_accept(pilot=in_window, by=ops)
    page.reload()
    section = page.locator("#checkpoint")
    expect(section).to_contain_text("The handover plan exists and operations has accepted")
    section.get_by_label("Continue to handover", exact=False).check()
    section.get_by_label("Reason", exact=True).fill("Plan in place and operations has accepted.")
    section.get_by_role("button", name="Record the checkpoint decision").click()
    expect(page.get_by_text("recorded: continue to handover.")).to_be_visible()
    assert list(
        CheckpointDecision.objects.order_by("decided_at", "pk").values_list("decision", flat=True)
    ) == [CheckpointChoice.EXTEND, CheckpointChoice.CONTINUE]
    expect(page.locator("#checkpoint")).to_contain_text("Decided for the window that opened")
    assert blocking_violations(page) == []


def test_the_sponsor_reads_who_decides(live_server, sign_in, in_window, sponsor):
    page: Page = sign_in(sponsor)
    page.goto(f"{live_server.url}/pilots/{in_window.reference}/")
    section = page.locator("#checkpoint")
    expect(section).to_contain_text("must take its checkpoint decision")
    expect(section.get_by_role("button", name="Record the checkpoint decision")).to_have_count(0)
