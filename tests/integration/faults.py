"""Real services the fault tests start and break themselves: Redis, an SMTP sink, Celery.

Nothing here is a mock: a ``redis-server`` on a free port (stopped and started
again by the test), an SMTP server (aiosmtpd) that records every message it
receives and can be told to hold its answer (a send in flight), and Celery
worker and beat processes on the test's PostgreSQL database.
"""

from __future__ import annotations

import asyncio
import email
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from aiosmtpd.controller import Controller
from django.conf import settings

from tests.integration.processes import ROOT, database_url, free_port
from tests.services import unavailable


def wait_for(what: str, check: Callable[[], object], timeout: float, logs: Callable[[], str]):
    """Poll ``check`` until it returns something true; fail with the logs after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{logs()}")


# --- Redis -----------------------------------------------------------------------------------


class RedisServer:
    """A redis-server of the test's own on a free port, without persistence."""

    def __init__(self, log: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            unavailable("needs redis-server on PATH (Debian's redis-server package)")
        self.binary = binary or "redis-server"
        self.port = free_port()
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), 1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"redis-server did not start:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=20)
        self.process = None


# --- An SMTP sink ----------------------------------------------------------------------------


class SmtpSink:
    """An SMTP server recording (recipients, subject) of every message it receives.

    While ``stall`` is set it holds its answer to DATA after recording the
    message: the message has reached the server, the client waits for the
    "250" (a send in flight). ``in_flight`` counts the sends held.
    """

    def __init__(self) -> None:
        self.messages: list[tuple[float, str, str]] = []
        self.stall = threading.Event()
        self.in_flight = 0
        self._lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.controller.port}"

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content)
        with self._lock:
            self.messages.append(
                (time.monotonic(), ",".join(envelope.rcpt_tos), str(message["Subject"]))
            )
        if self.stall.is_set():
            with self._lock:
                self.in_flight += 1
            while self.stall.is_set():
                await asyncio.sleep(0.05)
            with self._lock:
                self.in_flight -= 1
        return "250 Message accepted for delivery"

    def received(self) -> Counter[tuple[str, str]]:
        with self._lock:
            return Counter((to, subject) for _, to, subject in self.messages)

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stall.clear()
        self.controller.stop()


# --- Celery processes ------------------------------------------------------------------------


def celery_env(*, broker: str, queue: str, email_url: str, **extra: str) -> dict[str, str]:
    """The environment of a worker, beat or command run against the test's database."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_READ_DOT_ENV_FILE": "false",
        "DJANGO_DEBUG": "false",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_DEFAULT_QUEUE": queue,  # nothing else on this Redis takes our tasks
        "EMAIL_URL": email_url,
        "TIME_ZONE": settings.TIME_ZONE,
        **extra,
    }


class Processes:
    """Worker and beat processes of one test, their logs, and their clean-up."""

    def __init__(self, tmp: Path, env: dict[str, str]) -> None:
        self.tmp = tmp
        self.env = env
        self.running: list[subprocess.Popen[bytes]] = []

    def celery(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", *args, "--loglevel=INFO"],
            cwd=ROOT,
            env=self.env,
            stdout=(self.tmp / f"{name}.log").open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.running.append(process)
        return process

    def worker(self, name: str, *, concurrency: int = 2) -> subprocess.Popen[bytes]:
        return self.celery(
            name,
            "worker",
            f"--concurrency={concurrency}",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"{name}-{self.env['CELERY_TASK_DEFAULT_QUEUE']}@%h",
        )

    def beat(self) -> subprocess.Popen[bytes]:
        return self.celery("beat", "beat", "--schedule", str(self.tmp / "beat-schedule"))

    def manage(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text()[-4000:]}"
            for path in sorted(self.tmp.glob("*.log"))
        )

    def stop(self) -> None:
        for process in self.running:
            if process.poll() is None:
                process.terminate()
        for process in self.running:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (a worker's pool), from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found
