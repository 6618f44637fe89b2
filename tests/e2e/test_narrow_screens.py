"""Every page fits a phone: at 390 CSS pixels wide nothing scrolls sideways.

The demo portfolio (long titles, readings, tasks, every stage) in headless
Chromium at the width of a common phone: for each page, the document is no
wider than the viewport. The pilot page was 566 px wide (its readings and
tasks tables); tables of class ``stack`` now restack as labelled rows.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page

from pilots.enums import Stage, TaskStatus
from pilots.models import KnowledgeTransferTask, Metric, MetricReading, Pilot
from pilots.reminders.sweep import reminders_sweep
from scorecards.services import scorecards_recompute, scorecards_snapshot

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
STEPS = ("basics", "metric", "owner", "operations", "infrastructure", "plan", "review")


def too_wide(page: Page, url: str) -> str | None:
    """What overflows at this width, or None when the page fits."""
    response = page.goto(url)
    assert response is not None
    assert response.status == 200, url
    width, viewport = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    return f"{url} is {width} px wide at {viewport} px" if width > viewport else None


def demo_pages() -> dict[str, list[str]]:
    """username → the pages to open as them, on the demo portfolio."""
    sponsored = Pilot.objects.filter(sponsor__username="sponsor")
    draft = sponsored.filter(stage=Stage.DRAFT).order_by("reference").last()
    running = (
        Pilot.objects.filter(stage=Stage.RUNNING, owner__username="owner", tasks__isnull=False)
        .filter(metrics__readings__isnull=False)
        .order_by("reference")
        .distinct()
        .first()
    )
    graduated = sponsored.filter(stage=Stage.GRADUATED).order_by("reference").first()
    stopped = sponsored.filter(stage=Stage.STOPPED).order_by("reference").first()
    # In its handover window without a checkpoint: the lead sees the checkpoint form.
    checkpoint = Pilot.objects.filter(title="Spare parts reorder advisor").first()
    assert None not in (draft, running, graduated, stopped, checkpoint), "the demo data changed"
    metric = Metric.objects.filter(pilot=running, readings__isnull=False).first()
    reading = MetricReading.objects.filter(metric=metric).order_by("-observed_on").first()
    task = running.tasks.order_by("pk").first()
    waiting = KnowledgeTransferTask.objects.select_related("pilot").get(
        status=TaskStatus.WAITING, receiver__username="ops"
    )
    pilot = f"/pilots/{running.reference}"
    # Its owner's check-in says on track while its metric is behind (the divergence shown).
    divergent = Pilot.objects.get(title="Collections call prioritisation").reference
    return {
        "sponsor": [
            "/",
            "/pilots/",
            "/pilots/?stage=running&sort=title",
            "/pilots/new/",
            f"/pilots/{draft.reference}/",
            *(f"/pilots/{draft.reference}/register/{step}/" for step in STEPS),
            f"/pilots/{graduated.reference}/",
            f"/pilots/{stopped.reference}/",
            f"{pilot}/tasks/new/",
            f"{pilot}/tasks/{task.pk}/edit/",
            "/portfolio/",
            "/account/",
            "/account/tokens/",
            "/accounts/logout/",
            "/accounts/password_change/",
        ],
        "owner": [
            "/",
            f"{pilot}/",
            f"{pilot}/history/",
            f"{pilot}/metrics/{metric.pk}/",
            f"{pilot}/readings/import/",
            f"{pilot}/readings/{reading.pk}/edit/",
            f"{pilot}/readings/{reading.pk}/delete/",
            f"{pilot}/tasks/{task.pk}/complete/",
            f"{pilot}/scorecard/",
            "/inbox/",
            "/portfolio/",
        ],
        # The receiver: the demo's task waiting for ops, on the plan and its decline form.
        "ops": [
            "/",
            f"/pilots/{waiting.pilot.reference}/",
            f"/pilots/{waiting.pilot.reference}/tasks/{waiting.pk}/decline/",
        ],
        "lead": [
            "/",
            "/review/",
            "/reminders/",
            "/portfolio/",
            "/portfolio/?q=a&sort=-title",
            "/search/",
            "/search/?q=a",
            "/search/?q=nothing+like+it",
            f"/pilots/{graduated.reference}/scorecard/",
            f"/pilots/{divergent}/",
            f"/pilots/{checkpoint.reference}/",
        ],
    }


@pytest.fixture
def browser_context_args(browser_context_args: dict) -> dict:
    """The ``page`` of these tests is a phone's."""
    return {**browser_context_args, "viewport": PHONE}


def test_every_page_fits_a_390_px_screen(live_server, page: Page, sign_in):
    call_command("seed_demo", verbosity=0)
    scorecards_recompute()
    scorecards_snapshot()
    reminders_sweep(day=timezone.localdate(), deliver="inline")  # an inbox and a log to show
    pages = demo_pages()
    users = get_user_model().objects.in_bulk(list(pages), field_name="username")

    problems = [
        problem
        for path in ("/accounts/login/", "/accounts/password_reset/")
        if (problem := too_wide(page, live_server.url + path))
    ]
    for username, paths in pages.items():
        sign_in(users[username])
        problems += [
            f"{username}: {problem}"
            for path in paths
            if (problem := too_wide(page, live_server.url + path))
        ]
    assert page.viewport_size == PHONE
    assert problems == [], "\n".join(problems)
