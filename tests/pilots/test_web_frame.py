"""The frame: sign-in pages, navigation by role, error pages, assets from packages."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail
from django.template.loader import render_to_string
from django.urls import reverse

from tests import factories


def _nav(response) -> str:
    return re.search(r'<nav aria-label="Main".*?</nav>', response.content.decode(), re.S).group(0)


def test_navigation_fits_the_roles(client, sponsor, lead, member):
    client.force_login(sponsor)
    nav = _nav(client.get("/"))
    assert "Register a pilot" in nav
    assert "Review queue" not in nav

    client.force_login(lead)
    nav = _nav(client.get("/"))
    assert "Register a pilot" in nav
    assert "Review queue" in nav

    client.force_login(member)
    nav = _nav(client.get("/"))
    assert "Register a pilot" not in nav
    assert "Review queue" not in nav
    assert 'href="/pilots/"' in nav


def test_assets_come_from_installed_packages_not_a_cdn(client, member):
    client.force_login(member)
    html = client.get("/").content.decode()
    assert '<script src="/static/django_htmx/htmx-2.min.js"' in html
    assert "/static/css/pilotgate.css" in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<style" not in html
    assert " style=" not in html


def test_password_reset_sends_a_working_link(
    client, db, monkeypatch, django_capture_on_commit_callbacks
):
    from pilots.accounts import tasks
    from pilots.services.outbox import celery_app

    # The email is sent by a task after the answer (tests/pilots/test_passwords_and_sessions.py);
    # here the task the outbox relays runs in this process once the request commits.
    monkeypatch.setattr(
        celery_app,
        "send_task",
        lambda name, kwargs: tasks.password_reset_send.apply(kwargs=kwargs),
    )
    user = factories.UserFactory(username="forgetful", email="forgetful@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": "forgetful@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Reset your Pilotgate password"
    # The link starts with SITE_URL (the task has no request to take a host from).
    link = re.search(re.escape(settings.SITE_URL) + r"(/accounts/reset/\S+/)", message.body).group(
        1
    )

    form = client.get(link, follow=True)
    assert b"Choose a new password" in form.content
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-long-new-passphrase", "new_password2": "a-long-new-passphrase"},
        follow=True,
    )
    assert b"Password set" in done.content
    user.refresh_from_db()
    assert user.check_password("a-long-new-passphrase")


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client, db):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"}, follow=True)
    assert b"Check your email" in response.content
    assert mail.outbox == []


def test_password_change_validates_and_changes(client, db):
    user = factories.UserFactory(username="changer")
    client.force_login(user)
    wrong = client.post(
        reverse("password_change"),
        {"old_password": "nope", "new_password1": "x", "new_password2": "y"},
    )
    assert "Your old password was entered incorrectly" in wrong.content.decode()
    assert "The two password fields didn’t match." in wrong.content.decode()  # noqa: RUF001
    user.refresh_from_db()
    assert user.check_password("pw")

    client.post(
        reverse("password_change"),
        {
            "old_password": "pw",
            "new_password1": "a-long-new-passphrase",
            "new_password2": "a-long-new-passphrase",
        },
    )
    user.refresh_from_db()
    assert user.check_password("a-long-new-passphrase")


def test_login_refuses_a_wrong_password_with_a_message(client, db):
    factories.UserFactory(username="someone")
    response = client.post(reverse("login"), {"username": "someone", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_logout_is_a_post_and_lands_on_sign_in(client, member):
    client.force_login(member)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")


def test_logout_address_answers_a_get_by_asking_first(client, member):
    """Django 5's LogoutView answered a GET (a typed or reloaded address) 405, empty."""
    client.force_login(member)
    response = client.get(reverse("logout"))
    content = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Sign out?</h1>" in content
    assert f'<form method="post" action="{reverse("logout")}">' in content
    assert client.get(reverse("home")).status_code == 200  # still signed in

    client.post(reverse("logout"))
    response = client.get(reverse("logout"))  # the address again, signed out
    assert (response.status_code, response["Location"]) == (302, reverse("login"))


@pytest.mark.parametrize(
    ("url", "status", "text"),
    [
        ("/pilots/PIL-9999/", 404, "belongs to a pilot you are not part of"),
        ("/review/", 403, "Only portfolio leads review proposed pilots."),
    ],
)
def test_error_pages_share_the_frame(client, member, url, status, text):
    client.force_login(member)
    response = client.get(url)
    assert response.status_code == status
    html = response.content.decode()
    assert text in html
    assert 'aria-label="Main"' in html  # the site's navigation, not Django's bare page


def test_server_error_page_needs_no_context():
    html = render_to_string("500.html")
    assert "Something went wrong on our side" in html
    assert "/static/css/pilotgate.css" in html


def test_the_menu_button_controls_everything_after_the_brand(client, member):
    """On a phone the header is the brand and a button (static/js/site-menu.js) that shows
    and hides the rest (tests/e2e/test_narrow_screens.py drives it)."""
    client.force_login(member)
    html = client.get("/").content.decode()
    header = re.search(r'<header class="site-header">.*?</header>', html, re.S).group(0)
    button = re.search(r"<button[^>]*class=\"menu-toggle\"[^>]*>", header).group(0)
    assert 'type="button"' in button
    assert 'aria-expanded="false"' in button
    assert 'aria-controls="site-menu"' in button
    menu = header[header.index('<div class="site-menu" id="site-menu">') :]
    assert '<nav aria-label="Main"' in menu
    assert 'class="account"' in menu
    assert '<script src="/static/js/site-menu.js"></script>' in html  # before the first paint


TEMPLATES = settings.BASE_DIR / "templates"
SCROLL_BOX = re.compile(
    r'<(div|pre) class="(table-wrap[^"]*|code)" role="region" aria-label="[^"]+" tabindex="0">'
)


@pytest.mark.parametrize(
    "path",
    sorted(
        str(p.relative_to(TEMPLATES))
        for p in TEMPLATES.rglob("*.html")
        if "<table" in p.read_text() or "<pre" in p.read_text()
    ),
)
def test_every_table_and_code_block_scrolls_in_a_box_the_keyboard_reaches(path):
    """A table (or code) wider than a phone scrolls inside its own box, never the page; the
    box is a named region that takes focus, so keyboard users can scroll it too (axe:
    scrollable-region-focusable). Emails are not web pages."""
    if path.startswith("emails/"):
        pytest.skip("an email's layout table")
    text = (TEMPLATES / path).read_text()
    for match in re.finditer(r"<table|<pre", text):
        before = text[: match.start()].rstrip()
        if match.group(0) == "<pre":
            opening = text[match.start() : text.index(">", match.start()) + 1]
            assert SCROLL_BOX.fullmatch(opening), f"{path}: {opening}"
        else:
            assert SCROLL_BOX.search(before[before.rindex("<") :]), f"{path}: {before[-200:]}"
