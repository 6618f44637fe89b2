"""Run locust headless against a server, and read its figures: for the test and `make loadtest`."""

from __future__ import annotations

import csv
import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCUST = Path(sys.executable).with_name("locust")
LOCUSTFILE = "tests/load/locustfile.py"


def production_env(
    *,
    database_url: str,
    broker: str,
    static_root: Path,
    settings: str = "config.settings.production",
) -> dict[str, str]:
    """What the production settings insist on, for a server on loopback over plain http."""
    return {
        "DJANGO_SETTINGS_MODULE": settings,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": "http://127.0.0.1",
        "EMAIL_URL": "smtp://127.0.0.1:2525",  # nothing is sent: no worker runs
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_TRUST_X_FORWARDED_PROTO": "false",
        "DJANGO_SECURE_HSTS_SECONDS": "0",
        "DJANGO_STATIC_ROOT": str(static_root),
        # The load test measures serving, not the API's per-user throttle (tested on
        # its own): 50 users share the 11 demo accounts.
        "PILOTGATE_API_USER_RATE": "1000000/hour",
    }


def manage(*args: str, env: dict[str, str]) -> None:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    print(f"manage.py {args[0]}: {time.monotonic() - started:.1f} s", flush=True)


def prepare(env: dict[str, str]) -> None:
    """Migrate, seed the demo data (as `make seed`) and collect the static files."""
    manage("migrate", "--noinput", env=env)
    # Local settings for the seed: the demo refuses production settings.
    seed_env = {**env, "DJANGO_SETTINGS_MODULE": "config.settings.local"}
    manage("seed_demo", env=seed_env)
    manage("recompute_scorecards", "--history", "8", env=seed_env)
    manage("collectstatic", "--noinput", "-v0", env=env)


@dataclass(frozen=True)
class Figures:
    users: int
    seconds: int
    requests: int
    failures: int
    per_second: float
    median_ms: float
    p95_ms: float
    failure_rows: list[str]
    counts: dict[str, int]  # requests by name
    returncode: int
    output: str

    def __str__(self) -> str:
        return (
            f"load: {self.users} users, {self.seconds} s: {self.requests} requests, "
            f"{self.per_second:.1f} requests/s, median {self.median_ms:.0f} ms, "
            f"p95 {self.p95_ms:.0f} ms, errors {self.failures}"
        )


def run_locust(*, host: str, users: int, seconds: int, out: Path) -> Figures:
    result = subprocess.run(
        [
            str(LOCUST),
            "-f",
            LOCUSTFILE,
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            "10",
            "--run-time",
            f"{seconds}s",
            "--stop-timeout",
            "10",
            "--host",
            host,
            "--csv",
            str(out / "load"),
            "--only-summary",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=seconds + 180,
        check=False,
    )
    with (out / "load_stats.csv").open() as handle:
        rows = {row["Name"]: row for row in csv.DictReader(handle)}
    total = rows.pop("Aggregated")
    failure_rows = (out / "load_failures.csv").read_text().strip().splitlines()[1:]
    return Figures(
        users=users,
        seconds=seconds,
        requests=int(total["Request Count"]),
        failures=int(total["Failure Count"]),
        per_second=float(total["Requests/s"]),
        median_ms=float(total["Median Response Time"]),
        p95_ms=float(total["95%"]),
        failure_rows=failure_rows,
        counts={name: int(row["Request Count"]) for name, row in rows.items()},
        returncode=result.returncode,
        output=result.stdout[-3000:] + result.stderr[-3000:],
    )
