"""An orphaned pilot on the dashboard, and its succession in the browser, end to end."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from pilots.models import Pilot
from scorecards.services import scorecards_recompute
from tests import factories
from tests.e2e.test_accessibility import blocking_violations

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_sponsor_names_a_successor_who_accepts_and_the_pilot_is_kept_again(
    live_server, sign_in, live_running: Pilot, sponsor, lead, owner
):
    base = live_server.url
    owner.first_name, owner.last_name, owner.is_active = "Jane", "Doe", False
    owner.save()
    # A name no random factory name contains, so the picker offers exactly one person.
    sam = factories.UserFactory(username="sam", first_name="Samwise", last_name="Gamgee")
    scorecards_recompute()

    # The portfolio lead sees it on the dashboard, filtered by the reason, with who and why.
    page = sign_in(lead)
    page.goto(base + "/portfolio/?reason=ORPHANED")
    row = page.locator("main").get_by_text(live_running.title).first
    expect(row).to_be_visible()
    expect(page.locator("main")).to_contain_text("Business owner Jane Doe's account is deactivated")
    assert blocking_violations(page) == []

    # The sponsor names a successor from the pilot page, with the people picker and a reason.
    page = sign_in(sponsor)
    page.goto(base + reverse("pilots:detail", args=[live_running.reference]))
    page.get_by_role("link", name="Name a successor").click()
    assert blocking_violations(page) == []
    page.get_by_label("Role to hand on").select_option(
        label="Business owner: Jane Doe (deactivated)"
    )
    box = page.get_by_label("Successor")
    box.press_sequentially("Gamgee", delay=50)
    options = page.locator(f"datalist#{box.get_attribute('list')} option")
    expect(options).to_have_count(1)
    box.fill("Samwise Gamgee (sam)")
    # No reason: the page says so and nothing is named.
    page.get_by_role("button", name="Name the successor").click()
    expect(page.locator(".errorlist").first).to_contain_text("Say why the role changes hands.")
    page.get_by_label("Reason").fill("Jane left the company.")
    page.get_by_role("button", name="Name the successor").click()
    expect(page.locator(".message").first).to_contain_text("Samwise Gamgee is named")

    # The successor signs in, reads the role and accepts it.
    page = sign_in(sam)
    page.goto(base + reverse("pilots:successions"))
    expect(page.locator("main")).to_contain_text("Jane left the company.")
    assert blocking_violations(page) == []
    page.get_by_role("button", name="Accept the role").click()
    expect(page.locator(".message").first).to_contain_text(
        f"You are now the business owner of {live_running.reference}"
    )
    live_running.refresh_from_db()
    assert live_running.owner == sam

    # Kept again: no longer on the dashboard's orphaned filter.
    scorecards_recompute()
    page = sign_in(lead)
    page.goto(base + "/portfolio/?reason=ORPHANED")
    expect(page.locator("main").get_by_text(live_running.title)).to_have_count(0)
