"""What the integration tests share to start real processes: a free port, the test
database's URL for them, and a Celery command."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

from django.db import connection

from tests.services import require_postgresql

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_url() -> str:
    """The test database's URL, so the processes started here see the test's rows."""
    require_postgresql()
    db = connection.settings_dict
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def celery(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """``celery -A config <args>`` from the project's root, its output into ``log``."""
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", *args],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def solo_worker(queue: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    """A one-process worker that reads only ``queue`` (Redis may hold other tests' tasks)."""
    return celery(
        [
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--queues",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
            "--hostname",
            f"{queue}@%h",
        ],
        env,
        log,
    )
