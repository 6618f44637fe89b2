"""The short load test: 50 signed-in users of every role for 60 s, and not one error.

gunicorn runs production-shaped (config.settings.production, with static files
collected uncompressed to save minutes: tests/load/settings.py; the worker class
and counts of config/gunicorn.conf.py) on the test's
PostgreSQL database, seeded with the demo data; locust drives it headless with
tests/load/locustfile.py. Any failed request (a 5xx, a refused sign-in, a
reading not recorded) or a traceback in the server's log fails the test.
PILOTGATE_LOAD_SECONDS / PILOTGATE_LOAD_USERS shorten it locally; `make
loadtest` runs the long one.
"""

from __future__ import annotations

import os
import uuid

import pytest
import redis

from tests.integration.gunicorn_server import gunicorn
from tests.integration.processes import database_url
from tests.load.runner import prepare, production_env, run_locust
from tests.services import redis_broker_url, require_postgresql

SECONDS = int(os.environ.get("PILOTGATE_LOAD_SECONDS", "60"))
USERS = int(os.environ.get("PILOTGATE_LOAD_USERS", "50"))
JOURNEYS = {
    "/accounts/login/ (sign in)",
    "/",
    "/pilots/",
    "/pilots/[reference]/",
    "/portfolio/",
    "/api/v1/pilots/",
    "/api/v1/pilots/[reference]/metrics/",
    "/api/v1/readings/bulk/",
}


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_fifty_users_of_every_role_for_a_minute_without_an_error(tmp_path, record_property):
    require_postgresql()
    broker = redis_broker_url()
    env = production_env(
        database_url=database_url(),
        broker=broker,
        static_root=tmp_path / "static",
        settings="tests.load.settings",  # production's, static files uncompressed
    )
    # The tasks the writes queue (scorecard refreshes) go to a queue no worker reads,
    # deleted afterwards: no other test's worker runs them on a flushed database.
    queue = env["CELERY_TASK_DEFAULT_QUEUE"] = f"load-{uuid.uuid4().hex[:12]}"
    prepare(env)
    log_path = tmp_path / "gunicorn.log"
    try:
        with log_path.open("w") as log, gunicorn(env=env, log=log) as base:
            figures = run_locust(host=base, users=USERS, seconds=SECONDS, out=tmp_path)
    finally:
        redis.Redis.from_url(broker).delete(queue)
    print(f"\n{figures}")
    record_property("figures", str(figures))  # .ci/run prints it after the counts
    server_log = log_path.read_text()
    # What gunicorn said besides its access log lines (worker time-outs, errors).
    said = [line for line in server_log.splitlines() if '"' not in line][-40:]
    assert figures.failure_rows == [], "\n".join(figures.failure_rows + said)
    assert figures.failures == 0
    assert figures.requests > 2 * USERS  # every user signed in, then went on
    # Every journey ran, readings recorded included.
    assert set(figures.counts) >= JOURNEYS, figures.counts
    assert figures.returncode == 0, figures.output
    assert "Traceback" not in server_log, server_log[-5000:]
