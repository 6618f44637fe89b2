"""`make run` stops cleanly on Ctrl-C: every process shuts down gracefully, nothing is killed.

The real thing: `make run` (its migrate step and honcho with the Procfile; not
the install and seed steps) on a SQLite file and broker folders of its own, in
a session of its own, stopped with SIGINT to its process group as a terminal's
Ctrl-C does.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time

import pytest

from tests.integration.processes import ROOT, free_port

STOP_WITHIN = 25  # seconds; honcho would SIGKILL at 30 (Makefile: HONCHO)


@pytest.fixture
def make_run(tmp_path):
    """`make run` in a new session; yields (process, lines read so far); killed if left running."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "CELERY_BROKER_URL", "PILOTGATE_REQUIRE_SERVICES")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DJANGO_READ_DOT_ENV_FILE="false",
        PILOTGATE_VAR_DIR=str(tmp_path),
        PORT=str(free_port()),
    )
    process = subprocess.Popen(
        ["make", "-o", "install", "-o", "seed", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()
    yield process, lines
    if process.poll() is None:  # the test failed: stop it as Ctrl-C does, then by force
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=40)  # honcho kills what still runs 30 s after it began
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # honcho's own processes are left
            process.wait()
    reader.join(timeout=5)


def wait_for(lines: list[str], *needles: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not all(any(needle in line for line in lines) for needle in needles):
        assert time.monotonic() < deadline, f"never saw {needles}:\n{''.join(lines)}"
        time.sleep(0.2)


def test_make_run_stops_gracefully_on_ctrl_c(make_run):
    process, lines = make_run
    wait_for(lines, "celery@", " ready.", "beat: Starting", "Quit the server with")
    # Stop a site that is up, as a person does: once the worker has run beat's first
    # task (its pool's processes have started). Ctrl-C within the same second as
    # "ready", on a loaded machine, can reach a pool process still starting, which
    # Celery then reports as an ERROR (seen once in CI under load).
    wait_for(lines, "Task pilots.heartbeat_record", "succeeded in")
    time.sleep(2)

    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
    try:
        process.wait(timeout=STOP_WITHIN)
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running {STOP_WITHIN} s after Ctrl-C:\n{''.join(lines)}")
    time.sleep(0.5)  # the last lines
    output = "".join(lines)

    assert "worker: Warm shutdown (MainProcess)" in output
    assert "worker.1 stopped (rc=0)" in output
    assert "beat.1 stopped (rc=0)" in output
    assert "web.1 stopped" in output
    for noise in ("Traceback", "ERROR", "WorkerLostError", "SIGKILL", "make: ***"):
        assert noise not in output, f"{noise!r} in:\n{output}"
    # make itself ends as an interrupted command does, quietly.
    assert process.returncode in (0, -signal.SIGINT)
