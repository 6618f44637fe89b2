"""Sign-in protection on the web doors: the sign-in page and the admin's.

20 wrong passwords (PILOTGATE_LOGIN_FAILURE_LIMIT) for one account from one
address lock that account at that address for PILOTGATE_LOGIN_COOLOFF_MINUTES:
the right password is refused too, without being checked, while the account
from another address, and other accounts from this one, still sign in. The
token endpoint's side is in tests/api/test_token_throttle.py.
"""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth.hashers import check_password
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from pilots.accounts.addresses import client_address
from pilots.accounts.lockout import LOCKED_OUT
from tests import factories

PASSWORD = "correct horse battery"
ATTACKER = "203.0.113.7"
ELSEWHERE = "198.51.100.20"
LIMIT = 20
LOCKED_MESSAGE = escape(LOCKED_OUT.format(minutes=15))

DOORS = {
    "web": ("login", "/"),
    "admin": ("admin:login", "/admin/"),
}


@pytest.fixture
def alice(db):
    return factories.UserFactory(username="alice", password=PASSWORD, is_staff=True)


@pytest.fixture
def bob(db):
    return factories.UserFactory(username="bob", password=PASSWORD, is_staff=True)


def sign_in(door: str, username: str, password: str, address: str = ATTACKER, **extra):
    client = Client(REMOTE_ADDR=address)
    name, next_url = DOORS[door]
    response = client.post(
        reverse(name), {"username": username, "password": password, "next": next_url}, **extra
    )
    return client, response


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def fail(door: str, username: str, times: int, address: str = ATTACKER, **extra) -> list[int]:
    """``times`` wrong passwords; their status codes (the 20th answers the lock-out: 429)."""
    statuses = []
    for attempt in range(times):
        client, response = sign_in(door, username, f"wrong-{attempt}", address, **extra)
        assert not signed_in(client)
        statuses.append(response.status_code)
    return statuses


@pytest.mark.parametrize("door", DOORS)
def test_twenty_wrong_passwords_lock_the_door_for_that_account_and_address(door, alice, bob):
    assert fail(door, "alice", LIMIT) == [200] * (LIMIT - 1) + [429]

    client, response = sign_in(door, "alice", PASSWORD)
    assert response.status_code == 429
    assert response["Retry-After"] == str(15 * 60)
    assert LOCKED_MESSAGE in response.content.decode()
    assert not signed_in(client)

    # The same account from another address, another account from this one: unaffected.
    client, response = sign_in(door, "alice", PASSWORD, address=ELSEWHERE)
    assert (response.status_code, signed_in(client)) == (302, True)
    client, response = sign_in(door, "bob", PASSWORD)
    assert (response.status_code, signed_in(client)) == (302, True)


def test_the_lock_out_page_is_a_page_of_the_site(alice):
    fail("web", "alice", LIMIT)
    _, response = sign_in("web", "alice", PASSWORD)
    html = response.content.decode()
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "<h1>Sign-in locked for now</h1>" in html
    assert reverse("password_reset") in html
    assert '<p role="alert">' in html


def test_a_locked_attempt_checks_no_password_and_stores_nothing(alice):
    fail("web", "alice", LIMIT)
    before = list(AccessAttempt.objects.values_list("failures_since_start", "attempt_time"))
    assert before[0][0] == LIMIT
    with mock.patch("django.contrib.auth.base_user.check_password", wraps=check_password) as hash_:
        for _ in range(5):
            _, response = sign_in("web", "alice", PASSWORD)
            assert response.status_code == 429
    assert hash_.call_count == 0  # refused before the password hash is computed
    after = list(AccessAttempt.objects.values_list("failures_since_start", "attempt_time"))
    assert after == before
    assert PASSWORD not in AccessAttempt.objects.get().post_data  # never stored


def test_nineteen_failures_then_success_starts_the_count_again(alice):
    assert fail("web", "alice", LIMIT - 1) == [200] * (LIMIT - 1)
    client, response = sign_in("web", "alice", PASSWORD)
    assert (response.status_code, signed_in(client)) == (302, True)
    assert not AccessAttempt.objects.exists()
    assert fail("web", "alice", LIMIT - 1) == [200] * (LIMIT - 1)
    client, response = sign_in("web", "alice", PASSWORD)
    assert (response.status_code, signed_in(client)) == (302, True)


def test_the_lock_lifts_after_the_cool_off(alice):
    with time_machine.travel("2026-03-01 10:00", tick=False) as traveller:
        fail("web", "alice", LIMIT)
        traveller.shift(timedelta(minutes=14))
        assert sign_in("web", "alice", PASSWORD)[1].status_code == 429
        traveller.shift(timedelta(minutes=2))
        client, response = sign_in("web", "alice", PASSWORD)
        assert (response.status_code, signed_in(client)) == (302, True)


def test_failures_at_one_door_count_at_the_others(alice):
    """One count per account and address: ten at the admin and ten here lock both."""
    fail("admin", "alice", LIMIT // 2)
    fail("web", "alice", LIMIT // 2)
    assert sign_in("admin", "alice", PASSWORD)[1].status_code == 429
    assert sign_in("web", "alice", PASSWORD)[1].status_code == 429


def test_rotating_forwarded_for_and_user_agent_do_not_escape_the_lock(alice):
    """With no trusted proxy (the default) X-Forwarded-For is ignored."""
    statuses = [
        sign_in(
            "web",
            "alice",
            "wrong",
            HTTP_X_FORWARDED_FOR=f"10.1.{attempt}.1",
            HTTP_USER_AGENT=f"agent/{attempt}",
        )[1].status_code
        for attempt in range(LIMIT)
    ]
    assert statuses == [200] * (LIMIT - 1) + [429]
    _, response = sign_in("web", "alice", PASSWORD, HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert response.status_code == 429


def test_behind_one_trusted_proxy_the_address_is_the_one_the_proxy_saw(alice, settings):
    settings.PILOTGATE_TRUSTED_PROXIES = 1
    proxy = "10.0.0.2"
    for attempt in range(LIMIT):
        # A client's own X-Forwarded-For entry comes first; the proxy appends the peer.
        forwarded = f"1.2.3.{attempt}, {ATTACKER}"
        sign_in("web", "alice", "wrong", address=proxy, HTTP_X_FORWARDED_FOR=forwarded)
    _, response = sign_in("web", "alice", PASSWORD, proxy, HTTP_X_FORWARDED_FOR=ATTACKER)
    assert response.status_code == 429
    client, response = sign_in("web", "alice", PASSWORD, proxy, HTTP_X_FORWARDED_FOR=ELSEWHERE)
    assert (response.status_code, signed_in(client)) == (302, True)


@pytest.mark.parametrize(
    ("trusted", "forwarded", "expected"),
    [
        (0, "", "192.0.2.1"),
        (0, "6.6.6.6", "192.0.2.1"),
        (1, "", "192.0.2.1"),
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),
        (2, "6.6.6.6, 203.0.113.7, 10.0.0.3", "203.0.113.7"),
        (3, "203.0.113.7", "203.0.113.7"),  # fewer hops than proxies: the first
        (1, " , ", "192.0.2.1"),
    ],
)
def test_client_address_trusts_only_the_configured_proxies(settings, trusted, forwarded, expected):
    from django.test import RequestFactory
    from rest_framework.settings import api_settings
    from rest_framework.throttling import BaseThrottle

    settings.PILOTGATE_TRUSTED_PROXIES = trusted
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": trusted}
    meta = {"REMOTE_ADDR": "192.0.2.1"}
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    request = RequestFactory().get("/", **meta)
    assert client_address(request) == expected
    if forwarded.strip(" ,"):  # DRF's throttles pick the same address
        assert trusted == api_settings.NUM_PROXIES
        assert BaseThrottle().get_ident(request) == expected
