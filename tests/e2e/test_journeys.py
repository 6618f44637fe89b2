"""The three main journeys, end to end in headless Chromium against the live server."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from pilots.enums import InfrastructureItem, OwnershipStatus, Stage, TaskStatus
from pilots.models import KnowledgeTransferTask, MetricReading, Pilot
from tests.e2e.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def _save_and_continue(page: Page) -> None:
    page.get_by_role("button", name="Save and continue").click()


def test_sponsor_registers_and_submits_a_pilot(live_server, page: Page, sponsor, owner, ops):
    today = timezone.localdate()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(sponsor.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="What needs you now")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Register a pilot").click()
    page.get_by_label("Title").fill("Claims triage for home insurance")
    page.get_by_label("Planned start").fill(f"{today + timedelta(days=7):%Y-%m-%d}")
    page.get_by_label("Planned end").fill(f"{today + timedelta(days=97):%Y-%m-%d}")
    _save_and_continue(page)
    expect(page.locator(".message")).to_contain_text("created.")
    pilot = Pilot.objects.get(title="Claims triage for home insurance")
    assert pilot.stage == Stage.DRAFT

    # The review step lists every missing item before anything else is filled in.
    page.get_by_role("link", name="Review and submit").click()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_role("alert")).to_contain_text("Not submitted")
    expect(page.get_by_role("link", name="Define the primary business metric.")).to_be_visible()
    page.get_by_role("link", name="Define the primary business metric.").click()

    page.get_by_label("Name").fill("Claims triaged within a day")
    page.get_by_label("Unit", exact=True).fill("%")
    page.get_by_label("Direction").select_option("increase")
    page.get_by_label("Baseline", exact=True).fill("40")
    page.get_by_label("Baseline measured on").fill(f"{today - timedelta(days=3):%Y-%m-%d}")
    page.get_by_label("Baseline method").fill("4-week average of the claims ledger")
    page.get_by_label("Baseline source").fill("Claims DB")
    page.get_by_label("Target", exact=True).fill("75")
    page.get_by_label("Target date").fill(f"{today + timedelta(days=90):%Y-%m-%d}")
    _save_and_continue(page)

    page.get_by_label("Business owner", exact=True).fill(owner.username)
    _save_and_continue(page)
    expect(page.locator(".messages")).to_contain_text("nominated as business owner")

    page.get_by_label("Operations owner").fill(ops.username)
    page.get_by_label("Receiving team").fill("Claims service desk")
    _save_and_continue(page)

    for item in InfrastructureItem:
        group = page.get_by_role("group", name=item.label)
        group.get_by_label("Yes, from sprint one").check()
        group.get_by_label("Evidence link").fill(f"https://ci.example.com/{item.value}")
    _save_and_continue(page)

    page.get_by_label("Run cost per month").fill("2500")
    page.get_by_label("Support model").fill("Service desk in business hours")
    page.get_by_label("Monitoring plan").fill("Drift and error dashboards")
    page.get_by_label("Incident process").fill("P2 tickets to the claims platform team")
    page.get_by_label("Model maintenance").fill("Quarterly retraining")
    page.get_by_label("Budget holder").fill(ops.username)
    _save_and_continue(page)

    # A rate ("%") needs a critical-segment metric: the review names it, its link leads
    # to the metric step, which offers one.
    expect(page.get_by_text("1 item missing")).to_be_visible()
    page.get_by_role("link", name=re.compile("Define at least one critical-segment metric")).click()
    expect(page.locator("#segment-needed")).to_be_visible()
    page.get_by_role("link", name="Add a critical-segment metric").click()
    expect(page.get_by_label("Kind")).to_have_value("critical_segment")
    page.get_by_label("Name").fill("Injury claims triaged within a day")
    page.get_by_label("Unit", exact=True).fill("%")
    page.get_by_label("Direction").select_option("increase")
    page.get_by_label("Baseline", exact=True).fill("30")
    page.get_by_label("Target", exact=True).fill("70")
    page.get_by_label("Target date").fill(f"{today + timedelta(days=90):%Y-%m-%d}")
    page.get_by_label("Baseline measured on").fill(f"{today - timedelta(days=3):%Y-%m-%d}")
    page.get_by_label("Baseline method").fill("4-week share of injury claims")
    page.get_by_label("Baseline source").fill("Claims DB")
    page.get_by_role("button", name="Save metric").click()
    expect(page.locator(".message")).to_contain_text("Injury claims triaged within a day")
    expect(page.locator("#segment-needed")).to_have_count(0)
    page.get_by_role("link", name="Review and submit").click()

    expect(page.get_by_text("items missing")).to_have_count(0)
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".message")).to_contain_text("submitted for review")
    expect(page.locator(".page-head .badge")).to_have_text("Proposed")
    pilot.refresh_from_db()
    assert pilot.stage == Stage.PROPOSED
    assert pilot.owner == owner
    assert pilot.owner_status == OwnershipStatus.PENDING


def test_nominee_accepts_and_lead_approves(live_server, sign_in, live_proposed, owner, lead):
    page = sign_in(owner)
    page.goto(live_server.url)
    nominations = page.get_by_role("region", name="Ownership to accept")
    nominations.get_by_role("link", name=live_proposed.title, exact=False).click()
    page.get_by_role("button", name="Accept ownership").click()
    expect(page.locator(".message")).to_contain_text("You are now the business owner")
    live_proposed.refresh_from_db()
    assert live_proposed.owner_status == OwnershipStatus.ACCEPTED

    page = sign_in(lead)
    page.goto(live_server.url)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Review queue").click()
    page.get_by_role("link", name=live_proposed.title).click()
    # Approving without a rationale is refused with the service's reason.
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("alert")).to_contain_text("Write the rationale for approving.")
    page.get_by_label("Rationale").fill("Owner accepted; metric and operations plan are credible.")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator(".message")).to_contain_text(f"{live_proposed.reference} approved.")
    expect(page.locator(".page-head .badge")).to_have_text("Approved")
    live_proposed.refresh_from_db()
    assert live_proposed.stage == Stage.APPROVED


def _record(card: Locator, on: date, value: str) -> None:
    """Fill and send a metric card's "Record a reading" form."""
    card.get_by_label("Date").fill(f"{on:%Y-%m-%d}")
    card.get_by_label("Value").fill(value)
    card.get_by_role("button", name="Save reading").click()


def test_owner_records_readings_and_completes_handover_tasks_the_receiver_confirms(
    live_server, sign_in, live_running, owner, member, ops
):
    today = timezone.localdate()
    page = sign_in(owner)
    page.goto(f"{live_server.url}/pilots/{live_running.reference}/")
    page.evaluate("window.notReloaded = true")

    metric = live_running.metrics.get()
    card = page.locator(f"#metric-{metric.pk}")
    _record(card, today - timedelta(days=1), "14.5")
    expect(card).to_contain_text("Reading of 14.5 on")
    _record(card, today, "16")
    expect(page.locator(f"#metric-{metric.pk} tbody tr")).to_have_count(2)
    expect(page.locator("#primary-chart .chart-point")).to_have_count(2)
    assert page.evaluate("window.notReloaded") is True  # htmx swapped the card in place
    assert sorted(MetricReading.objects.values_list("value", flat=True)) == [14.5, 16]

    # A bad reading is refused in place, nothing written.
    _record(card, today + timedelta(days=3), "99")
    expect(card).to_contain_text("A reading cannot be dated in the future.")
    assert MetricReading.objects.count() == 2

    for title in ("Runbook walkthrough", "Shadow the on-call rota"):
        page.get_by_role("link", name="Add a task").click()
        page.get_by_label("Title").fill(title)
        page.get_by_label("Kind").select_option("runbook")
        page.get_by_label("Assignee (gives the knowledge)").fill(member.username)
        # The receiver starts as the pilot's operations owner.
        expect(page.get_by_label("Receiver (person)")).to_have_value(
            f"{ops.get_full_name()} ({ops.username})"
        )
        page.get_by_label("Receiving team").fill("Claims service desk")
        page.get_by_label("Due on").fill(f"{today + timedelta(days=20):%Y-%m-%d}")
        page.get_by_role("button", name="Save task").click()
        expect(page.locator(".message")).to_contain_text(f"Task “{title}” saved.")

    page.get_by_role("button", name="Move Shadow the on-call rota up").click()
    expect(page.locator("#handover tbody tr").first).to_contain_text("Shadow the on-call rota")

    for title in ("Shadow the on-call rota", "Runbook walkthrough"):
        page.get_by_role("link", name=f"Complete {title}").click()
        page.get_by_role("button", name="Mark as done").click()
        expect(page.locator(".errorlist")).to_contain_text("Link the evidence")
        page.get_by_label("Evidence link").fill("https://wiki.example.com/runbook")
        page.get_by_role("button", name="Mark as done").click()
        expect(page.locator(".message")).to_contain_text(
            f"“{title}” is completed: it waits for its receiver's confirmation."
        )

    # Given, not yet received: the plan says whom each task waits for, in words.
    handover = page.locator("#handover")
    expect(handover).to_contain_text("0 of 2 knowledge-transfer tasks done, 2 waiting")
    ops_name = ops.get_full_name()
    expect(handover.locator(".badge.warn")).to_have_text([f"Waiting for {ops_name}"] * 2)
    expect(page.get_by_role("button", name="Confirm receipt of Runbook walkthrough")).to_have_count(
        0
    )
    assert set(KnowledgeTransferTask.objects.values_list("status", flat=True)) == {
        TaskStatus.WAITING
    }

    # The receiver (the operations owner, for the receiving team) signs in and signs off.
    page = sign_in(ops)
    page.goto(f"{live_server.url}/")
    waiting = page.get_by_role("region", name="Handover tasks waiting for your confirmation")
    expect(waiting.get_by_role("listitem")).to_have_count(2)
    waiting.get_by_role("link", name="Runbook walkthrough").click()
    page.get_by_role("link", name="Decline Shadow the on-call rota").click()
    page.get_by_role("button", name="Decline the task").click()
    expect(page.locator(".errorlist")).to_contain_text("Say what is missing")
    page.get_by_label("What is missing").fill("The rota has no weekend cover.")
    page.get_by_role("button", name="Decline the task").click()
    expect(page.locator(".message")).to_contain_text("it is back with its giver")
    page.get_by_role("button", name="Confirm receipt of Runbook walkthrough").click()
    expect(page.locator(".message")).to_contain_text(
        "You confirmed receipt of “Runbook walkthrough”: it is done."
    )
    expect(page.locator("#handover")).to_contain_text("1 of 2 knowledge-transfer tasks done")
    expect(page.locator("#handover")).to_contain_text("“The rota has no weekend cover.”")
    assert dict(KnowledgeTransferTask.objects.values_list("title", "status")) == {
        "Runbook walkthrough": TaskStatus.DONE,
        "Shadow the on-call rota": TaskStatus.TODO,
    }
    confirmed = KnowledgeTransferTask.objects.get(title="Runbook walkthrough")
    assert confirmed.confirmed_by == ops
