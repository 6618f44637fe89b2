"""Back up and restore the database: what ``manage.py backup`` and ``restore`` share.

PostgreSQL: ``pg_dump --format=custom`` to a file and ``pg_restore --clean
--if-exists`` from it, with the connection of ``DATABASES`` (the client's major
version must be the server's or newer: both are checked). The embedded
SQLite: the online backup API (``sqlite3.Connection.backup``), a consistent
copy page by page while the site runs, and the same API back.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connections
from django.utils import timezone

SUFFIX = {"postgresql": ".dump", "sqlite": ".sqlite3"}


def vendor(alias: str = "default") -> str:
    name = connections[alias].vendor
    if name not in SUFFIX:
        raise CommandError(f"Backups support PostgreSQL and SQLite, not {name}.")
    return name


def default_path(alias: str = "default") -> Path:
    """``var/backups/pilotgate-20261201T031500Z.dump`` (UTC; ``.sqlite3`` for SQLite)."""
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    return Path(settings.VAR_DIR) / "backups" / f"pilotgate-{stamp}{SUFFIX[vendor(alias)]}"


def backup(path: Path, alias: str = "default") -> None:
    """Write a consistent copy of the database ``alias`` to ``path`` (refuses to overwrite)."""
    if path.exists():
        raise CommandError(f"{path} exists: choose another file.")
    path.parent.mkdir(parents=True, exist_ok=True)
    if vendor(alias) == "sqlite":
        database = _sqlite_name(alias)
        if not database.is_file():
            raise CommandError(f"No database at {database}: nothing to back up.")
        _sqlite_copy(database, path)
    else:
        _run_pg("pg_dump", ["--format=custom", f"--file={path}"], alias)


def restore(path: Path, alias: str = "default") -> None:
    """Replace the database ``alias`` with the backup at ``path``."""
    if not path.is_file():
        raise CommandError(f"No backup at {path}.")
    connections[alias].close()  # nothing of ours holds the database while it is replaced
    if vendor(alias) == "sqlite":
        _sqlite_check(path)
        _sqlite_copy(path, _sqlite_name(alias))
    else:
        _run_pg(
            "pg_restore",
            ["--clean", "--if-exists", "--no-owner", "--single-transaction", str(path)],
            alias,
        )


def _sqlite_name(alias: str) -> Path:
    name = str(connections[alias].settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file:"):
        raise CommandError(f"Cannot back up the in-memory SQLite database {name!r}.")
    return Path(name)


def _sqlite_check(path: Path) -> None:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as source:
            ok = source.execute("PRAGMA quick_check").fetchone()
    except sqlite3.DatabaseError as error:
        raise CommandError(f"{path} is not a SQLite backup: {error}") from None
    if ok != ("ok",):
        raise CommandError(f"{path} is damaged: {ok}")


def _sqlite_copy(source_path: Path, target_path: Path) -> None:
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    target = sqlite3.connect(target_path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def _run_pg(program: str, arguments: list[str], alias: str) -> None:
    binary = shutil.which(program)
    if binary is None:
        raise CommandError(f"{program} is not installed (Debian: postgresql-client).")
    db = connections[alias].settings_dict
    _check_versions(binary, alias)
    command = [binary, *_pg_connection(db), *arguments]
    env = {**os.environ, **({"PGPASSWORD": str(db["PASSWORD"])} if db.get("PASSWORD") else {})}
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise CommandError(f"{program} failed ({result.returncode}): {result.stderr.strip()}")


def _pg_connection(db: dict[str, Any]) -> list[str]:
    options = [f"--dbname={db['NAME']}"]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            options.append(f"{flag}={db[key]}")
    return options


def _check_versions(binary: str, alias: str) -> None:
    """pg_dump and pg_restore refuse newer servers; say so clearly before they run."""
    output = subprocess.run(  # noqa: S603
        [binary, "--version"], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"(\d+)\.\d+", output)
    client = int(match.group(1)) if match else 0
    server = connections[alias].cursor().connection.info.server_version // 10000
    connections[alias].close()
    if client < server:
        raise CommandError(
            f"{Path(binary).name} {client} cannot handle the PostgreSQL {server} server: "
            f"install postgresql-client-{server}."
        )
