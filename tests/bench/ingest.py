"""Time the bulk reading ingest against plain PostgreSQL inserts of the same rows.

Not a test: ``make bench`` runs it against a PostgreSQL database of its own
(``DATABASE_URL=postgres://postgres@127.0.0.1:5432/pilotgate_bench``). It
builds a scratch user and running pilot with a few metrics, times each way of
writing the same rows ``--repeat`` times (deleting the readings in between, so
each repetition inserts fresh rows), prints the median and best wall times as
ratios of two baselines measured in the same run (``executemany`` and
``COPY``), and deletes everything it created, also when it fails.

DEBUG is off while it runs, as in production: with DEBUG on, Django keeps
every query's SQL in memory, which would be timed too.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from psycopg import sql
from rest_framework.test import APIClient

from pilots.enums import MetricKind, OwnershipStatus, ReadingSource, Stage
from pilots.models import Metric, MetricReading, Pilot, PilotEvent
from pilots.services.ingest import max_rows, readings_ingest
from tests.bench.common import (
    Timings,
    bench_settings,
    history_unlocked,
    repetitions,
    require_postgresql,
    server_version,
    table,
    timed,
    vacuum,
)

COLUMNS = (
    "metric_id",
    "observed_on",
    "value",
    "note",
    "source",
    "recorded_by_id",
    "created_at",
    "updated_at",
)
COPY = "COPY"
COPY_TARGET = 2.5  # issue 13: the bulk ingest at most 2.5x COPY of the same rows
EXECUTEMANY = "executemany"


@dataclass
class Method(Timings):
    name: str
    prepare: Callable[[], None]  # untimed: leaves the table as the timed run expects
    run: Callable[[], Any]  # timed
    check: Callable[[Any], None]  # untimed: the run did what it should
    times: list[float]


class Command(BaseCommand):
    help = (
        "Time the bulk reading ingest (API request and service) against executemany and "
        "COPY of the same rows. Needs PostgreSQL; creates and deletes its own scratch pilot."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rows", type=int, default=10_000, help="Readings per batch.")
        parser.add_argument("--repeat", type=int, default=5, help="Timed runs per method.")
        parser.add_argument("--metrics", type=int, default=4, help="Metrics the rows span.")

    # The rows each method left stored after its warm-up run (metric, day, value, note,
    # source, recorder), by method: all equal to COPY's, or the run fails.
    stored: dict[str, list[tuple[Any, ...]]]

    def handle(self, *args: Any, rows: int, repeat: int, metrics: int, **options: Any) -> None:
        self.stored = {}
        require_postgresql("python -m tests.bench ingest")
        if not 1 <= rows <= max_rows():
            raise CommandError(f"--rows must be between 1 and {max_rows():,} (one request).")
        if repeat < 1 or metrics < 1:
            raise CommandError("--repeat and --metrics must be at least 1.")

        with bench_settings(allowed_hosts=[*settings.ALLOWED_HOSTS, "testserver"]):
            self.bench(rows=rows, repeat=repeat, metric_count=metrics)

    # --- Scaffolding -------------------------------------------------------------------

    def bench(self, *, rows: int, repeat: int, metric_count: int) -> None:
        user = pilot = None
        try:
            now = timezone.now()
            user = get_user_model().objects.create_user(
                username=f"bench-ingest-{uuid.uuid4().hex[:12]}", password=None
            )
            pilot = Pilot.objects.create(
                title=f"Ingest benchmark {user.username}",
                problem_statement="A scratch pilot of make bench, deleted at its end.",
                sponsor=user,
                owner=user,
                owner_status=OwnershipStatus.ACCEPTED,
                owner_nominated_at=now,
                owner_responded_at=now,
                stage=Stage.RUNNING,
                started_on=timezone.localdate() - timedelta(days=rows + 1),
            )
            pilot.reference = f"PIL-{pilot.pk:04d}"
            pilot.save(update_fields=["reference"])
            metric_ids = [
                Metric.objects.create(
                    pilot=pilot,
                    name=f"Benchmark metric {number}",
                    kind=MetricKind.PRIMARY if number == 1 else MetricKind.BUSINESS,
                ).pk
                for number in range(1, metric_count + 1)
            ]
            self.measure(user=user, metric_ids=metric_ids, rows=rows, repeat=repeat)
        finally:
            if pilot is not None and pilot.pk is not None:
                with transaction.atomic(), connection.cursor() as cursor:
                    history_unlocked(cursor)  # its events are append-only history
                    cursor.execute(
                        sql.SQL("DELETE FROM {} WHERE pilot_id = %s").format(
                            sql.Identifier(PilotEvent._meta.db_table)
                        ),
                        [pilot.pk],
                    )
                    pilot.delete()  # cascades to its metrics and readings
            if user is not None and user.pk is not None:
                user.delete()

    def measure(self, *, user: Any, metric_ids: list[int], rows: int, repeat: int) -> None:
        today = timezone.localdate()
        batch = [
            {
                "metric": metric_ids[number % len(metric_ids)],
                "observed_on": str(today - timedelta(days=1 + number // len(metric_ids))),
                "value": f"{(number * 7919) % 1_000_000 / 100:.2f}",
                "note": f"benchmark row {number}",
            }
            for number in range(rows)
        ]
        body = json.dumps({"readings": batch})
        url = reverse("api:readings-bulk")
        client = APIClient()
        client.force_authenticate(user)
        readings_table = sql.Identifier(MetricReading._meta.db_table)
        stored = MetricReading.objects.filter(metric_id__in=metric_ids)

        def clear() -> None:
            stored.delete()
            vacuum(MetricReading)  # no dead rows left for the next run

        def fill() -> None:
            if stored.count() != rows:
                clear()
                readings_ingest(by=user, rows=batch, source=ReadingSource.API)

        def api_request() -> Any:
            return client.post(url, data=body, content_type="application/json")

        def service() -> Any:
            return readings_ingest(by=user, rows=batch, source=ReadingSource.API)

        def values() -> list[tuple[Any, ...]]:
            now = timezone.now()
            return [
                (
                    row["metric"],
                    date.fromisoformat(row["observed_on"]),
                    Decimal(row["value"]),
                    row["note"],
                    ReadingSource.API.value,
                    user.pk,
                    now,
                    now,
                )
                for row in batch
            ]

        columns = sql.SQL(", ").join(map(sql.Identifier, COLUMNS))
        insert = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
            readings_table, columns, sql.SQL(", ").join(sql.Placeholder() * len(COLUMNS))
        )
        copy_statement = sql.SQL("COPY {} ({}) FROM STDIN").format(readings_table, columns)

        def executemany() -> None:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(insert, values())

        def copy() -> None:
            with transaction.atomic(), connection.cursor() as cursor:
                raw = cursor.connection
                with raw.cursor() as raw_cursor, raw_cursor.copy(copy_statement) as writer:
                    for row in values():
                        writer.write_row(row)

        def response_counts(created: int, unchanged: int) -> Callable[[Any], None]:
            def check(response: Any) -> None:
                if response.status_code != 200:
                    raise CommandError(
                        f"The API answered {response.status_code}: {response.content[:2000]!r}"
                    )
                counts = response.json()
                if (counts["created"], counts["unchanged"]) != (created, unchanged):
                    raise CommandError(f"Unexpected API result: {counts}")

            return check

        def service_created(result: Any) -> None:
            if result.created != rows:
                raise CommandError(f"The service created {result.created}, not {rows}.")

        def all_stored(_: Any) -> None:
            if stored.count() != rows:
                raise CommandError(f"{stored.count()} readings stored, not {rows}.")

        methods = [
            Method("API request", clear, api_request, response_counts(rows, 0), []),
            Method("service", clear, service, service_created, []),
            Method("resend (no-op)", fill, api_request, response_counts(0, rows), []),
            Method(EXECUTEMANY, clear, executemany, all_stored, []),
            Method(COPY, clear, copy, all_stored, []),
        ]

        def snapshot() -> list[tuple[Any, ...]]:
            return list(
                stored.order_by("metric_id", "observed_on").values_list(
                    "metric_id", "observed_on", "value", "note", "source", "recorded_by_id"
                )
            )

        self.stdout.write(f"Warming up (one untimed run of each of {len(methods)} methods)...")
        for method in methods:
            method.prepare()
            method.check(method.run())
            self.stored[method.name] = snapshot()
        differ = [name for name, rows in self.stored.items() if rows != self.stored[COPY]]
        if differ:
            raise CommandError(f"{', '.join(differ)} stored other rows than COPY.")
        self.stdout.write(f"Each method stored the same {rows:,} rows as COPY.")
        for _ in repetitions(self.stdout.write, repeat, "Repetition {} of {}..."):
            for method in methods:
                method.prepare()
                seconds, outcome = timed(method.run)
                method.times.append(seconds)
                method.check(outcome)
        clear()
        self.report(methods, rows=rows, repeat=repeat, metric_count=len(metric_ids))

    # --- Output ------------------------------------------------------------------------

    def report(self, methods: list[Method], *, rows: int, repeat: int, metric_count: int) -> None:
        version = server_version()
        by_name = {method.name: method for method in methods}
        copy, executemany = by_name[COPY].median, by_name[EXECUTEMANY].median
        header = (
            "method",
            "rows",
            "median s",
            "best s",
            "readings/s",
            "x COPY",
            "x executemany",
        )
        lines = [
            (
                method.name,
                f"{rows:,}",
                f"{method.median:.4f}",
                f"{method.best:.4f}",
                f"{rows / method.median:,.0f}",
                f"{method.median / copy:.1f}x",
                f"{method.median / executemany:.1f}x",
            )
            for method in methods
        ]
        out = self.stdout.write
        out("")
        out("Bulk reading ingest benchmark")
        out(
            f"PostgreSQL {version}; {rows:,} rows over {metric_count} metrics; {repeat} repetitions"
        )
        out("Wall time per batch (time.perf_counter), DEBUG off; ratios use the medians.")
        out("")
        table(out, header, lines, left=0)
        out("")
        for method in methods:
            if method.name in (COPY, EXECUTEMANY):
                continue
            out(
                f"{method.name} is {method.median / copy:.1f}x COPY's time and "
                f"{method.median / executemany:.1f}x executemany's."
            )
        out(f"executemany is {executemany / copy:.1f}x COPY's time.")
        out("")
        out("Against the target (medians of this run):")
        for name in ("API request", "service"):
            ratio = by_name[name].median / copy
            verdict = "ok" if ratio <= COPY_TARGET else "MISSED"
            out(f"  {name}: {ratio:.1f}x COPY (target <= {COPY_TARGET:g}x) {verdict}")
