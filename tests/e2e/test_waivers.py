"""The infrastructure waiver, end to end in headless Chromium: the sponsor answers "No" with
a waiver and submits, the lead approves the pilot (and with it the waiver), the waiver
later expires and the pilot page says so in words. Its pages pass the axe run."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from pilots.enums import InfrastructureItem, Stage
from pilots.models import InfrastructureAnswer
from pilots.services import ownership
from tests.e2e.test_accessibility import check

pytestmark = pytest.mark.django_db(transaction=True)

MONITORING = InfrastructureItem.MONITORING


def test_a_waiver_from_the_step_to_its_expiry(
    live_server, sign_in, live_draft, owner, lead, sponsor
):
    today = timezone.localdate()
    expires = today + timedelta(days=30)
    ownership.ownership_accept(pilot=live_draft, by=owner)
    ref = live_draft.reference

    page = sign_in(sponsor)
    page.goto(f"{live_server.url}/pilots/{ref}/register/infrastructure/")
    group = page.get_by_role("group", name=MONITORING.label)
    group.get_by_label("No", exact=True).check()
    group.get_by_label("Evidence link").fill("")
    group.get_by_text("Not in place yet: planned date and waiver").click()  # opens the fields
    # Half a waiver is refused on the step, naming what is missing; nothing is saved.
    group.get_by_label("Waiver: reason").fill("The team watches the pilot's dashboard daily.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("group", name=MONITORING.label)).to_contain_text(
        "A waiver needs an expiry date too."
    )
    group = page.get_by_role("group", name=MONITORING.label)
    group.get_by_label("Waiver: expires on").fill(f"{expires:%Y-%m-%d}")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".message")).to_contain_text("Checklist saved.")

    page.goto(f"{live_server.url}/pilots/{ref}/register/review/")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".page-head .badge")).to_have_text("Proposed")

    page = sign_in(lead)
    page.goto(f"{live_server.url}/pilots/{ref}/")
    decision = page.get_by_role("region", name="Gate decision", exact=True)
    expect(decision).to_contain_text("Approving also approves 1 infrastructure waiver:")
    expect(decision).to_contain_text(MONITORING.label)
    assert check(page, f"{live_server.url}/pilots/{ref}/") == []
    page.get_by_label("Rationale").fill("Credible; the dashboard covers monitoring for a month.")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".message")).to_contain_text(f"{ref} approved.")
    section = page.get_by_role("region", name="Production infrastructure")
    expect(section).to_contain_text(f"Expires on {expires:%-d %b %Y}.")
    expect(section).to_contain_text(f"Approved by {lead.get_full_name() or lead.username}")
    answer = InfrastructureAnswer.objects.get(pilot=live_draft, item=MONITORING)
    assert answer.waiver_approved_by == lead
    live_draft.refresh_from_db()
    assert live_draft.stage == Stage.APPROVED

    # Time passes: the waiver's last day was yesterday and monitoring is still "No".
    InfrastructureAnswer.objects.filter(pk=answer.pk).update(
        waiver_expires_on=today - timedelta(days=1)
    )
    page = sign_in(sponsor)
    page.goto(f"{live_server.url}/pilots/{ref}/history/")
    page.goto(f"{live_server.url}/pilots/{ref}/")
    expired = page.locator("#infrastructure .waiver-expired")
    expect(expired).to_have_text(f"Waiver expired on {today - timedelta(days=1):%-d %b %Y}")
    # Red, and in words: the colour is not the only sign.
    assert expired.evaluate("e => getComputedStyle(e).color") != expect_plain_colour(page)
    assert check(page, f"{live_server.url}/pilots/{ref}/register/infrastructure/") == []


def expect_plain_colour(page: Page) -> str:
    return page.locator("#infrastructure h2").evaluate("e => getComputedStyle(e).color")


def test_a_renewal_awaits_the_lead_who_approves_it_from_the_pilot_page(
    live_server, sign_in, live_running, lead, sponsor
):
    today = timezone.localdate()
    # As a renewal leaves it: the sponsor asked for a new date, no lead has approved it yet.
    InfrastructureAnswer.objects.filter(pilot=live_running, item=MONITORING).update(
        answer="no",
        evidence_url="",
        waiver_reason="Until the platform team onboards us.",
        waiver_expires_on=today + timedelta(days=20),
        waiver_requested_at=timezone.now(),
    )
    ref = live_running.reference

    page = sign_in(lead)
    page.goto(f"{live_server.url}/pilots/{ref}/")
    section = page.get_by_role("region", name="Production infrastructure")
    expect(section).to_contain_text("Awaiting a lead\N{RIGHT SINGLE QUOTATION MARK}s approval.")
    assert check(page, f"{live_server.url}/pilots/{ref}/") == []
    section.get_by_role("button", name="Approve the waiver").click()
    expect(page.locator(".message")).to_contain_text(f"Waiver approved: {MONITORING.label}.")
    expect(page.get_by_role("region", name="Production infrastructure")).to_contain_text(
        "Approved by"
    )
