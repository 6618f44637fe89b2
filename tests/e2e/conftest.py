"""Browser tests: Playwright driving Debian's chromium against the live test server.

Never a Playwright browser download: the executable is ``PILOTGATE_CHROMIUM``
(default ``/usr/bin/chromium``, from Debian's ``chromium`` package). Without it
the tests skip with the reason, and fail under PILOTGATE_REQUIRE_SERVICES (CI).

Every browser test also proves the Content-Security-Policy holds: each page of
its browser context reports every ``securitypolicyviolation`` event, and every
console message about the policy, and the test fails if there was one.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import BrowserContext, ConsoleMessage, Page

from pilots.models import Pilot
from pilots.services import gates, ownership
from tests import factories
from tests.services import unavailable

# Playwright's sync API runs an event loop in this thread; Django refuses ORM
# calls from a thread with a running loop unless told it is safe (it is: the
# loop only talks to the browser).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("PILOTGATE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "pw"  # tests.factories.UserFactory's password


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        unavailable(
            f"needs Chromium at {CHROMIUM} (Debian: apt-get install chromium); "
            "set PILOTGATE_CHROMIUM to use another"
        )
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


# Runs in every page before its own scripts: each violation of the page's CSP
# goes to the test (the binding outlives the page's navigations).
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.pilotgateCspViolation({
    page: document.location.href,
    directive: event.violatedDirective,
    blocked: event.blockedURI,
    source: event.sourceFile + ":" + event.lineNumber,
    sample: event.sample,
  });
});
"""


@pytest.fixture
def csp_violations() -> list[str]:
    """What the browser reported against the CSP during this test (the context fixture fills it)."""
    return []


@pytest.fixture
def context(context: BrowserContext, csp_violations: list[str]) -> Iterator[BrowserContext]:
    """pytest-playwright's context, which fails the test on any CSP violation in any page."""
    context.expose_binding(
        "pilotgateCspViolation",
        lambda source, details: csp_violations.append(f"violation: {details}"),
    )
    context.add_init_script(REPORT_CSP_VIOLATIONS)

    def console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            csp_violations.append(f"console {message.type}: {message.text}")

    context.on("console", console)
    yield context
    if csp_violations:
        pytest.fail(
            "The Content-Security-Policy was violated:\n" + "\n".join(csp_violations),
            pytrace=False,
        )


@pytest.fixture
def sign_in(live_server, page: Page) -> Callable[[object], Page]:
    """Sign ``user`` in through a session cookie (the login form has its own test)."""

    def login(user: object) -> Page:
        client = Client()
        client.force_login(user)
        page.context.clear_cookies()
        page.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
        return page

    return login


def current_pilot(*, sponsor, owner, member, ops) -> Pilot:
    """A complete draft whose dates surround today (the live server uses the real clock)."""
    today = timezone.localdate()
    pilot = factories.PilotFactory(
        sponsor=sponsor,
        operations_owner=ops,
        planned_start=today - timedelta(days=60),
        planned_end=today + timedelta(days=60),
        title="Invoice triage assistant",
    )
    factories.complete_registration(pilot, owner=owner)
    factories.add_member(pilot, member)
    return pilot


@pytest.fixture
def live_draft(sponsor, owner, member, ops) -> Pilot:
    return current_pilot(sponsor=sponsor, owner=owner, member=member, ops=ops)


@pytest.fixture
def live_proposed(live_draft, sponsor) -> Pilot:
    gates.pilot_submit(pilot=live_draft, by=sponsor)
    return live_draft


@pytest.fixture
def live_running(live_proposed, owner, lead, sponsor) -> Pilot:
    ownership.ownership_accept(pilot=live_proposed, by=owner)
    gates.pilot_approve(pilot=live_proposed, by=lead, rationale="Credible plan.")
    gates.pilot_start(pilot=live_proposed, by=sponsor)
    live_proposed.refresh_from_db()
    return live_proposed
