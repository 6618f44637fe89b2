"""Every page fits a phone: at 390 CSS pixels wide nothing scrolls sideways.

The demo portfolio (long titles, readings, tasks, every stage), with a few
unbroken words and addresses added, in headless Chromium at the width of a
common phone: each page a demo-like user reaches, as that user, is no wider
than the viewport, and passes the axe run at that width. Which pages: every
named address of the URL conf, or a reason why it is not a page (a form's
action, a file, JSON); a new page fails the test until it is listed here.

Tables restack as labelled rows (class ``stack``) or scroll inside their own
box (``.table-wrap``, focusable); the header collapses into a menu behind a
button (static/js/site-menu.js); the portfolio puts its pilots before the
summary figures.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import Page, Route, expect

from pilots.enums import InfrastructureItem, MetricKind, Stage, TaskStatus
from pilots.models import (
    InfrastructureAnswer,
    KnowledgeTransferTask,
    Metric,
    MetricReading,
    Pilot,
)
from pilots.reminders.sweep import reminders_sweep
from pilots.services import metrics
from scorecards.services import scorecards_recompute, scorecards_snapshot
from tests import factories
from tests.e2e.test_accessibility import blocking_violations

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 900}
STEPS = ("basics", "metric", "owner", "operations", "infrastructure", "plan", "review")

# Words no line can hold whole: they must break, not widen the page.
LONG_WORD = "Supercalifragilistic" * 4
LONG_URL = "https://wiki.example.com/" + "/".join(["handover-runbook-for-the-service-desk"] * 4)

# Named addresses that are not pages a person reads, and why.
NOT_PAGES = {
    "health": "JSON for the load balancer",
    "api-schema": "the OpenAPI document (YAML)",
    "api-docs": "drf-spectacular's Swagger UI for the API, a layout of its own",
    "api-redoc": "drf-spectacular's Redoc for the API, a layout of its own",
    "scorecards:export": "a CSV file",
    "scorecards:list_export": "a CSV file",
    "pilots:calendar_feed": "an iCalendar feed for calendar apps",
    "pilots:people": "JSON for the people pickers",
    "pilots:similar": "an htmx fragment of the registration's basics step, visited there",
    "oidc_authentication_init": "hands over to the identity provider (tests/e2e/test_oidc.py)",
    "oidc_authentication_callback": "comes back from the identity provider",
    "admin-password-change": "a redirect to password_change",
    **dict.fromkeys(
        (
            "pilots:inbox_read",
            "pilots:inbox_read_all",
            "pilots:token_revoke",
            "pilots:member_remove",
            "pilots:checkin_new",
            "pilots:ownership",
            "pilots:budget",
            "pilots:decide",
            "pilots:checkpoint",
            "pilots:operations_accept",
            "pilots:waiver_approve",
            "pilots:contract_acknowledge",
            "pilots:value_review_new",
            "pilots:value_review_sign",
            "pilots:reading_new",
            "pilots:task_confirm",
            "pilots:task_reopen",
            "pilots:task_move",
            "pilots:succession_accept",
            "pilots:succession_decline",
            "pilots:calendar_reset",
            "scorecards:view_save",
            "scorecards:view_delete",
        ),
        "a form's action: a GET goes to the page the form is on, visited here",
    ),
}
# Django's own admin (its own responsive stylesheet): its index is visited. The APIs: JSON.
NOT_PAGES_NAMESPACES = ("admin", "api", "scorecards_api")


def page_names() -> set[str]:
    """Every named address of the URL conf, namespaced ("pilots:detail")."""

    def walk(patterns: list, namespace: str | None) -> set[str]:
        names: set[str] = set()
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = ":".join(filter(None, [namespace, pattern.namespace])) or None
                names |= walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
        return names

    return walk(get_resolver().url_patterns, None)


def widths(page: Page) -> tuple[int, int]:
    return tuple(
        page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
    )


def problems_on(page: Page, url: str, status: int = 200) -> list[str]:
    """What overflows at this width, and what axe finds, on the page at ``url``."""
    response = page.goto(url)
    assert response is not None
    assert response.status == status, url
    return problems_here(page, url)


def problems_here(page: Page, label: str) -> list[str]:
    width, viewport = widths(page)
    problems = [f"{label} is {width} px wide at {viewport} px"] if width > viewport else []
    return problems + [f"{label}: {problem}" for problem in blocking_violations(page)]


def add_long_words(pilot: Pilot, sponsor) -> None:
    """Unbroken words and addresses where people type them: titles, notes, links."""
    KnowledgeTransferTask.objects.filter(pilot=pilot).update(evidence_url=LONG_URL)
    MetricReading.objects.filter(metric__pilot=pilot).update(note=LONG_WORD)
    factories.CheckInFactory(pilot=pilot, narrative=f"See {LONG_URL}", blockers=LONG_WORD)
    # A draft of the sponsor's with an unbroken title: the wizard's steps are shown on it.
    factories.PilotFactory(sponsor=sponsor, title=f"{LONG_WORD} pilot")


def add_drift_and_waiver(pilot: Pilot, sponsor) -> None:
    """On a running pilot: a contract change to acknowledge and a waiver to approve."""
    metric = pilot.metrics.get(kind=MetricKind.PRIMARY)
    metrics.metric_update(
        metric=metric, by=sponsor, target=metric.target + 1, reason=f"Moved: {LONG_URL}"
    )
    InfrastructureAnswer.objects.filter(pilot=pilot, item=InfrastructureItem.MONITORING).update(
        answer="no",
        evidence_url="",
        waiver_reason=f"Until the platform team onboards us ({LONG_URL}).",
        waiver_expires_on=timezone.localdate() + timedelta(days=20),
        waiver_requested_at=timezone.now(),
    )


def demo_running() -> Pilot:
    """The owner's running pilot with tasks and readings: the pages of a pilot at work."""
    return (
        Pilot.objects.filter(stage=Stage.RUNNING, owner__username="owner", tasks__isnull=False)
        .filter(metrics__readings__isnull=False)
        .order_by("reference")
        .distinct()
        .first()
    )


def demo_pages() -> dict[str, list[str | tuple[str, int]]]:
    """username → the pages to open as them, on the demo portfolio (a status if not 200)."""
    sponsored = Pilot.objects.filter(sponsor__username="sponsor")
    # The sponsor's draft with the long title (add_long_words): by its title, not by the
    # order of references, which is textual (PIL-12804 sorts before PIL-4262).
    draft = sponsored.filter(stage=Stage.DRAFT, title__contains=LONG_WORD).first()
    running = demo_running()
    drafted = sponsored.filter(stage=Stage.DRAFT, metrics__isnull=False).first()
    proposed = sponsored.filter(stage=Stage.PROPOSED).order_by("reference").first()
    approved = sponsored.filter(stage=Stage.APPROVED).order_by("reference").first()
    graduated = sponsored.filter(stage=Stage.GRADUATED).order_by("reference").first()
    stopped = sponsored.filter(stage=Stage.STOPPED).order_by("reference").first()
    # In its handover window without a checkpoint: the lead sees the checkpoint form.
    checkpoint = Pilot.objects.filter(title="Spare parts reorder advisor").first()
    pilots = (draft, drafted, running, proposed, approved, graduated, stopped, checkpoint)
    assert None not in pilots, "the demo data changed"
    assert LONG_WORD in draft.title
    metric = Metric.objects.filter(pilot=running, readings__isnull=False).first()
    reading = MetricReading.objects.filter(metric=metric).order_by("-observed_on").first()
    task = running.tasks.order_by("pk").first()
    waiting = KnowledgeTransferTask.objects.select_related("pilot").get(
        status=TaskStatus.WAITING, receiver__username="ops"
    )
    on_a_team = Pilot.objects.filter(memberships__user__username="member").order_by("reference")
    pilot = f"/pilots/{running.reference}"
    # Its owner's check-in says on track while its metric is behind (the divergence shown).
    divergent = Pilot.objects.get(title="Collections call prioritisation").reference
    # In operation: its owner's value review form; a retired system's reviews and sign-offs.
    review_due = Pilot.objects.get(title="Supplier invoice coding assistant").reference
    retired = Pilot.objects.get(title="Meeting minutes summariser").reference
    return {
        "sponsor": [
            "/",
            "/pilots/",
            "/pilots/?stage=running&sort=title",
            "/pilots/new/",
            f"/pilots/{draft.reference}/",
            f"/pilots/{draft.reference}/history/",
            *(f"/pilots/{draft.reference}/register/{step}/" for step in STEPS),
            f"/pilots/{draft.reference}/metrics/new/",
            f"/pilots/{drafted.reference}/metrics/{drafted.metrics.first().pk}/edit/",
            f"/pilots/{proposed.reference}/",
            f"/pilots/{approved.reference}/",
            f"{pilot}/",  # the contract's drift, as its sponsor
            f"/pilots/{graduated.reference}/",
            f"/pilots/{stopped.reference}/",
            f"{pilot}/tasks/new/",
            f"{pilot}/tasks/{task.pk}/edit/",
            f"{pilot}/succession/",  # name a successor
            "/portfolio/",
            "/portfolio/?stage=running",
            "/lessons/",
            "/lessons/?q=data",
            "/inbox/",
            "/account/",
            "/account/tokens/",
            "/accounts/logout/",
            "/accounts/password_change/",
            "/accounts/password_change/done/",
            ("/pilots/PIL-9999/", 404),
        ],
        "owner": [
            "/",
            f"{pilot}/",  # the check-in form, readings with long notes
            f"{pilot}/history/",
            f"{pilot}/metrics/{metric.pk}/",
            f"{pilot}/readings/import/",
            f"{pilot}/readings/{reading.pk}/edit/",
            f"{pilot}/readings/{reading.pk}/delete/",
            f"{pilot}/tasks/{task.pk}/complete/",
            f"{pilot}/scorecard/",
            f"/pilots/{review_due}/",
            "/inbox/",
            "/inbox/?show=unread",
            "/portfolio/",
            ("/review/", 403),
        ],
        "member": ["/", "/pilots/", f"/pilots/{on_a_team.first().reference}/", "/successions/"],
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
            "/reminders/?status=failed",
            "/portfolio/",
            f"/pilots/{proposed.reference}/",  # the gate decision's form
            f"{pilot}/",  # the acknowledgement and the waiver's approval
            f"{pilot}/history/",
            "/portfolio/?q=a&sort=-title",
            "/portfolio/?reason=ORPHANED",  # the demo's orphaned pilot
            "/search/",
            "/search/?q=a",
            "/search/?q=nothing+like+it",
            "/lessons/?failure_mode=lab_to_desk_gap&outcome=stopped",
            "/lessons/?q=nothing+like+it",
            f"/pilots/{graduated.reference}/scorecard/",
            f"/pilots/{divergent}/",
            f"/pilots/{checkpoint.reference}/",  # the checkpoint's form
            f"/pilots/{retired}/",
        ],
        "admin": ["/admin/"],
    }


def public_pages() -> list[str]:
    """The pages before signing in: signing in, and a password reset from end to end."""
    user = get_user_model().objects.get(username="member")
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return [
        "/accounts/login/",
        "/accounts/password_reset/",
        "/accounts/password_reset/done/",
        f"/accounts/reset/{uid}/{default_token_generator.make_token(user)}/",  # the form
        f"/accounts/reset/{uid}/not-a-token/",  # the link has expired
        "/accounts/reset/done/",
    ]


def error_pages(live_server, page: Page) -> list[str]:
    """400 and 500, which no page of the live server answers on purpose: served as rendered."""
    bad_request = Client().get("/", headers={"host": "not-allowed.example"})
    assert bad_request.status_code == 400
    pages = {
        "/__400/": (400, bad_request.content.decode()),
        "/__500/": (500, render_to_string("500.html")),
    }

    def serve(route: Route) -> None:
        status, body = pages[urlsplit(route.request.url).path]
        route.fulfill(status=status, body=body, content_type="text/html; charset=utf-8")

    problems = []
    for path, (status, _) in pages.items():
        page.route(live_server.url + path, serve)
        problems += problems_on(page, live_server.url + path, status)
    page.unroute_all()
    return problems


def after_submitting(page: Page, base: str, sponsor, sign_in) -> list[str]:
    """Pages a form leaves behind: its errors, a new key shown once, a draft's review."""
    sign_in(sponsor)
    problems = []
    page.goto(base + "/account/tokens/")
    page.locator("#new-token input[type=text]").first.fill(f"Phone {LONG_WORD}")
    page.get_by_role("button", name="Create token").click()
    expect(page.get_by_role("button", name="Revoke").first).to_be_visible()
    problems += problems_here(page, "a new API token")
    pilot = Pilot.objects.filter(sponsor=sponsor, stage=Stage.RUNNING).order_by("reference")[0]
    page.goto(f"{base}/pilots/{pilot.reference}/tasks/new/")
    page.get_by_role("button", name="Save task").click()
    expect(page.locator(".errorlist").first).to_be_visible()
    problems += problems_here(page, "the task form with its errors")
    draft = Pilot.objects.filter(sponsor=sponsor, title__contains=LONG_WORD).get()
    page.goto(f"{base}/pilots/{draft.reference}/register/basics/")
    page.get_by_label("Title").fill("")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".errorlist").first).to_be_visible()
    return problems + problems_here(page, "a registration step with its errors")


@pytest.fixture
def browser_context_args(browser_context_args: dict) -> dict:
    """The ``page`` of these tests is a phone's."""
    return {**browser_context_args, "viewport": PHONE}


@pytest.fixture
def demo() -> Pilot:
    """The demo portfolio, with long words, a contract change and a waiver to approve."""
    call_command("seed_demo", verbosity=0)
    sponsor = get_user_model().objects.get(username="sponsor")
    running = demo_running()
    add_long_words(running, sponsor)
    add_drift_and_waiver(running, sponsor)
    scorecards_recompute()
    scorecards_snapshot()
    reminders_sweep(day=timezone.localdate(), deliver="inline")  # an inbox and a log to show
    return running


def test_every_page_fits_a_390_px_screen(live_server, page: Page, sign_in, demo):
    base = live_server.url
    pages = demo_pages()
    users = get_user_model().objects.in_bulk(list(pages), field_name="username")
    visited = [*public_pages()]

    problems = [problem for path in public_pages() for problem in problems_on(page, base + path)]
    problems += error_pages(live_server, page)
    for username, paths in pages.items():
        sign_in(users[username])
        for entry in paths:
            path, status = entry if isinstance(entry, tuple) else (entry, 200)
            visited.append(path)
            problems += [f"{username}: {p}" for p in problems_on(page, base + path, status)]

    problems += after_submitting(page, base, users["sponsor"], sign_in)

    # Signing out from the menu: back on the sign-in page, which says so.
    page.goto(base + "/")
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(base + "/accounts/login/")
    problems += problems_here(page, "signed out")

    assert page.viewport_size == PHONE
    assert problems == [], "\n".join(problems)
    names = {resolve(urlsplit(path).path).view_name for path in visited}
    unvisited = {
        name
        for name in page_names() - names - set(NOT_PAGES)
        if name.split(":")[0] not in NOT_PAGES_NAMESPACES
    }
    assert unvisited == set(), "pages not checked at 390 px: add them to demo_pages()"


def test_the_header_collapses_into_a_menu_on_a_phone(live_server, page: Page, sign_in, lead):
    page = sign_in(lead)
    page.goto(live_server.url + "/")
    menu = page.get_by_role("button", name="Menu")
    portfolio = page.get_by_role("navigation", name="Main").get_by_role("link", name="Portfolio")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(portfolio).to_be_hidden()

    # The keyboard: Tab from the skip link reaches the button; Enter opens, Escape closes.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(menu).to_be_focused()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(portfolio).to_be_visible()
    page.keyboard.press("Tab")
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    expect(portfolio).to_be_hidden()

    menu.click()
    portfolio.click()
    expect(page).to_have_url(live_server.url + "/portfolio/")
    assert blocking_violations(page) == []

    # On a wide screen there is no button: the links are in the header.
    page.set_viewport_size(WIDE)
    expect(menu).to_be_hidden()
    expect(portfolio).to_be_visible()


def test_without_javascript_the_menu_stays_open(live_server, browser, lead):
    client = Client()
    client.force_login(lead)
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.goto(live_server.url + "/")
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(page.get_by_role("link", name="Portfolio")).to_be_visible()
    assert widths(page)[0] <= PHONE["width"]
    context.close()


def test_the_portfolio_shows_its_pilots_before_the_summary_on_a_phone(
    live_server, page: Page, sign_in, lead, live_running
):
    scorecards_recompute()
    page = sign_in(lead)

    def tops() -> tuple[float, float]:
        page.goto(live_server.url + "/portfolio/")
        pilots = page.locator("#h-pilots").bounding_box()
        summary = page.locator(".summary").bounding_box()
        return pilots["y"], summary["y"]

    pilots, summary = tops()
    assert pilots < summary
    page.set_viewport_size(WIDE)
    pilots, summary = tops()
    assert summary < pilots
