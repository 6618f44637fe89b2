"""Single sign-on end to end: a real OpenID provider on loopback, a real browser.

The provider is panva's ``oidc-provider`` (tests/oidc/provider.mjs) run by
Node.js, never a mock of the protocol: the browser follows the authorization
redirect, signs in on the provider's own page, and the callback exchanges the
code (PKCE), checks the RS256-signed ID token against the provider's keys and
reads userinfo. The endpoints come from the issuer's discovery document.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from django.contrib.auth.models import User
from django.urls import reverse
from playwright.sync_api import Page, expect

from pilots.accounts import oidc
from pilots.enums import PORTFOLIO_LEADS_GROUP, SPONSORS_GROUP
from tests import factories
from tests.e2e.test_accessibility import blocking_violations
from tests.services import unavailable

OIDC_DIR = Path(__file__).resolve().parents[1] / "oidc"
pytestmark = pytest.mark.django_db(transaction=True)

# Set to a folder to keep screenshots of the sign-in page (PILOTGATE_SHOTS=/tmp/shots-sso).
SHOTS = os.environ.get("PILOTGATE_SHOTS", "")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def oidc_issuer(live_server, tmp_path_factory) -> Iterator[str]:
    """The provider, started once for the live server's callback; its issuer URL."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not (node and npm):
        unavailable("needs Node.js 20+ and npm to run the local OpenID provider (tests/oidc)")
    if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        result = subprocess.run(
            [npm, "ci", "--prefix", str(OIDC_DIR), "--no-audit", "--no-fund"],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if result.returncode:
            unavailable(f"npm ci --prefix tests/oidc failed: {result.stderr[-500:]}")
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    callback = live_server.url + reverse("oidc_authentication_callback")
    log = tmp_path_factory.mktemp("oidc") / "provider.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [node, str(OIDC_DIR / "provider.mjs")],
            env={**os.environ, "OIDC_PORT": str(port), "OIDC_REDIRECT_URI": callback},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                discovery = f"{issuer}/.well-known/openid-configuration"
                requests.get(discovery, timeout=2).raise_for_status()
                break
            except requests.RequestException:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the OpenID provider did not start:\n{log.read_text()}")
                time.sleep(0.1)
        yield issuer
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def oidc_provider(oidc_issuer, settings) -> Iterator[str]:
    """Pilotgate configured for the local provider, through its issuer (discovery)."""
    settings.PILOTGATE_OIDC_ENABLED = True
    settings.PILOTGATE_OIDC_ISSUER = oidc_issuer
    settings.OIDC_RP_CLIENT_ID = "pilotgate"
    settings.OIDC_RP_CLIENT_SECRET = "test-secret"
    settings.OIDC_RP_SCOPES = "openid email profile groups"
    settings.PILOTGATE_OIDC_NAME = "Example SSO"
    settings.PILOTGATE_OIDC_LEAD_GROUPS = ["pilotgate-leads"]
    settings.PILOTGATE_OIDC_SPONSOR_GROUPS = ["pilotgate-sponsors"]
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "pilots.accounts.oidc.OIDCBackend",
    ]
    oidc._discovered.clear()
    yield oidc_issuer
    oidc._discovered.clear()


def sign_in_through_provider(page: Page, base_url: str, login: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_role("link", name="Sign in with Example SSO").click()
    # The provider's own sign-in page (its development interactions): any password.
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password")
    page.locator("button[type=submit]").click()


def test_a_lead_signs_in_through_the_provider_and_lands_with_the_lead_role(
    oidc_provider, live_server, page: Page
):
    sign_in_through_provider(page, live_server.url, "lena.lead")

    expect(page.get_by_role("heading", name="What needs you now")).to_be_visible()
    assert page.url == f"{live_server.url}/"
    main = page.get_by_role("navigation", name="Main")
    expect(main.get_by_role("link", name="Review queue")).to_be_visible()
    expect(main.get_by_role("link", name="Portfolio")).to_be_visible()
    expect(page.get_by_role("link", name="Lena Lead")).to_be_visible()
    user = User.objects.get(username="lena.lead")
    assert user.email == "lena.lead@example.com"
    assert set(user.groups.values_list("name", flat=True)) == {PORTFOLIO_LEADS_GROUP}
    assert not user.has_usable_password()
    assert not user.is_staff
    assert not user.is_superuser

    # The portfolio dashboard opens for the lead.
    main.get_by_role("link", name="Portfolio").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.url.startswith(f"{live_server.url}/portfolio")


def test_a_sponsor_signs_in_through_the_provider_and_lands_with_the_sponsor_role(
    oidc_provider, live_server, page: Page
):
    # An existing local account: a mapped group no longer claimed goes, the
    # unmapped one and the staff flag stay, and the password still works.
    existing = factories.UserFactory(
        username="sam.sponsor", groups=[PORTFOLIO_LEADS_GROUP, "Auditors"], is_staff=True
    )
    sign_in_through_provider(page, live_server.url, "sam.sponsor")

    expect(page.get_by_role("heading", name="What needs you now")).to_be_visible()
    main = page.get_by_role("navigation", name="Main")
    expect(main.get_by_role("link", name="Register a pilot")).to_be_visible()
    expect(main.get_by_role("link", name="Review queue")).to_have_count(0)
    user = User.objects.get(username="sam.sponsor")
    assert user.pk == existing.pk
    assert set(user.groups.values_list("name", flat=True)) == {SPONSORS_GROUP, "Auditors"}
    assert user.is_staff
    assert user.email == "sam.sponsor@example.com"
    assert user.check_password("pw")


def test_a_deactivated_account_is_refused_and_keeps_no_session(oidc_provider, live_server, page):
    User.objects.create_user("lena.lead", is_active=False)
    sign_in_through_provider(page, live_server.url, "lena.lead")
    expect(page.locator(".message")).to_contain_text("Single sign-on did not sign you in")
    assert page.url == f"{live_server.url}/accounts/login/"
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url


def test_a_deep_link_survives_the_round_trip_through_the_provider(
    oidc_provider, live_server, page: Page
):
    page.goto(f"{live_server.url}/portfolio/")
    assert "/accounts/login/" in page.url
    page.get_by_role("link", name="Sign in with Example SSO").click()
    page.locator("input[name=login]").fill("lena.lead")
    page.locator("input[name=password]").fill("any password")
    page.locator("button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.url.startswith(f"{live_server.url}/portfolio/")


def test_the_provider_being_down_sends_the_user_back_with_a_message(
    oidc_provider, live_server, page: Page, settings
):
    settings.PILOTGATE_OIDC_ISSUER = f"http://127.0.0.1:{free_port()}"  # nobody listens
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Sign in with Example SSO").click()
    expect(page.locator(".message")).to_contain_text("Single sign-on did not sign you in")
    assert page.url == f"{live_server.url}/accounts/login/"


@pytest.mark.parametrize(("width", "local_accounts"), [(1280, True), (390, True), (390, False)])
def test_screenshot_of_the_sign_in_page_with_single_sign_on(
    oidc_provider, live_server, page: Page, settings, width, local_accounts
):
    settings.PILOTGATE_LOCAL_ACCOUNTS = local_accounts
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server.url}/accounts/login/")
    button = page.get_by_role("link", name="Sign in with Example SSO")
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box is not None
    assert 0 <= box["x"] < box["x"] + box["width"] <= width
    expect(page.get_by_label("Password")).to_have_count(1 if local_accounts else 0)
    assert blocking_violations(page) == []
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        name = f"login-sso-{width}{'' if local_accounts else '-sso-only'}.png"
        page.screenshot(path=str(Path(SHOTS) / name), full_page=True)
