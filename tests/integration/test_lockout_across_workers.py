"""The lock-out and the throttles hold across gunicorn workers (PostgreSQL + Redis).

The real thing: gunicorn with three sync workers on a free loopback port, the
test database (PostgreSQL) and a Redis cache with a key prefix of its own.
Every request opens a new connection, and each phase ends with a burst of
concurrent clients, so several workers answer (a sync worker serves one at a
time); gunicorn's access log names the worker (pid) that answered each one,
and the test checks that several did. Before this, each worker counted on its own (10/minute on
the token endpoint became 20 to 28) and X-Forwarded-For chose the address.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests import factories
from tests.integration.processes import database_url, free_port
from tests.services import redis_broker_url, require_postgresql

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 3
PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Site:
    """The gunicorn server: its address, and which worker answered what (its access log)."""

    def __init__(self, base: str, log: Path) -> None:
        self.base = base
        self.log = log

    def pids(self, path: str) -> Counter[str]:
        """How many requests for ``path`` each worker answered."""
        lines = self.log.read_text().splitlines()
        return Counter(line.split()[0] for line in lines if f" {path} " in f" {line} ")

    def sign_in(self, username: str, password: str, **headers: str) -> int:
        with requests.Session() as browser:  # a new connection, as a new client
            page = browser.get(f"{self.base}/accounts/login/", timeout=30)
            token = CSRF.search(page.text)
            assert token, page.text
            response = browser.post(
                f"{self.base}/accounts/login/",
                data={
                    "username": username,
                    "password": password,
                    "csrfmiddlewaretoken": token.group(1),
                },
                headers={"Referer": f"{self.base}/accounts/login/", **headers},
                allow_redirects=False,
                timeout=30,
            )
            return response.status_code

    def obtain_token(self, username: str, password: str, **headers: str) -> int:
        response = requests.post(
            f"{self.base}/api/v1/auth/token/",
            json={"username": username, "password": password, "name": "script"},
            headers={"Connection": "close", **headers},
            timeout=30,
        )
        return response.status_code

    def me(self, key: str, **headers: str) -> int:
        response = requests.get(
            f"{self.base}/api/v1/auth/me/",
            headers={"Authorization": f"Token {key}", "Connection": "close", **headers},
            timeout=30,
        )
        return response.status_code


@pytest.fixture
def site(tmp_path, transactional_db):
    require_postgresql()
    broker = redis_broker_url()
    port = free_port()
    log = tmp_path / "access.log"
    separator = "&" if "?" in broker else "?"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DJANGO_READ_DOT_ENV_FILE": "false",
        "DATABASE_URL": database_url(),  # the test database: the test's users are there
        "CELERY_BROKER_URL": broker,
        # One Redis for every worker, keys of this run only.
        "PILOTGATE_CACHE_URL": f"{broker}{separator}key_prefix=lockout-{uuid.uuid4().hex[:12]}",
        "PILOTGATE_API_TOKEN_RATE": "10/minute",  # the production default
        "PILOTGATE_TRUSTED_PROXIES": "0",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--access-logfile",
            str(log),
            "--access-logformat",
            "%(p)s %(s)s %(U)s",
        ],
        cwd=ROOT,
        env=env,
        stdout=(tmp_path / "server.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert server.poll() is None, (tmp_path / "server.log").read_text()
        try:
            if requests.get(f"{base}/health/", timeout=30).status_code == 200:
                break
        except (requests.ConnectionError, requests.Timeout):
            pass
        assert time.monotonic() < deadline, (tmp_path / "server.log").read_text()
        time.sleep(0.3)
    try:
        yield Site(base, log)
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.services
def test_lock_out_and_throttles_hold_across_workers(site):
    from pilots.accounts.tokens import token_create

    factories.UserFactory(username="alice", password=PASSWORD)
    bob = factories.UserFactory(username="bob", password=PASSWORD)
    _, bob_key = token_create(user=bob, name="script")

    # 20 wrong passwords, one connection each, spread over the workers, with a new
    # X-Forwarded-For every time: the 20th locks alice at this address.
    statuses = [
        site.sign_in("alice", f"wrong-{n}", **{"X-Forwarded-For": f"10.5.{n}.1"}) for n in range(20)
    ]
    assert statuses == [200] * 19 + [429]
    # The right password, 12 clients at once: refused by every worker.
    with ThreadPoolExecutor(max_workers=6) as pool:
        locked = list(pool.map(lambda _: site.sign_in("alice", PASSWORD), range(12)))
    assert locked == [429] * 12
    assert site.sign_in("bob", PASSWORD) == 302  # another account from this address
    answered_by = site.pids("/accounts/login/")
    assert len(answered_by) >= 2, answered_by

    # The token endpoint's 10/minute: 60 tries with rotating X-Forwarded-For, 10 answered.
    statuses = [
        site.obtain_token(f"nobody{n}", "wrong", **{"X-Forwarded-For": f"10.6.{n}.1"})
        for n in range(60)
    ]
    assert Counter(statuses) == {400: 10, 429: 50}
    assert statuses[:10] == [400] * 10
    with ThreadPoolExecutor(max_workers=6) as pool:  # at once, so several workers answer
        refused = list(pool.map(lambda n: site.obtain_token(f"late{n}", "wrong"), range(12)))
    assert refused == [429] * 12
    answered_by = site.pids("/api/v1/auth/token/")
    assert len(answered_by) >= 2, answered_by

    # Guessed keys: 20 answered 401, then the address is refused, a right key included.
    statuses = [site.me(f"guess-{n}", **{"X-Forwarded-For": f"10.7.{n}.1"}) for n in range(25)]
    assert statuses == [401] * 20 + [429] * 5
    # A right key from this address, 12 clients at once: refused by every worker.
    # (Sequential requests on fresh connections may all be accepted by one
    # worker; concurrent ones cannot be, as a sync worker answers one at a time.)
    with ThreadPoolExecutor(max_workers=6) as pool:
        refused = list(pool.map(lambda _: site.me(bob_key), range(12)))
    assert refused == [429] * 12
    answered_by = site.pids("/api/v1/auth/me/")
    assert len(answered_by) >= 2, answered_by
