"""Response headers: the strict CSP on every page, the Permissions-Policy on every
response, ``Cache-Control: private`` on whatever a signed-in user or the API is sent,
and templates a strict CSP can hold (no inline script, style or event handler).

tests/e2e/test_csp.py proves the same pages render in a browser under the policy.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils.cache import get_max_age

from pilots.frame.headers import PrivateCacheMiddleware
from scorecards.services import scorecards_recompute

ROOT = Path(__file__).resolve().parents[1]

STRICT = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
DENIED_FEATURES = {"camera", "microphone", "geolocation", "payment", "usb", "serial", "hid"}


def policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    header = response["Content-Security-Policy"]
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: sources for name, *sources in directives}


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part}


def assert_strict(response) -> None:
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert policy(response) == STRICT


@pytest.fixture
def scored(running):
    scorecards_recompute()
    return running


# --- Content-Security-Policy ---------------------------------------------------------


def test_signed_in_pages_carry_the_strict_policy(client, lead, scored):
    client.force_login(lead)
    for path in (
        "/",
        reverse("pilots:detail", args=[scored.reference]),
        reverse("scorecards:dashboard"),
        reverse("scorecards:pilot", args=[scored.reference]),
        "/pilots/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_strict(response)


def test_public_pages_carry_the_strict_policy(client):
    for path in ("/accounts/login/", "/accounts/password_reset/", "/api/docs/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_strict(response)


def test_error_pages_carry_the_strict_policy(client, lead):
    client.force_login(lead)
    response = client.get("/pilots/PIL-9999/")
    assert response.status_code == 404
    assert_strict(response)


def test_the_admin_carries_the_strict_policy(client, admin_user, scored):
    client.force_login(admin_user)
    for path in (
        "/admin/",
        "/admin/pilots/pilot/",
        f"/admin/pilots/pilot/{scored.pk}/change/",
        f"/admin/auth/user/{admin_user.pk}/change/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_strict(response)


def test_swagger_ui_is_served_in_two_requests_with_no_inline_script(client):
    page = client.get("/api/docs/")
    html = page.content.decode()
    assert_strict(page)
    assert '<script src="/api/docs/?script="></script>' in html
    assert not re.search(r"<script>|<style", html)
    script = client.get("/api/docs/", {"script": ""})
    assert script.status_code == 200
    assert script["Content-Type"] == "application/javascript"
    assert "SwaggerUIBundle(" in script.content.decode()
    # The script holds the reader's CSRF token: no other site may include it.
    assert script["Cross-Origin-Resource-Policy"] == "same-origin"


def test_redoc_alone_gets_a_nonce_for_its_styles_and_a_blob_worker(client):
    response = client.get("/api/redoc/")
    assert response.status_code == 200
    html = response.content.decode()
    csp = policy(response)
    nonce = re.search(r'nonce="([^"]+)"', html)
    assert nonce is not None
    assert csp["style-src"][:2] == ["'self'", f"'nonce-{nonce.group(1)}'"]
    assert all(source.startswith("'sha256-") for source in csp["style-src"][2:])
    assert csp["worker-src"] == ["blob:"]
    assert csp["script-src"] == ["'self'"]
    assert "unsafe" not in response["Content-Security-Policy"]
    assert not re.search(r"<script>|<style|fonts.googleapis", html)
    # A nonce is new on every response.
    assert policy(client.get("/api/redoc/"))["style-src"][1] != csp["style-src"][1]


# --- Permissions-Policy --------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/health/", "/api/schema/", "/api/v1/auth/me/", "/nothing/"]
)
def test_every_response_denies_powerful_features(client, path):
    response = client.get(path)
    features = dict(
        part.strip().split("=", 1) for part in response["Permissions-Policy"].split(",")
    )
    assert {feature for feature, allow in features.items() if allow == "()"} >= DENIED_FEATURES


# --- Cache-Control -------------------------------------------------------------------


def test_pages_of_a_signed_in_user_are_private_and_not_stored(client, lead, scored):
    client.force_login(lead)
    for path in (
        "/",
        reverse("pilots:detail", args=[scored.reference]),
        reverse("scorecards:dashboard"),
        reverse("scorecards:export"),
        "/pilots/PIL-9999/",  # a 404 too
        "/admin/",
    ):
        response = client.get(path)
        assert {"private", "no-store"} <= cache_control(response), path
        assert "public" not in cache_control(response)


def test_api_answers_are_private_and_not_stored(client, lead, scored):
    anonymous = client.get("/api/v1/pilots/")  # an error says what exists, too
    assert anonymous.status_code == 401
    assert {"private", "no-store"} <= cache_control(anonymous)
    client.force_login(lead)
    session = client.get("/api/v1/pilots/")
    assert session.status_code == 200
    assert session["Content-Type"] == "application/json"
    assert {"private", "no-store"} <= cache_control(session)


def test_a_token_request_is_private_too(client, lead):
    token = client.post(
        "/api/v1/auth/token/",
        {"username": lead.username, "password": "pw", "name": "t", "scope": "read"},
        content_type="application/json",
    )
    assert token.status_code == 201
    assert {"private", "no-store"} <= cache_control(token)
    response = client.get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Token {token.json()['key']}")
    assert response.status_code == 200
    assert {"private", "no-store"} <= cache_control(response)


def test_the_login_page_keeps_djangos_never_cache(client):
    response = client.get("/accounts/login/")
    assert {"private", "no-store", "no-cache", "must-revalidate"} <= cache_control(response)
    assert get_max_age(response) == 0


def test_a_public_cache_header_a_view_sets_is_made_private_for_a_signed_in_user(lead):
    request = RequestFactory().get("/some/page/")
    request.user = lead

    def view(request):
        response = HttpResponse("hello")
        response["Cache-Control"] = "public, max-age=600"
        return response

    response = PrivateCacheMiddleware(view)(request)
    assert cache_control(response) == {"private", "no-store", "max-age=600"}


def test_static_files_keep_their_own_cache(lead):
    request = RequestFactory().get("/static/css/pilotgate.css")
    request.user = lead

    def static(request):
        response = HttpResponse("body {}")
        response["Cache-Control"] = "max-age=315360000, public, immutable"
        return response

    response = PrivateCacheMiddleware(static)(request)
    assert response["Cache-Control"] == "max-age=315360000, public, immutable"


# --- Templates a strict CSP can hold -------------------------------------------------

# Email bodies are read in mail clients, where styles must be inline and no CSP applies.
PAGE_TEMPLATES = sorted(
    path
    for path in (ROOT / "templates").rglob("*.html")
    if (ROOT / "templates" / "emails") not in path.parents
)
FORBIDDEN = {
    "a style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "a <style> block": re.compile(r"<style\b", re.IGNORECASE),
    "an inline <script>": re.compile(r"<script\b(?![^>]*\ssrc\s*=)[^>]*>", re.IGNORECASE),
    "an event-handler attribute": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "a javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def test_the_template_check_sees_every_page_template():
    names = {str(path.relative_to(ROOT / "templates")) for path in PAGE_TEMPLATES}
    assert {"base.html", "api/swagger_ui.html", "api/redoc.html"} <= names
    assert "emails/reminder.html" not in names
    assert len(names) > 50


@pytest.mark.parametrize(
    ("markup", "found"),
    [
        ('<p style="color: red">', "a style attribute"),
        ("<style>p {}</style>", "a <style> block"),
        ("<script>alert(1)</script>", "an inline <script>"),
        ('<script defer nonce="x">go()</script>', "an inline <script>"),
        ('<button onclick="go()">', "an event-handler attribute"),
        ('<a href="javascript:go()">', "a javascript: URL"),
    ],
)
def test_the_template_check_finds_each_kind(markup, found):
    assert [what for what, pattern in FORBIDDEN.items() if pattern.search(markup)] == [found]


def test_the_template_check_lets_an_external_script_through():
    markup = '<script src="/static/js/upload-progress.js" defer></script>'
    assert not any(pattern.search(markup) for pattern in FORBIDDEN.values())


COMMENTS = re.compile(r"{#.*?#}|{% comment %}.*?{% endcomment %}", re.DOTALL)


def test_no_page_template_has_inline_script_style_or_event_handlers():
    problems = [
        f"{path.relative_to(ROOT)}: {what}"
        for path in PAGE_TEMPLATES
        for what, pattern in FORBIDDEN.items()
        if pattern.search(COMMENTS.sub("", path.read_text()))
    ]
    assert problems == []
