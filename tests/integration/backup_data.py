"""One process of the backup test (test_backup_restore.py); not a test module.

    python -m tests.integration.backup_data build PILOTS   # migrate, then pilots with history
    python -m tests.integration.backup_data summary        # what the database holds, as JSON

Run with DATABASE_URL pointing at the database. ``build`` registers running
pilots through the services (so each has its creation, gate and reading
events), records readings, and prints nothing; ``summary`` prints every pilot,
reading, gate decision and event as one JSON object, and whether the history's
append-only trigger refuses an UPDATE.
"""

from __future__ import annotations

import json
import sys
from datetime import date, timedelta
from decimal import Decimal

import django


def build(pilots: int) -> None:
    from django.core.management import call_command

    from pilots.services import gates, metrics, ownership, registration
    from tests import factories

    call_command("migrate", verbosity=0)
    sponsor = factories.sponsor_user("sponsor")
    owner = factories.UserFactory(username="owner")
    lead = factories.lead_user("lead")
    for number in range(pilots):
        pilot = registration.pilot_create(
            by=sponsor,
            title=f"Backed-up pilot {number}",
            planned_start=date(2026, 1, 5),
            planned_end=date(2026, 7, 5),
            receiving_team="Claims IT",
        )
        factories.complete_registration(pilot, owner=owner)
        gates.pilot_submit(pilot=pilot, by=sponsor)
        ownership.ownership_accept(pilot=pilot, by=owner)
        gates.pilot_approve(pilot=pilot, by=lead, rationale="Credible plan.")
        gates.pilot_start(pilot=pilot, by=sponsor, today=date(2026, 1, 5))
        metric = pilot.metrics.get()
        for day in range(3):
            metrics.reading_record(
                metric=metric,
                by=owner,
                observed_on=date(2026, 2, 1) + timedelta(days=7 * day),
                value=Decimal(10 + number) + Decimal(day) / 4,
                note=f"Week {day}",
            )


def summary() -> dict:
    from django.db import IntegrityError, connection, transaction

    from pilots.models import GateDecision, MetricReading, Pilot, PilotEvent

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            table = connection.ops.quote_name(PilotEvent._meta.db_table)
            cursor.execute(f"UPDATE {table} SET subject = 'x'")  # noqa: S608
        trigger = False
    except IntegrityError:
        trigger = True
    return {
        "pilots": [
            list(row)
            for row in Pilot.objects.order_by("reference").values_list(
                "reference", "title", "stage", "started_on"
            )
        ],
        "readings": [
            list(row)
            for row in MetricReading.objects.order_by("pk").values_list(
                "metric__pilot__reference", "observed_on", "value", "note"
            )
        ],
        "decisions": [
            list(row)
            for row in GateDecision.objects.order_by("pk").values_list(
                "pilot__reference", "from_stage", "to_stage", "rationale"
            )
        ],
        "events": [
            list(row)
            for row in PilotEvent.objects.order_by("pk").values_list(
                "pilot__reference", "action", "actor__username", "at", "changes"
            )
        ],
        "history_update_refused": trigger,
    }


if __name__ == "__main__":
    django.setup()
    if sys.argv[1] == "build":
        build(int(sys.argv[2]))
    else:
        print(json.dumps(summary(), default=str))
