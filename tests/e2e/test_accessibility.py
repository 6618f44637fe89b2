"""axe-core (WCAG 2 A and AA rules) on the main pages: no serious or critical violation."""

from __future__ import annotations

import uuid

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import Page

from pilots.enums import ReminderKind, ReminderStatus, Stage
from pilots.models import MetricReading, Reminder
from pilots.services import handover
from scorecards.saved_views import saved_view_save
from scorecards.services import scorecards_recompute, scorecards_snapshot
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
BLOCKING = {"serious", "critical"}


def blocking_violations(page: Page) -> list[str]:
    results = Axe().run(page, options=AXE_OPTIONS)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"][:3])
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


def check(page: Page, url: str) -> list[str]:
    response = page.goto(url)
    assert response is not None
    assert response.status < 500, url
    return [f"{url}: {problem}" for problem in blocking_violations(page)]


def test_public_pages_have_no_serious_violations(live_server, page: Page):
    problems = []
    for path in ("/accounts/login/", "/accounts/password_reset/"):
        problems += check(page, live_server.url + path)
    assert problems == []


def test_pilot_pages_have_no_serious_violations(
    live_server, sign_in, live_running, live_draft, owner, sponsor, lead, member, ops
):
    metric = live_running.metrics.get()
    MetricReading.objects.create(
        metric=metric,
        observed_on=live_running.started_on,
        value=12,
        source="web",
        recorded_by=owner,
    )
    factories.TaskFactory(pilot=live_running, assignee=member)
    # The check-ins section with a check-in, the owner's form and the due date
    # (tests/e2e/test_checkins.py runs axe on the form's errors and a divergence).
    factories.CheckInFactory(pilot=live_running, author=owner, blockers="The feed is late.")
    given = factories.TaskFactory(pilot=live_running, assignee=member, title="Runbook")
    handover.task_complete(task=given, by=member, evidence_url="https://wiki.example.com/rb")
    other = factories.PilotFactory(sponsor=sponsor, title="A second draft")
    # A decided pilot: the portfolio shows its evidence table (practices followed or not).
    factories.PilotFactory(sponsor=sponsor, title="A stopped pilot", stage=Stage.STOPPED)
    for kind, status, read_at in (
        (ReminderKind.METRIC_STALE, ReminderStatus.EMAILED, None),
        (ReminderKind.TASK_OVERDUE, ReminderStatus.FAILED, timezone.now()),
    ):
        Reminder.objects.create(
            pilot=live_running,
            kind=kind,
            recipient=owner,
            period="2026-W01",
            day=timezone.localdate(),
            sweep=uuid.uuid4(),
            reason=f"Why the {kind.label.lower()} reminder was sent.",
            action="What to do about it.",
            link=f"/pilots/{live_running.reference}/",
            status=status,
            last_error="SMTPServerDisconnected: gone" if status == ReminderStatus.FAILED else "",
            read_at=read_at,
        )
    scorecards_recompute()
    scorecards_snapshot()
    ref, base = live_running.reference, live_server.url

    problems = []
    page = sign_in(owner)
    for path in (
        "/",
        "/pilots/",
        f"/pilots/{ref}/",
        f"/pilots/{ref}/history/",
        f"/pilots/{ref}/metrics/{metric.pk}/",
        f"/pilots/{ref}/tasks/new/",
        "/pilots/PIL-9999/",  # the 404 page
        "/accounts/password_change/",
        "/inbox/",
        "/inbox/?show=unread",
        "/account/",
        "/portfolio/",
        f"/pilots/{ref}/scorecard/",
    ):
        problems += check(page, base + path)

    page = sign_in(sponsor)
    for step in ("basics", "metric", "owner", "operations", "infrastructure", "plan", "review"):
        problems += check(page, f"{base}/pilots/{other.reference}/register/{step}/")
    problems += check(page, f"{base}/pilots/new/")

    page = sign_in(ops)  # the receiver: a task waits for their confirmation
    for path in ("/", f"/pilots/{ref}/", f"/pilots/{ref}/tasks/{given.pk}/decline/"):
        problems += check(page, base + path)

    page = sign_in(lead)
    saved_view_save(user=lead, name="Running", query="stage=running")
    for path in (
        "/",
        "/search/",
        "/search/?q=pil",
        "/search/?q=nothing+like+it",
        "/portfolio/?stage=running&sort=title",  # its saved view current, a column sorted
        "/review/",
        "/pilots/?stage=running&sort=title",
        "/reminders/",
        "/reminders/?kind=bogus&status=failed",
        "/inbox/",  # empty
        "/portfolio/",
        "/portfolio/?stage=running&risk=bogus",
        "/portfolio/?reason=DEGRADING",  # no pilot matches
        f"/pilots/{other.reference}/scorecard/",
    ):
        problems += check(page, base + path)
    assert problems == []
