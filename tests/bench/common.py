"""What the benchmarks (``python -m tests.bench ingest|reminders|dashboard``) share.

Not a test and not used by the application: the scaffolding of a benchmark run on a
PostgreSQL database of its own (``make bench``). What each command builds, times and
checks stays in the command; here are the parts that are the same in all of them:

- refusing any database but PostgreSQL, and the settings a run uses (DEBUG off, as in
  production: with DEBUG on, Django keeps every query's SQL in memory, which would be
  timed too);
- timing (wall time, ``time.perf_counter``, each run from a collected heap), the
  interleaved repetitions, medians and best times, and counting queries in untimed runs
  (counting records every query, which would be timed too);
- a scratch portfolio's run id, its creation and deletion (also when the run fails), and
  the SQL helpers they use;
- the report: the server's version and the tables.
"""

from __future__ import annotations

import gc
import logging
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import Group
from django.core.management.base import CommandError, CommandParser
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings
from psycopg import sql

from pilots.enums import PORTFOLIO_LEADS_GROUP, OwnershipStatus
from pilots.models import Pilot

BENCH_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/pilotgate_bench"

Write = Callable[[str], None]

# --- The run -----------------------------------------------------------------------------


def require_postgresql(command: str) -> None:
    """Refuse to run on anything but PostgreSQL, saying how to point at a scratch database."""
    if connection.vendor != "postgresql":
        raise CommandError(
            f"{command} measures PostgreSQL, but the default database is "
            f"{connection.vendor}. Point it at a scratch PostgreSQL database, e.g. "
            f"createdb -h 127.0.0.1 -U postgres pilotgate_bench, then "
            f"DATABASE_URL={BENCH_DATABASE_URL} make bench"
        )


def add_size_arguments(parser: CommandParser, *, first: str) -> None:
    """``--pilots`` and ``--small``: the portfolio sizes, the small one ``first`` (a verb)."""
    parser.add_argument("--pilots", type=int, default=10_000, help="Pilots in the portfolio.")
    parser.add_argument(
        "--small",
        type=int,
        default=1_000,
        help=f"Pilots in a smaller portfolio {first} first, to show growth (0: skip).",
    )


def portfolio_sizes(pilots: int, small: int, *, minimum: int) -> list[int]:
    """The sizes to build, smallest first (``small`` 0: only ``pilots``)."""
    if pilots < minimum or not (small == 0 or small >= minimum):
        raise CommandError(f"--pilots (and --small, unless 0) must be at least {minimum}.")
    return sorted({pilots, small} - {0})


@contextmanager
def bench_settings(
    *, allowed_hosts: list[str] | None = None, quiet: str | None = None
) -> Iterator[None]:
    """DEBUG off (and ``allowed_hosts``, if given); the logger ``quiet`` at WARNING.

    A service that logs an INFO line per run is quietened: its logging is not part of
    what is measured.
    """
    log = logging.getLogger(quiet) if quiet is not None else None
    level = log.level if log is not None else logging.NOTSET
    if log is not None:
        log.setLevel(logging.WARNING)
    hosts = {} if allowed_hosts is None else {"ALLOWED_HOSTS": allowed_hosts}
    try:
        with override_settings(DEBUG=False, **hosts):
            yield
    finally:
        if log is not None:
            log.setLevel(level)


# --- Timing ------------------------------------------------------------------------------


class Timings:
    """The wall times of the timed runs of one thing measured (``times``, in seconds)."""

    times: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def best(self) -> float:
        return min(self.times)


def timed(
    function: Callable[[], Any], *, then: Callable[[], None] | None = None, collect: bool = True
) -> tuple[float, Any]:
    """The wall time of ``function`` (and ``then``, if given) and ``function``'s outcome.

    With ``collect``, the heap is collected first (untimed), so every run starts from the
    same heap, not mid-way to a sweep.
    """
    if collect:
        gc.collect()
    started = time.perf_counter()
    outcome = function()
    if then is not None:
        then()
    return time.perf_counter() - started, outcome


def repetitions(write: Write, repeat: int, say: str = "  repetition {} of {}...") -> Iterator[int]:
    """1 to ``repeat``, saying each (``say`` formatted with the number and ``repeat``).

    Each repetition runs every method once, interleaved, so drift affects them alike.
    """
    for repetition in range(1, repeat + 1):
        write(say.format(repetition, repeat))
        yield repetition


def captured_queries(function: Callable[[], Any]) -> tuple[list[str], Any]:
    """Run ``function`` (untimed: recording queries costs time), its queries' SQL and outcome."""
    with CaptureQueriesContext(connection) as captured:
        outcome = function()
    return [query["sql"] for query in captured.captured_queries], outcome


# --- Scratch data ------------------------------------------------------------------------


class Scratch:
    """One scratch portfolio: its run id, the portfolio leads group, when building started."""

    group: Group  # set (got or created) when building starts

    def __init__(self, write: Write) -> None:
        self.write = write
        self.run = uuid.uuid4().hex[:8]
        self.group_created = False
        self.started = time.perf_counter()

    def built(self, portfolio: dict[str, int]) -> None:
        """Say how long building took and what it made (``portfolio``: counts by name)."""
        self.write(
            f"  built in {time.perf_counter() - self.started:.1f}s: "
            + ", ".join(f"{count:,} {name}" for name, count in portfolio.items())
        )


@contextmanager
def scratch_portfolio(
    write: Write, size: int, cleanup: Callable[[Scratch], None]
) -> Iterator[Scratch]:
    """A scratch run of ``size`` pilots: ``cleanup`` deletes its data, also when it fails."""
    scratch = Scratch(write)
    write(f"\n{size:,} pilots (scratch run {scratch.run}): building the portfolio...")
    try:
        scratch.started = time.perf_counter()
        scratch.group, scratch.group_created = Group.objects.get_or_create(
            name=PORTFOLIO_LEADS_GROUP
        )
        yield scratch
    finally:
        started = time.perf_counter()
        cleanup(scratch)
        write(f"  scratch data deleted in {time.perf_counter() - started:.1f}s")


def accepted_owner(owner: Any, now: datetime) -> dict[str, Any]:
    """A pilot's fields for ``owner``, nominated 40 days ago and accepted the day after."""
    return {
        "owner": owner,
        "owner_status": OwnershipStatus.ACCEPTED,
        "owner_nominated_at": now - timedelta(days=40),
        "owner_responded_at": now - timedelta(days=39),
    }


def declined_owner(owner: Any, now: datetime) -> dict[str, Any]:
    """A pilot's fields for ``owner``, nominated 20 days ago and declined the day after."""
    return {
        "owner": owner,
        "owner_status": OwnershipStatus.DECLINED,
        "owner_nominated_at": now - timedelta(days=20),
        "owner_responded_at": now - timedelta(days=19),
        "owner_decline_reason": "Bench: not my area.",
    }


def identifiers(tables: dict[str, Any]) -> dict[str, sql.Identifier]:
    """The quoted table names of these models, by the same keys (for ``sql.SQL.format``)."""
    return {key: sql.Identifier(model._meta.db_table) for key, model in tables.items()}


def assign_references(unit_ids: list[int]) -> None:
    """References of the pilots of these business units, as the registration service
    assigns them (PIL-0042): from the primary key, so they cannot collide with a real
    pilot's."""
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL(
                "UPDATE {} SET reference = 'PIL-' || lpad(id::text, greatest(4, length("
                "id::text)), '0') WHERE business_unit_id = ANY(%s)"
            ).format(sql.Identifier(Pilot._meta.db_table)),
            [unit_ids],
        )


def history_unlocked(cursor: Any) -> None:
    """Let this transaction delete scratch history rows (events, gate decisions).

    The history is append-only: triggers refuse DELETE (migration 0006). Only a
    superuser may switch the session to ``replica``, where ordinary triggers do
    not fire; ``make bench`` runs as one, on a database of its own. Call inside
    ``transaction.atomic()``: ``SET LOCAL`` ends with the transaction.
    """
    cursor.execute("SET LOCAL session_replication_role = replica")


def delete_scratch(
    tables: dict[str, Any],
    statements: list[str],
    params: dict[str, Any],
    *,
    units: str,
    scratch: Scratch,
) -> None:
    """Delete a scratch run's rows in bulk, in one transaction, ``statements`` in order.

    The statements name tables by their keys in ``tables`` (which has at least ``pilot``,
    ``unit`` and ``user``), and may use ``{pilots}``, the ids of the pilots of the business
    units that ``units`` (a condition on ``b.name``) selects, and ``{users}``, the ids of
    the users whose username is LIKE ``%(users)s``. Then the portfolio leads group, if the
    run created it and it is empty again.
    """
    names = identifiers(tables)
    pilots = sql.SQL(
        "SELECT p.id FROM {pilot} p JOIN {unit} b ON b.id = p.business_unit_id WHERE "
    ).format(**names) + sql.SQL(units)
    users = sql.SQL("SELECT id FROM {user} WHERE username LIKE %(users)s").format(**names)
    with transaction.atomic(), connection.cursor() as cursor:
        history_unlocked(cursor)
        for statement in statements:
            cursor.execute(sql.SQL(statement).format(pilots=pilots, users=users, **names), params)
    if scratch.group_created:
        Group.objects.filter(name=PORTFOLIO_LEADS_GROUP, user__isnull=True).delete()


def _each_table(statement: str, models: tuple[Any, ...]) -> None:
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(sql.SQL(statement).format(sql.Identifier(model._meta.db_table)))


def vacuum(*models: Any) -> None:
    """VACUUM ANALYZE these tables: no dead rows, fresh statistics (untimed)."""
    _each_table("VACUUM ANALYZE {}", models)


def analyze(*models: Any) -> None:
    """ANALYZE these tables: statistics as a live database would have."""
    _each_table("ANALYZE {}", models)


# --- Output ------------------------------------------------------------------------------


def server_version() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (version,) = cursor.fetchone()
    return version


def method_line(pilots: int, method: Any, floor: float | None) -> tuple[str, ...]:
    """A method's line in a table of them: the portfolio size, its name, median and best
    seconds, queries, rows (``queries``, ``row_count``) and its time as a multiple of its
    floor's (``floor``: the floor's median; none, no multiple)."""
    return (
        f"{pilots:,}",
        method.name,
        f"{method.median:.4f}",
        f"{method.best:.4f}",
        str(method.queries),
        f"{method.row_count:,}",
        f"{method.median / floor:.1f}x" if floor else "",
    )


def table(
    write: Write, header: tuple[str, ...], lines: list[tuple[str, ...]], *, left: int = 1
) -> None:
    """Write a table: the header, dashes, the lines; column ``left`` flush left, the rest
    flush right, two spaces between columns."""
    widths = [max(len(line[i]) for line in [header, *lines]) for i in range(len(header))]

    def row(cells: tuple[str, ...]) -> str:
        return "  ".join(
            cell.ljust(width) if i == left else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        )

    write(row(header))
    write(row(tuple("-" * width for width in widths)))
    for line in lines:
        write(row(line))
