"""``make backup`` then ``make restore`` into a fresh database: every pilot, reading and event.

Real processes on databases of their own (``tests/integration/backup_data.py``
builds and summarises them), whatever database the rest of the suite uses:
a SQLite file (always) and, when the suite runs on PostgreSQL, two databases
the test creates next to the test database and drops at the end.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from tests.services import require_postgresql

ROOT = Path(__file__).resolve().parents[2]
PILOTS = 3
READINGS = 3  # per pilot


def run(database_url: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DJANGO_READ_DOT_ENV_FILE": "false",
        "CELERY_BROKER_URL": "memory://",  # refresh tasks stay inside each process
    }
    result = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        text=True,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
        check=False,
    )
    if check:
        assert result.returncode == 0, result.stderr[-3000:]
    return result


def summary(database_url: str) -> dict:
    output = run(database_url, "-m", "tests.integration.backup_data", "summary").stdout
    return json.loads(output.strip().splitlines()[-1])


def backup_and_restore(source: str, fresh: str, backup_file: Path) -> tuple[dict, dict]:
    run(source, "-m", "tests.integration.backup_data", "build", str(PILOTS))
    before = summary(source)
    made = run(source, "manage.py", "backup", "--output", str(backup_file))
    assert f"Backed up to {backup_file}" in made.stdout
    assert backup_file.stat().st_size > 0

    refused = run(fresh, "manage.py", "restore", str(backup_file), check=False)
    assert refused.returncode != 0
    assert "pass --yes" in refused.stderr  # no terminal to ask: refused, nothing done

    restored = run(fresh, "manage.py", "restore", str(backup_file), "--yes")
    assert "Restored" in restored.stdout
    return before, summary(fresh)


def check_everything_came_back(before: dict, after: dict) -> None:
    assert len(after["pilots"]) == PILOTS
    assert len(after["readings"]) == PILOTS * READINGS
    assert len(after["events"]) >= PILOTS * (1 + 4 + READINGS)  # created, gates, readings
    assert after == before
    # A few values, by name: the original baseline is in the creation of the metric, and
    # each reading's value and note in its event.
    created = [event for event in after["events"] if event[1] == "created"]
    assert created[0][4]["title"] == [None, "Backed-up pilot 0"]
    recorded = [event for event in after["events"] if event[1] == "reading_recorded"]
    assert recorded[0][4] == {"value": [None, "10"], "note": [None, "Week 0"]}
    assert after["readings"][1][2:] == ["10.2500", "Week 1"]
    assert after["history_update_refused"] is True  # the trigger came back too


def test_sqlite_backup_restores_into_a_fresh_file(tmp_path):
    source = tmp_path / "source.sqlite3"
    fresh = tmp_path / "fresh.sqlite3"
    before, after = backup_and_restore(
        f"sqlite:///{source}", f"sqlite:///{fresh}", tmp_path / "backup.sqlite3"
    )
    check_everything_came_back(before, after)


def test_restore_refuses_a_missing_file_and_a_file_that_is_no_backup(tmp_path):
    database = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    missing = run(database, "manage.py", "restore", str(tmp_path / "nope"), "--yes", check=False)
    assert (missing.returncode, "No backup at" in missing.stderr) == (1, True)
    junk = tmp_path / "junk.sqlite3"
    junk.write_text("not a database")
    refused = run(database, "manage.py", "restore", str(junk), "--yes", check=False)
    assert refused.returncode == 1
    assert "is not a SQLite backup" in refused.stderr
    assert not (tmp_path / "db.sqlite3").exists() or (tmp_path / "db.sqlite3").stat().st_size == 0
    no_file = run(database, "manage.py", "restore", check=False)
    assert no_file.returncode != 0  # the file is required: there is no default to restore


@pytest.fixture
def postgresql_databases() -> Iterator[tuple[str, str]]:
    """Two empty databases beside the test database, dropped at the end."""
    require_postgresql()
    settings = connection.settings_dict
    base = f"{settings['NAME']}_backup"
    names = [f"{base}_source", f"{base}_fresh"]
    server = {
        "host": settings["HOST"] or "127.0.0.1",
        "port": settings["PORT"] or 5432,
        "user": settings["USER"],
        "password": settings["PASSWORD"] or None,
    }

    def each(statement: str) -> None:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            for name in names:
                admin.execute(sql.SQL(statement).format(sql.Identifier(name)))

    each("DROP DATABASE IF EXISTS {} WITH (FORCE)")
    each("CREATE DATABASE {}")
    auth = f"{server['user']}:{server['password']}" if server["password"] else server["user"]
    urls = [f"postgres://{auth}@{server['host']}:{server['port']}/{name}" for name in names]
    try:
        yield urls[0], urls[1]
    finally:
        each("DROP DATABASE IF EXISTS {} WITH (FORCE)")


@pytest.mark.services
def test_postgresql_backup_restores_into_a_fresh_database(tmp_path, postgresql_databases):
    source, fresh = postgresql_databases
    before, after = backup_and_restore(source, fresh, tmp_path / "pilotgate.dump")
    check_everything_came_back(before, after)


def test_backup_refuses_a_missing_database_and_an_existing_file(tmp_path):
    missing = run(f"sqlite:///{tmp_path / 'none.sqlite3'}", "manage.py", "backup", check=False)
    assert (missing.returncode, "nothing to back up" in missing.stderr) == (1, True)
    database = tmp_path / "db.sqlite3"
    database.write_bytes(b"")
    taken = tmp_path / "taken.sqlite3"
    taken.write_text("an older backup")
    url = f"sqlite:///{database}"
    refused = run(url, "manage.py", "backup", "--output", str(taken), check=False)
    assert (refused.returncode, "exists: choose another file" in refused.stderr) == (1, True)
    assert taken.read_text() == "an older backup"
