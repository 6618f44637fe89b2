"""The strict Content-Security-Policy in a real browser: every role's pages, the admin
and the API docs render, styled and working, with no violation.

The ``context`` fixture (tests/e2e/conftest.py) fails any browser test on a
``securitypolicyviolation`` event or a console message about the policy; the
tests here visit the pages and check that they really rendered under it (their
stylesheet applied, Swagger UI and Redoc drawn and usable).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from pilots.models import Pilot
from scorecards.services import scorecards_recompute, scorecards_snapshot
from tests import factories
from tests.e2e.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

HEADER_BACKGROUND = "rgb(20, 33, 61)"  # .site-header in static/css/pilotgate.css


def pilot_pages(pilot: Pilot) -> list[str]:
    metric = pilot.metrics.get()
    return [
        reverse("pilots:detail", args=[pilot.reference]),
        reverse("pilots:history", args=[pilot.reference]),
        reverse("scorecards:pilot", args=[pilot.reference]),
        reverse("pilots:metric", args=[pilot.reference, metric.pk]),
    ]


EVERYONE = [
    "/",
    "/pilots/",
    "/search/?q=pil",
    "/portfolio/",
    "/inbox/",
    "/account/",
    "/account/tokens/",
]


def visit(page: Page, base: str, path: str) -> None:
    """Open ``path``; it answers 200 and our stylesheet applies to its header."""
    response = page.goto(base + path)
    assert response is not None
    assert response.status == 200, path
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    header = page.locator(".site-header")
    expect(header).to_have_css("background-color", HEADER_BACKGROUND)


@pytest.fixture
def live_scored(live_running, sponsor):
    """The running pilot and a draft, with scorecards and a weekly snapshot (the charts)."""
    factories.PilotFactory(sponsor=sponsor, title="A draft without an owner")
    scorecards_recompute()
    scorecards_snapshot()
    return live_running


@pytest.mark.parametrize(
    ("role", "extra"),
    [
        ("sponsor", ["/pilots/new/"]),
        ("lead", ["/review/", "/reminders/"]),
        ("owner", ["readings/import/"]),
        ("member", []),
        ("ops", []),
    ],
)
def test_every_role_sees_its_pages_without_a_violation(
    request, live_server, sign_in: Callable[[object], Page], live_scored, role, extra
):
    page = sign_in(request.getfixturevalue(role))
    pilot_url = reverse("pilots:detail", args=[live_scored.reference])
    paths = [*EVERYONE, *pilot_pages(live_scored)]
    paths += [pilot_url + path if not path.startswith("/") else path for path in extra]
    for path in paths:
        visit(page, live_server.url, path)


def test_the_registration_wizard_and_an_htmx_reading_hold_the_policy(
    live_server, sign_in, live_scored, owner, sponsor
):
    """htmx swaps a metric card in place: no inline style or eval of its own."""
    page = sign_in(owner)
    visit(page, live_server.url, reverse("pilots:detail", args=[live_scored.reference]))
    page.evaluate("window.notReloaded = true")
    card = page.locator(f"#metric-{live_scored.metrics.get().pk}")
    card.get_by_label("Date").fill(f"{timezone.localdate():%Y-%m-%d}")
    card.get_by_label("Value").fill("42")
    card.get_by_role("button", name="Save reading").click()
    expect(card).to_contain_text("Reading of 42 on")
    assert page.evaluate("window.notReloaded") is True  # swapped in place by htmx

    draft = Pilot.objects.get(title="A draft without an owner")
    page = sign_in(sponsor)
    for step in ("basics", "metric", "owner", "operations", "infrastructure", "plan", "review"):
        visit(page, live_server.url, reverse("pilots:register", args=[draft.reference, step]))


def test_signing_in_through_the_form_holds_the_policy(live_server, page: Page, lead):
    response = page.goto(f"{live_server.url}/accounts/login/")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator(".site-header")).to_have_css("background-color", HEADER_BACKGROUND)
    page.get_by_label("Username").fill(lead.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="What needs you now")).to_be_visible()


def test_the_admin_holds_the_policy(live_server, sign_in, admin_user, live_scored, owner):
    page = sign_in(admin_user)
    base = live_server.url
    paths = [
        "/admin/",
        "/admin/pilots/pilot/",
        f"/admin/pilots/pilot/{live_scored.pk}/change/",
        "/admin/pilots/pilot/add/",
        "/admin/pilots/reminder/",
        "/admin/pilots/pilotevent/",
        "/admin/auth/user/add/",
        f"/admin/auth/user/{owner.pk}/change/",
        "/admin/auth/group/add/",
    ]
    for path in paths:
        response = page.goto(base + path)
        assert response is not None
        assert response.status == 200, path
        # The admin's own stylesheet applied (its header bar).
        expect(page.locator("#header")).to_have_css("display", "flex")
    # The admin's scripts run: the permissions' two-box filter is drawn by SelectFilter2.js.
    page.goto(f"{base}/admin/auth/group/add/")
    expect(page.locator(".selector-available")).to_be_visible()
    page.locator("#id_permissions_input").fill("pilot")
    # The changelist's action bar and its "select all" script.
    page.goto(f"{base}/admin/pilots/pilot/")
    page.locator("#action-toggle").check()
    expect(page.locator(".action-counter")).to_have_text(re.compile(r"(\d+) of \1 selected"))


def test_swagger_ui_renders_and_calls_the_api_under_the_policy(live_server, sign_in, lead):
    page = sign_in(lead)
    response = page.goto(f"{live_server.url}/api/docs/")
    assert response is not None
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    expect(page.locator(".swagger-ui .info .title")).to_contain_text(
        "Pilotgate API", timeout=30_000
    )
    # Swagger UI's own stylesheet applied: its method badges are coloured.
    operation = page.locator("#operations-auth-auth_me_retrieve")
    expect(operation.locator(".opblock-summary-method")).to_have_css(
        "background-color", "rgb(97, 175, 254)"
    )
    operation.locator(".opblock-summary").click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    expect(
        operation.locator(".live-responses-table tr.response .response-col_status").first
    ).to_have_text("200")


def test_redoc_renders_and_searches_under_the_policy(live_server, page: Page):
    response = page.goto(f"{live_server.url}/api/redoc/")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy
    assert "'nonce-" in policy
    # Generating the schema and laying out every operation takes a few seconds.
    expect(page.get_by_role("heading", name="Pilotgate API", level=1)).to_be_visible(timeout=30_000)
    # Redoc's own styles (nonce-admitted <style> elements) applied: its sidebar is grey.
    expect(page.locator(".menu-content")).to_have_css("background-color", "rgb(250, 250, 250)")
    # Its search runs in a worker from a blob: URL.
    page.get_by_placeholder("Search...").fill("readings")
    results = page.get_by_role("search").get_by_role("menuitem")
    expect(results.filter(has_text="Push readings in bulk")).to_be_visible()
    # Redocly's logo would come from their CDN: left out, nothing requested from it.
    expect(page.locator("img[src*='cdn.redoc.ly']")).to_have_count(0)


def test_a_violation_is_caught_by_every_browser_test(live_server, page: Page, csp_violations):
    """The check every browser test runs (tests/e2e/conftest.py) sees what the CSP refuses."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.evaluate(
        """document.head.insertAdjacentHTML("beforeend", "<style>body { color: red }</style>");
        const img = document.createElement("img");
        img.src = "https://cdn.example.com/pixel.png";
        document.body.append(img);"""
    )
    expect(page.locator("body")).not_to_have_css("color", "rgb(255, 0, 0)")
    page.wait_for_timeout(500)  # the reports reach the test through a binding
    reports = "\n".join(csp_violations)
    assert "style-src-elem" in reports
    assert "https://cdn.example.com/pixel.png" in reports
    csp_violations.clear()  # seen: this test passes
