"""The API's password door and its keys: lock-out, throttles, bad keys, expiry.

POST /api/v1/auth/token/ checks a password: 20 failures lock that account at
that address (django-axes, as the web doors), and its own rate
(PILOTGATE_API_TOKEN_RATE) holds whatever X-Forwarded-For a client sends.
A wrong ``Authorization: Token`` key is counted per address: over
PILOTGATE_API_BAD_TOKEN_RATE the address is answered 429, key unread.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from pilots.accounts.tokens import token_create
from pilots.models import ApiToken
from tests import factories

PASSWORD = "correct horse battery"
ATTACKER = "203.0.113.7"
ELSEWHERE = "198.51.100.20"
TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture
def alice(db):
    return factories.UserFactory(username="alice", password=PASSWORD)


@pytest.fixture
def bob(db):
    return factories.UserFactory(username="bob", password=PASSWORD)


def obtain(username: str, password: str, address: str = ATTACKER, **extra):
    return APIClient(REMOTE_ADDR=address).post(
        TOKEN_URL, {"username": username, "password": password, "name": "script"}, **extra
    )


def test_twenty_wrong_passwords_lock_the_token_endpoint_for_that_account_and_address(alice, bob):
    statuses = [obtain("alice", f"wrong-{n}").status_code for n in range(20)]
    assert statuses == [400] * 19 + [429]

    response = obtain("alice", PASSWORD)
    assert response.status_code == 429
    assert response.json() == {
        "code": "locked_out",
        "detail": "Too many failed sign-in attempts for this account from your address. "
        "Try again in 15 minutes, or reset your password.",
    }
    assert response["Retry-After"] == str(15 * 60)
    assert not ApiToken.objects.exists()  # nothing issued on a locked attempt

    assert obtain("alice", PASSWORD, address=ELSEWHERE).status_code == 201
    assert obtain("bob", PASSWORD).status_code == 201


def test_a_token_obtained_resets_the_count(alice):
    for _ in range(2):
        assert [obtain("alice", "wrong").status_code for _ in range(19)] == [400] * 19
        response = obtain("alice", PASSWORD)
        assert response.status_code == 201
        assert "sessionid" not in response.cookies  # a token, not a session


def test_spoofed_forwarded_for_does_not_escape_the_lock_out(alice):
    statuses = [
        obtain("alice", "wrong", HTTP_X_FORWARDED_FOR=f"10.2.{n}.{n}").status_code
        for n in range(20)
    ]
    assert statuses == [400] * 19 + [429]
    assert obtain("alice", PASSWORD, HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 429


@pytest.fixture
def token_rate(monkeypatch):
    """The production rate of the token endpoint (the test settings raise every rate)."""
    monkeypatch.setattr(
        ScopedRateThrottle,
        "THROTTLE_RATES",
        {**ScopedRateThrottle.THROTTLE_RATES, "token": "10/minute"},
    )


def test_the_token_rate_holds_with_rotating_forwarded_for(alice, bob, token_rate):
    """60 tries, a new X-Forwarded-For each: 10 answered, 50 throttled (the audit saw 60 of 60)."""
    statuses = [
        obtain("bob" if n % 2 else "alice", "wrong", HTTP_X_FORWARDED_FOR=f"10.3.{n}.1").status_code
        for n in range(60)
    ]
    assert statuses == [400] * 10 + [429] * 50
    throttled = obtain("alice", PASSWORD, HTTP_X_FORWARDED_FOR="10.3.99.1")
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "throttled"
    assert 0 < int(throttled["Retry-After"]) <= 60
    assert obtain("alice", PASSWORD, address=ELSEWHERE).status_code == 201


def me(key: str, address: str = ATTACKER, **extra):
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}", **extra)
    return client.get("/api/v1/auth/me/")


def test_guessed_keys_are_throttled_per_address(alice):
    _, key = token_create(user=alice, name="script")
    statuses = [me(f"guess-{n}", HTTP_X_FORWARDED_FOR=f"10.4.{n}.1").status_code for n in range(20)]
    assert statuses == [401] * 20

    response = me("guess-21")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert response.json()["detail"].startswith(
        "Too many requests with an invalid token from your address. Expected available in "
    )
    assert 0 < int(response["Retry-After"]) <= 60
    assert me(key).status_code == 429  # even a right key: the address is throttled, key unread
    # Another address is not; the window passes.
    assert me(key, address=ELSEWHERE).status_code == 200
    assert me("guess", address=ELSEWHERE).status_code == 401


def test_the_bad_key_window_passes(alice):
    _, key = token_create(user=alice, name="script")
    with time_machine.travel("2026-03-01 10:00:05", tick=False) as traveller:
        for n in range(20):
            me(f"guess-{n}")
        assert me(key).status_code == 429
        traveller.shift(timedelta(minutes=1))
        assert me(key).status_code == 200


def test_right_keys_and_requests_without_a_key_are_not_counted(alice):
    _, key = token_create(user=alice, name="script")
    assert {me(key).status_code for _ in range(30)} == {200}
    anonymous = APIClient(REMOTE_ADDR=ATTACKER)
    assert {anonymous.get("/api/v1/auth/me/").status_code for _ in range(30)} == {401}
    assert me("guess").status_code == 401


def test_tokens_never_expire_by_default(alice):
    _, key = token_create(user=alice, name="script")
    with time_machine.travel(timedelta(days=3650)):
        assert me(key).status_code == 200


def test_a_token_older_than_the_set_days_is_refused_clearly(alice, settings):
    settings.PILOTGATE_API_TOKEN_DAYS = 30
    with time_machine.travel("2026-03-01 10:00", tick=False) as traveller:
        token, key = token_create(user=alice, name="script")
        assert token.expires_at.isoformat() == "2026-03-31T10:00:00+00:00"
        listed = APIClient()
        listed.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert [
            row["expires_at"] for row in listed.get("/api/v1/auth/tokens/").json()["results"]
        ] == ["2026-03-31T11:00:00+01:00"]
        traveller.shift(timedelta(days=29, hours=23))
        assert me(key).status_code == 200
        traveller.shift(timedelta(hours=1))
        response = me(key)
    assert response.status_code == 401
    assert response.json() == {
        "code": "token_expired",
        "detail": "This token expired on 31 Mar 2026 11:00 BST: create a new one "
        "(Account > API tokens, or POST /api/v1/auth/token/).",
    }
