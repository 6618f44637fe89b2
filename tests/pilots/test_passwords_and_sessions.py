"""Password reset (the same answer for every address, the email from a task, throttled),
what a new password does to API tokens, and how long a session lasts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from pilots.accounts import tasks
from pilots.accounts.passwords import RESET_TASK
from pilots.accounts.tokens import token_create
from pilots.models import ApiToken
from pilots.services.outbox import celery_app
from tests import factories

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a new and longer passphrase"
ADDRESS = "203.0.113.7"


@pytest.fixture
def alice(db):
    return factories.UserFactory(
        username="alice", email="alice@example.com", password=PASSWORD, is_staff=True
    )


@pytest.fixture
def relayed(monkeypatch):
    """The tasks the outbox hands to the broker, in order (the test broker has no worker)."""
    sent: list[dict[str, str]] = []

    def send_task(name: str, kwargs: dict[str, str]) -> None:
        assert name == RESET_TASK
        sent.append(kwargs)

    monkeypatch.setattr(celery_app, "send_task", send_task)
    return sent


def run_relayed(relayed: list[dict[str, str]]) -> None:
    """What a worker does with the relayed tasks."""
    for kwargs in relayed:
        tasks.password_reset_send.apply(kwargs=kwargs).get()


def ask_reset(email: str, address: str = ADDRESS):
    return Client(REMOTE_ADDR=address).post(reverse("password_reset"), {"email": email})


# Each request commits on its own, as in production (the outbox relays after commit).
@pytest.mark.django_db(transaction=True)
def test_reset_answers_the_same_for_known_and_unknown_addresses_and_mails_after_it(alice, relayed):
    answers, queries = [], []
    for email in ("alice@example.com", "nobody@example.com"):
        with CaptureQueriesContext(connection) as captured:
            response = ask_reset(email)
        answers.append((response.status_code, response["Location"], response.content))
        # The address is not looked up: the request records the task in the outbox
        # and hands it to the broker, the same statements for every address.
        statements = [query["sql"] for query in captured.captured_queries]
        assert not any("auth_user" in sql for sql in statements)
        queries.append([sql.split()[0] for sql in statements])
        assert relayed[-1] == {"email": email}
        assert mail.outbox == []  # nothing sent inside the request
    assert answers[0] == answers[1] == (302, reverse("password_reset_done"), b"")
    assert queries[0] == queries[1]
    run_relayed(relayed)
    assert [message.to for message in mail.outbox] == [["alice@example.com"]]
    assert f"{settings.SITE_URL}/accounts/reset/" in mail.outbox[0].body


@pytest.mark.django_db(transaction=True)
def test_reset_sends_at_most_three_emails_an_hour_to_one_address(alice, relayed):
    answers = {
        (response.status_code, response["Location"])
        for response in (ask_reset("Alice@Example.com") for _ in range(5))
    }
    assert answers == {(302, reverse("password_reset_done"))}  # the same answer, every time
    assert len(relayed) == 3
    run_relayed(relayed)
    assert len(mail.outbox) == 3


def test_reset_answers_429_to_an_address_that_asks_too_often(alice):
    statuses = [ask_reset(f"someone{n}@example.com").status_code for n in range(21)]
    assert statuses == [302] * 20 + [429]
    response = ask_reset("alice@example.com")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    # In minutes, as people read a wait (not "Try again in 1732 seconds").
    assert re.search(r"Try again in \d+ minutes?;", response.content.decode())
    assert "Too many reset requests" in response.content.decode()
    assert ask_reset("alice@example.com", address="198.51.100.20").status_code == 302


def test_the_reset_task_sends_nothing_for_an_unknown_or_inactive_address(alice):
    alice.is_active = False
    alice.save()
    tasks.password_reset_send.apply(kwargs={"email": "alice@example.com"}).get()
    tasks.password_reset_send.apply(kwargs={"email": "nobody@example.com"}).get()
    assert mail.outbox == []


# --- A new password and the API tokens ---------------------------------------------------


def change_password(client: Client, **extra: str):
    return client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
            **extra,
        },
    )


def active_tokens(user) -> list[str]:
    return list(
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).values_list("name", flat=True)
    )


def test_a_password_change_revokes_the_users_api_tokens(alice, client):
    token_create(user=alice, name="pipeline")
    other = factories.UserFactory(username="bob")
    token_create(user=other, name="bob's")
    client.force_login(alice)
    page = client.get(reverse("password_change")).content.decode()
    assert 'name="keep_api_tokens"' in page
    assert "checked" not in page.split('name="keep_api_tokens"')[1].split(">")[0]
    response = change_password(client)
    assert response.status_code == 302
    assert active_tokens(alice) == []
    assert active_tokens(other) == ["bob's"]


def test_a_password_change_keeps_the_tokens_when_asked(alice, client):
    token_create(user=alice, name="pipeline")
    client.force_login(alice)
    assert change_password(client, keep_api_tokens="on").status_code == 302
    assert active_tokens(alice) == ["pipeline"]


def test_a_refused_password_change_revokes_nothing(alice, client):
    token_create(user=alice, name="pipeline")
    client.force_login(alice)
    response = change_password(client, old_password="wrong")
    assert response.status_code == 200
    assert active_tokens(alice) == ["pipeline"]


def test_a_password_reset_revokes_the_tokens(alice):
    token_create(user=alice, name="pipeline")
    client = Client()
    uid = urlsafe_base64_encode(force_bytes(alice.pk))
    token = default_token_generator.make_token(alice)
    form_url = client.get(reverse("password_reset_confirm", args=[uid, token]))["Location"]
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert active_tokens(alice) == []


def test_the_admin_setting_a_password_revokes_the_users_tokens_unless_kept(alice, db):
    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    url = reverse("admin:auth_user_password_change", args=[alice.pk])
    assert 'name="keep_api_tokens"' in client.get(url).content.decode()
    data = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "set-password": "1"}

    token_create(user=alice, name="kept")
    assert client.post(url, {**data, "keep_api_tokens": "on"}).status_code == 302
    assert active_tokens(alice) == ["kept"]
    assert client.post(url, data).status_code == 302
    assert active_tokens(alice) == []


def test_the_admins_own_password_change_is_the_sites(alice, client):
    client.force_login(alice)
    response = client.get("/admin/password_change/")
    assert (response.status_code, response["Location"]) == (302, reverse("password_change"))


def test_the_tokens_page_shows_when_a_token_expires(alice, client, settings):
    settings.PILOTGATE_API_TOKEN_DAYS = 90
    with time_machine.travel("2026-03-01 10:00", tick=False):
        token_create(user=alice, name="pipeline")
        client.force_login(alice)
        html = client.get(reverse("pilots:tokens")).content.decode()
    assert "expires 30 May 2026 11:00" in html  # Europe/London, summer time
    assert "Each token stops working 90 days after it is created" in html
    with time_machine.travel("2026-06-01 10:00", tick=False):
        client.force_login(alice)
        html = client.get(reverse("pilots:tokens")).content.decode()
    assert "<strong>expired 30 May 2026 11:00</strong>" in html


# --- Sessions ---------------------------------------------------------------------------


def home_status(client: Client) -> int:
    return client.get(reverse("home")).status_code


def test_a_session_ends_after_two_idle_hours(alice, client):
    with time_machine.travel("2026-03-01 10:00", tick=False) as traveller:
        client.force_login(alice)
        assert home_status(client) == 200
        traveller.shift(timedelta(minutes=119))
        assert home_status(client) == 200  # activity renews it
        traveller.shift(timedelta(minutes=119))
        assert home_status(client) == 200
        traveller.shift(timedelta(minutes=121))
        assert home_status(client) == 302  # to sign in


def test_a_session_ends_a_day_after_sign_in_however_active(alice, client):
    with time_machine.travel("2026-03-01 10:00", tick=False) as traveller:
        client.force_login(alice)
        for _ in range(24):
            traveller.shift(timedelta(minutes=59))
            assert home_status(client) == 200
        traveller.shift(timedelta(minutes=30))  # 24 h 06 min after signing in
        assert home_status(client) == 302
        assert "_auth_user_id" not in client.session


def test_pages_do_not_write_the_session_on_every_request(alice, client, django_assert_num_queries):
    with time_machine.travel("2026-03-01 10:00", tick=False):
        client.force_login(alice)
        client.get(reverse("pilots:tokens"))
        # session, user, tokens, the navigation's roles and inbox count: no session write
        # + the header's saved views (scorecards.navigation)
        with django_assert_num_queries(6):
            client.get(reverse("pilots:tokens"))
