"""The embedded default (SQLite) takes a small team's concurrent writes without an error.

Real OS processes on a SQLite file of their own, whatever database the rest of
the suite uses: web-style service writes from several processes while another
recomputes every scorecard in a loop, as the worker does. Without WAL, a busy
timeout and transactions that take the write lock up front, the services'
read-then-write transactions are refused with "database is locked".
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WRITERS = 4  # web processes, each on its own draft and running pilot
WRITES = 30  # each: a third registration edits, a third readings, a third plain updates


@pytest.fixture
def processes():
    """Start Python processes in the repository; any still running at the end are killed."""
    started: list[subprocess.Popen] = []

    def start(env: dict[str, str], *args: str) -> subprocess.Popen:
        started.append(
            subprocess.Popen(
                [sys.executable, "-m", "tests.integration.sqlite_writers", *args],
                cwd=ROOT,
                env=env,
                text=True,
                stdout=subprocess.PIPE,
            )
        )
        return started[-1]

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_sqlite_takes_writes_from_several_processes_at_once(tmp_path, processes):
    database = tmp_path / "pilotgate.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DJANGO_READ_DOT_ENV_FILE": "false",
        # Refresh tasks stay inside each process, never on the suite's Redis.
        "CELERY_BROKER_URL": "memory://",
    }
    setup = processes(env, "setup", str(WRITERS))
    cast = json.loads(setup.communicate(timeout=120)[0])
    assert setup.returncode == 0

    go, stop, recomputed = tmp_path / "go", tmp_path / "stop", tmp_path / "recomputed"
    webs = [
        processes(
            env, "web", str(i), str(draft), str(metric), str(WRITES), str(go), str(recomputed)
        )
        for i, (draft, metric) in enumerate(zip(cast["drafts"], cast["metrics"], strict=True))
    ]
    worker = processes(env, "recompute", str(go), str(stop), str(recomputed))
    for process in [*webs, worker]:
        assert process.stdout.readline().strip() == "ready"
    go.touch()  # every process starts writing at once
    results = [json.loads(web.communicate(timeout=120)[0]) for web in webs]
    stop.touch()
    recomputes = json.loads(worker.communicate(timeout=60)[0])

    assert [r["errors"] for r in results] == [[]] * WRITERS
    assert recomputes["errors"] == []
    assert [r["writes"] for r in results] == [WRITES] * WRITERS
    # The worker committed while the web writers wrote (they wait for it, up to a minute).
    assert recomputes["writes"] >= 1
    assert all(r["saw_recompute"] for r in results)

    with closing(sqlite3.connect(database)) as db:
        readings = db.execute("SELECT count(*) FROM pilots_metricreading").fetchone()[0]
        edits = db.execute(
            "SELECT count(*) FROM pilots_pilotevent WHERE action = 'updated'"
        ).fetchone()[0]
        last = db.execute(
            "SELECT problem_statement FROM pilots_pilot WHERE stage = 'draft' ORDER BY id"
        ).fetchall()
    assert readings == len(range(1, WRITES, 3)) * WRITERS
    assert edits == len(range(0, WRITES, 3)) * WRITERS
    last_edit = max(range(0, WRITES, 3))
    assert last == [(f"Edit {last_edit} by writer {i}.",) for i in range(WRITERS)]
