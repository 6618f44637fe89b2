"""Slow clients cannot stall gunicorn as `make web` runs it (config/gunicorn.conf.py).

The audit's finding: three connections trickling their headers byte by byte
held the three sync workers, and /health/ took 33 s. With gthread workers a
slow client holds one thread; the others keep answering. (The reverse proxy
in front, deploy/nginx.conf, keeps slow clients off gunicorn altogether.)
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.integration.gunicorn_server import ROOT, get, gunicorn, gunicorn_config

SLOW_CLIENTS = 6  # more than the audit's three, and than the default 3 worker processes
ANSWER_WITHIN = 2.0  # seconds


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> dict[str, str]:
    """A migrated SQLite file of its own (no PostgreSQL needed: this is about sockets)."""
    path = tmp_path_factory.mktemp("slow") / "db.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{path}",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    return {"DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": f"sqlite:///{path}"}


def trickle(base: str, stop: threading.Event) -> None:
    """Send a request's headers one byte every 0.2 s, never finishing, until told to stop."""
    host, port = base.removeprefix("http://").split(":")
    request = b"GET /health/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 4000
    with socket.create_connection((host, int(port))) as sock:
        for byte in request:
            if stop.is_set():
                return
            sock.sendall(bytes([byte]))
            time.sleep(0.2)


def health_time_with_slow_clients(base: str) -> float:
    """The slowest of five /health/ requests made while the slow clients trickle."""
    for _ in range(20):  # every worker past its first request (URLs and views imported)
        get(base + "/health/")
    stop = threading.Event()
    clients = [
        threading.Thread(target=trickle, args=(base, stop), daemon=True)
        for _ in range(SLOW_CLIENTS)
    ]
    for client in clients:
        client.start()
    try:
        time.sleep(1.5)  # every slow client connected and sending
        slowest = 0.0
        for _ in range(5):  # on whichever workers they land
            started = time.monotonic()
            try:
                status, body = get(base + "/health/", timeout=2 * ANSWER_WITHIN)
            except OSError:
                return float("inf")
            slowest = max(slowest, time.monotonic() - started)
            assert status == 200, body
        return slowest
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=5)


def test_make_web_runs_threaded_workers():
    config = gunicorn_config()
    assert config["worker_class"] == "gthread"
    # Room for the slow clients with threads to spare, however they are spread.
    assert config["threads"] > SLOW_CLIENTS
    assert config["timeout"] > 0
    assert config["graceful_timeout"] > 0
    makefile = (ROOT / "Makefile").read_text()
    assert "--config config/gunicorn.conf.py" in makefile
    web_recipe = makefile.split("\nweb:", 1)[1].split("\n\n", 1)[0]
    assert "--workers" not in web_recipe
    assert "--worker-class" not in web_recipe


@pytest.mark.parametrize(("worker_class", "stalls"), [("gthread", False), ("sync", True)])
def test_health_answers_while_slow_clients_trickle_headers(
    database, tmp_path: Path, worker_class: str, stalls: bool
):
    """make web's gunicorn answers at once; the former command line (three sync workers)
    does not, which shows the test can fail."""
    options = (
        None
        if worker_class == "gthread"
        else ("--workers", "3", "--worker-class", "sync", "--graceful-timeout", "5")
    )
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("w") as log, gunicorn(env=database, log=log, options=options) as base:
        elapsed = health_time_with_slow_clients(base)
    print(f"\n/health/ with {SLOW_CLIENTS} slow clients, {worker_class}: slowest {elapsed:.2f} s")
    if stalls:
        assert elapsed > ANSWER_WITHIN
    else:
        assert elapsed < ANSWER_WITHIN, log_path.read_text()
