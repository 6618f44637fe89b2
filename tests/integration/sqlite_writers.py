"""One process of the SQLite concurrency test (test_sqlite_writers.py); not a test module.

    python -m tests.integration.sqlite_writers setup PILOTS
    python -m tests.integration.sqlite_writers web INDEX DRAFT_ID METRIC_ID WRITES \
        GO_FILE RECOMPUTED_FILE
    python -m tests.integration.sqlite_writers recompute GO_FILE STOP_FILE RECOMPUTED_FILE

Run with DATABASE_URL pointing at a SQLite file. ``setup`` migrates it, builds
the cast and prints it as JSON; ``web`` does what the web app does for one user
(registration edits and readings through the services, and a plain autocommit
update as a login does); ``recompute`` recomputes every scorecard in a loop,
as the worker does, until STOP_FILE appears. Each prints one JSON line: how
many writes it made and every database error it met.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import django


def wait_for(path: Path) -> None:
    print("ready", flush=True)
    while not path.exists():
        time.sleep(0.01)


def setup(pilots: int) -> dict:
    from django.core.management import call_command

    from tests import factories

    call_command("migrate", verbosity=0)

    sponsor = factories.sponsor_user("sponsor")
    owner = factories.UserFactory(username="owner")
    running = factories.due_portfolio(pilots, sponsor=sponsor, owner=owner, assignee=owner)
    return {
        "drafts": [factories.PilotFactory(sponsor=sponsor).pk for _ in range(pilots)],
        "metrics": [pilot.metrics.get().pk for pilot in running],
    }


def web(index: int, draft_id: int, metric_id: int, writes: int, go: Path, recomputed: Path) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import OperationalError
    from django.utils import timezone

    from pilots.models import Metric, Pilot
    from pilots.services import metrics, registration

    users = get_user_model().objects
    sponsor, owner = users.get(username="sponsor"), users.get(username="owner")
    today = timezone.localdate()
    done, errors = 0, []
    wait_for(go)
    for n in range(writes):
        try:
            if n % 3 == 0:  # a registration edit: reads the pilot, then writes it and its event
                registration.pilot_update(
                    pilot=Pilot.objects.get(pk=draft_id),
                    by=sponsor,
                    problem_statement=f"Edit {n} by writer {index}.",
                )
            elif n % 3 == 1:  # a reading: reads for an existing one, then writes
                metrics.reading_record(
                    metric=Metric.objects.select_related("pilot").get(pk=metric_id),
                    by=owner,
                    observed_on=today - timedelta(days=n),
                    value=Decimal(n),
                )
            else:  # a single autocommit statement, as a login's last_login update
                users.filter(pk=owner.pk).update(last_login=timezone.now())
            done += 1
        except OperationalError as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
    # Keep writing (single statements, as logins do) until the worker has committed
    # a recompute, so its writes interleave with ours however loaded the machine is.
    deadline = time.monotonic() + 60
    while not recomputed.exists() and time.monotonic() < deadline:
        try:
            users.filter(pk=owner.pk).update(last_login=timezone.now())
        except OperationalError as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
    return {"writes": done, "errors": errors, "saw_recompute": recomputed.exists()}


def recompute(go: Path, stop: Path, recomputed: Path) -> dict:
    from django.db import OperationalError

    from scorecards.services import scorecards_recompute, scorecards_snapshot

    runs, errors = 0, []
    wait_for(go)
    while not stop.exists():
        try:
            scorecards_recompute()
            scorecards_snapshot()
            runs += 1
            recomputed.touch()
        except OperationalError as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
    return {"writes": runs, "errors": errors}


def main(argv: list[str]) -> None:
    django.setup()
    role, *args = argv
    if role == "setup":
        result = setup(int(args[0]))
    elif role == "web":
        result = web(*map(int, args[:4]), Path(args[4]), Path(args[5]))
    else:
        result = recompute(Path(args[0]), Path(args[1]), Path(args[2]))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
