"""`make loadtest`: the long load test (python -m tests.load).

With LOAD_HOST, loads that server (it must hold the demo data). Without, starts
gunicorn as `make web` does (config/gunicorn.conf.py) with the production
settings on LOAD_DATABASE_URL (created, migrated and seeded first) and
CELERY_BROKER_URL. LOAD_USERS (50) users for LOAD_TIME seconds (300). Exits
non-zero on any error.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

from tests.integration.gunicorn_server import gunicorn
from tests.load.runner import Figures, prepare, production_env, run_locust

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/pilotgate_load"


def create_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if exists.fetchone() is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def main() -> int:
    users = int(os.environ.get("LOAD_USERS", "50"))
    seconds = int(os.environ.get("LOAD_TIME", "300"))
    out = Path(tempfile.mkdtemp(prefix="pilotgate-load-"))
    host = os.environ.get("LOAD_HOST", "")
    figures: Figures
    if host:
        figures = run_locust(host=host, users=users, seconds=seconds, out=out)
    else:
        database = os.environ.get("LOAD_DATABASE_URL", DEFAULT_DATABASE)
        create_database(database)
        broker = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
        env = production_env(database_url=database, broker=broker, static_root=out / "static")
        prepare(env)
        with (out / "gunicorn.log").open("w") as log, gunicorn(env=env, log=log) as base:
            print(f"gunicorn at {base}; {users} users for {seconds} s", flush=True)
            figures = run_locust(host=base, users=users, seconds=seconds, out=out)
    print(figures)
    print(f"locust's CSV reports and the server log: {out}")
    for row in figures.failure_rows:
        print("FAILED", row)
    return 1 if figures.failures or figures.returncode else 0


if __name__ == "__main__":
    sys.exit(main())
