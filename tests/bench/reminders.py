"""Time the reminder sweep against one plain SQL query that finds the same reminders.

Not a test: ``make bench`` runs it against a PostgreSQL database of its own
(``DATABASE_URL=postgres://postgres@127.0.0.1:5432/pilotgate_bench``). For each
portfolio size (``--small`` and ``--pilots``) it builds a scratch portfolio
with bulk inserts (a business unit "Bench reminders <run>", its users and
pilots, metrics, readings and knowledge-transfer tasks spread so that every
kind of reminder has candidates, and about half the pilots have nothing due),
then times, for today (local), ``--repeat`` times each:

- the floor: ONE SQL query (``cursor.execute``) selecting every due
  (pilot, kind, recipient), all the rules at once; its rows must be exactly
  ``{d.key for d in reminders_due(day)}``, or the command fails;
- ``reminders_due(day)``, the sweep's candidate finding;
- ``reminders_sweep(day=day, deliver="queue")`` writing the reminder rows, in a
  transaction rolled back after each run (so each run does the same work, and
  the on-commit delivery never runs: no broker needed); the deferred foreign
  key checks a commit would run are forced (``SET CONSTRAINTS ALL IMMEDIATE``)
  and timed with it;
- the same sweep run again after a first one (the idempotent re-run, which
  records nothing), also rolled back with the first one's rows (a committed
  first sweep would queue one Celery task per reminder).

It prints medians, query counts, rows and ratios against the floor measured in
the same run, and the median time of each rule's query. The scratch data is
deleted when it ends, also when it fails (a run killed outright leaves a
business unit named "Bench reminders <run>": delete its pilots, then its users
``bench-reminders-<run>-*``).

DEBUG is off while it runs, as in production; query counts come from an
untimed warm-up run (counting queries records them, which would be timed too).
"""

from __future__ import annotations

import gc
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone
from psycopg import sql

from pilots import timeline
from pilots.enums import (
    PORTFOLIO_LEADS_GROUP,
    Cadence,
    Direction,
    MetricKind,
    OwnershipStatus,
    ReminderKind,
    Stage,
    TaskStatus,
)
from pilots.models import (
    BusinessUnit,
    CheckpointDecision,
    GateDecision,
    KnowledgeTransferTask,
    Metric,
    MetricReading,
    Pilot,
    Reminder,
    ReminderMute,
)
from pilots.reminders.rules import reminders_due
from pilots.reminders.sweep import reminders_sweep
from tests.bench.common import (
    Scratch,
    Timings,
    add_size_arguments,
    bench_settings,
    captured_queries,
    delete_scratch,
    identifiers,
    method_line,
    portfolio_sizes,
    repetitions,
    require_postgresql,
    scratch_portfolio,
    server_version,
    table,
    timed,
)
from tests.bench.reminders_portfolio import build_portfolio

FLOOR = "SQL floor (1 query)"
DUE = "reminders_due"
SWEEP = "sweep (records)"
RERUN = "sweep re-run (no-op)"

# The kinds of the operating phase (issue 17) the SQL floor does not model yet: the
# scratch portfolio's idle owners make pilots orphaned, and the floor would need the
# audit history's last touches to find them. The sweep finds and times them all the same.
NOT_IN_FLOOR = frozenset(
    {
        ReminderKind.ORPHANED,
        ReminderKind.DEGRADING,
        ReminderKind.DEGRADING_ESCALATED,
        ReminderKind.VALUE_REVIEW_DUE,
        ReminderKind.VALUE_REVIEW_SIGNOFF,
    }
)

# Every due (pilot, kind, recipient) on %(day)s, all the rules of
# ``pilots.reminders.rules`` at once, less muted kinds and inactive
# recipients, one row per key.
FLOOR_SQL = """
WITH leads AS (
    SELECT u.id
    FROM {user} u
    JOIN {user_groups} ug ON ug.user_id = u.id
    JOIN {group} g ON g.id = ug.group_id
    WHERE g.name = %(leads_group)s AND u.is_active
),
handover AS (
    SELECT p.id AS pilot_id, p.sponsor_id,
           CASE WHEN p.owner_status = %(accepted)s THEN p.owner_id END AS owner_id,
           %(day)s - (w.start + ceil(2 * (p.planned_end - w.start) / 3.0)::int) AS days_open
    FROM {pilot} p
    CROSS JOIN LATERAL (SELECT coalesce(p.started_on, p.planned_start) AS start) w
    WHERE p.stage = ANY(%(handover_stages)s)
      AND p.planned_end >= %(day)s
      AND w.start <= %(day)s + %(lead_days)s
      AND p.planned_end >= w.start
      AND NOT EXISTS (SELECT FROM {task} t WHERE t.pilot_id = p.id)
),
candidates (pilot_id, kind, recipient_id) AS (
    SELECT h.pilot_id, %(k_unplanned)s::text, r.id
    FROM handover h
    CROSS JOIN LATERAL (VALUES (h.owner_id), (h.sponsor_id)) r (id)
    WHERE -h.days_open <= %(lead_days)s AND r.id IS NOT NULL
  UNION ALL
    SELECT h.pilot_id, %(k_escalation)s::text, l.id
    FROM handover h
    CROSS JOIN leads l
    WHERE -h.days_open <= %(lead_days)s AND h.days_open >= %(escalation_days)s
  UNION ALL
    SELECT t.pilot_id, %(k_task)s::text, r.id
    FROM {task} t
    JOIN {pilot} p ON p.id = t.pilot_id
    CROSS JOIN LATERAL (
        VALUES (t.assignee_id), (CASE WHEN p.owner_status = %(accepted)s THEN p.owner_id END)
    ) r (id)
    WHERE p.stage = ANY(%(handover_stages)s)
      AND t.due_on <= %(day)s - (%(task_grace)s + 1)
      AND t.status = ANY(%(open_tasks)s)
      AND r.id IS NOT NULL
  UNION ALL
    SELECT m.pilot_id, %(k_stale)s::text, p.owner_id
    FROM {metric} m
    JOIN {pilot} p ON p.id = m.pilot_id
    JOIN unnest(%(cadences)s::text[], %(cadence_days)s::int[]) c (cadence, days)
      ON c.cadence = m.cadence
    LEFT JOIN LATERAL (
        SELECT max(r.observed_on) AS last_on FROM {reading} r WHERE r.metric_id = m.id
    ) l ON true
    WHERE m.kind = %(primary)s
      AND (
          p.stage = %(running)s
          OR p.stage = %(graduated)s AND EXISTS (
              SELECT FROM {decision} d
              WHERE d.pilot_id = p.id AND d.to_stage = %(graduated)s
                AND d.decided_at >= (%(day)s - %(tracked_after_days)s)::timestamp
                    AT TIME ZONE %(time_zone)s
          )
      )
      AND p.owner_status = %(accepted)s
      AND p.started_on < %(day)s - (c.days + %(stale_grace)s)
      AND (l.last_on IS NULL OR l.last_on < %(day)s - (c.days + %(stale_grace)s))
  UNION ALL
    SELECT p.id, %(k_ownership)s::text, r.id
    FROM {pilot} p
    CROSS JOIN LATERAL (VALUES (p.owner_id), (p.sponsor_id)) r (id)
    WHERE p.owner_status = %(pending)s
      AND NOT p.stage = ANY(%(closed_stages)s)
      AND p.owner_nominated_at
          < (%(day)s - (%(pending_days)s - 1))::timestamp AT TIME ZONE %(time_zone)s
  UNION ALL
    SELECT p.id, %(k_decision)s::text, r.id
    FROM {pilot} p
    CROSS JOIN LATERAL (SELECT p.sponsor_id UNION SELECT leads.id FROM leads) r (id)
    WHERE p.stage = ANY(%(handover_stages)s)
      AND p.planned_end < %(day)s - %(decision_grace)s
  UNION ALL
    SELECT p.id, %(k_checkpoint)s::text, l.id
    FROM {pilot} p
    CROSS JOIN LATERAL (
        SELECT p.started_on + ceil(2 * (p.planned_end - p.started_on) / 3.0)::int AS opens
    ) w
    LEFT JOIN LATERAL (
        SELECT c.window_opened_on, (c.decided_at AT TIME ZONE %(time_zone)s)::date AS decided_on
        FROM {checkpoint} c
        WHERE c.pilot_id = p.id
        ORDER BY c.decided_at DESC, c.id DESC
        LIMIT 1
    ) k ON true
    CROSS JOIN leads l
    WHERE p.stage = %(running)s
      AND p.planned_end >= %(day)s
      AND p.planned_end >= p.started_on
      AND w.opens <= %(day)s
      AND k.window_opened_on IS DISTINCT FROM w.opens
      AND %(day)s - greatest(w.opens, k.decided_on) >= %(checkpoint_grace)s
      AND l.id <> p.sponsor_id
      AND (p.owner_id IS NULL OR l.id <> p.owner_id
           OR NOT p.owner_status = ANY(%(deciding_owner)s))
  UNION ALL
    SELECT t.pilot_id, %(k_due_soon)s::text, t.assignee_id
    FROM {task} t
    JOIN {pilot} p ON p.id = t.pilot_id
    WHERE p.stage = ANY(%(handover_stages)s)
      AND t.status = ANY(%(open_tasks)s)
      AND t.due_on BETWEEN %(day)s AND %(day)s + %(due_soon_days)s
  UNION ALL
    SELECT p.id, %(k_ending)s::text, r.id
    FROM {pilot} p
    CROSS JOIN LATERAL (
        VALUES (p.sponsor_id), (CASE WHEN p.owner_status = %(accepted)s THEN p.owner_id END)
    ) r (id)
    WHERE p.stage = %(running)s
      AND p.planned_end BETWEEN %(day)s AND %(day)s + %(ending_days)s
      AND r.id IS NOT NULL
  UNION ALL
    SELECT m.pilot_id, %(k_target)s::text, p.owner_id
    FROM {metric} m
    JOIN {pilot} p ON p.id = m.pilot_id
    LEFT JOIN LATERAL (
        SELECT r.value FROM {reading} r WHERE r.metric_id = m.id
        ORDER BY r.observed_on DESC LIMIT 1
    ) l ON true
    WHERE m.kind = %(primary)s
      AND p.stage = %(running)s
      AND p.owner_status = %(accepted)s
      AND m.direction <> ''
      AND m.target IS NOT NULL
      AND m.target_date BETWEEN %(day)s AND %(day)s + %(target_days)s
      AND (l.value IS NULL OR CASE WHEN m.direction = %(increase)s
                                   THEN l.value < m.target ELSE l.value > m.target END)
  UNION ALL
    SELECT p.id, %(k_start)s::text, p.sponsor_id
    FROM {pilot} p
    WHERE p.stage = %(approved)s
      AND p.planned_start < %(day)s - %(start_grace)s
      AND p.planned_end >= %(day)s - %(decision_grace)s
  UNION ALL
    SELECT p.id, %(k_review)s::text, l.id
    FROM {pilot} p
    CROSS JOIN LATERAL (
        SELECT (max(d.decided_at) AT TIME ZONE %(time_zone)s)::date AS submitted_on
        FROM {decision} d
        WHERE d.pilot_id = p.id AND d.to_stage = %(proposed)s
    ) s
    CROSS JOIN leads l
    WHERE p.stage = %(proposed)s
      AND s.submitted_on < %(day)s - %(review_days)s
      AND l.id <> p.sponsor_id
      AND (p.owner_id IS NULL OR l.id <> p.owner_id
           OR NOT p.owner_status = ANY(%(deciding_owner)s))
  -- No escalation (reminder_escalated): it looks back on reminders recorded days ago,
  -- and the scratch portfolio has none (each timed sweep is rolled back).
)
SELECT DISTINCT c.pilot_id, c.kind, c.recipient_id
FROM candidates c
JOIN {user} u ON u.id = c.recipient_id
WHERE u.is_active
  AND NOT EXISTS (
      SELECT FROM {mute} m WHERE m.user_id = c.recipient_id AND m.kind = c.kind
  )
"""


class _Rollback(Exception):
    """Raised to roll back a timed sweep, so the next run does the same work."""


@dataclass
class Method(Timings):
    name: str
    run: Callable[[], tuple[float, Any]]  # (timed seconds, outcome)
    rows: Callable[[Any], int]
    times: list[float] = field(default_factory=list)
    queries: int = 0
    row_count: int = 0


@dataclass
class Rule(Timings):
    name: str
    run: Callable[[], list[Any]]
    times: list[float] = field(default_factory=list)
    row_count: int = 0
    sql: str = ""


@dataclass
class SizeResult:
    pilots: int
    total_pilots: int
    portfolio: dict[str, int]
    methods: list[Method]
    rules: list[Rule]
    due_by_kind: Counter[str]
    # (pilot, kind, recipient) of every due reminder: the SQL floor's, reminders_due's.
    floor_keys: set[tuple[int, str, int]] = field(default_factory=set)
    due_keys: set[tuple[int, str, int]] = field(default_factory=set)


class Command(BaseCommand):
    results: list[SizeResult]  # after handle: each size's figures and rows
    help = (
        "Time the reminder sweep (candidate finding, recording, idempotent re-run) against "
        "one SQL query finding the same reminders. Needs PostgreSQL; creates and deletes "
        "its own scratch portfolio."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_size_arguments(parser, first="timed")
        parser.add_argument("--repeat", type=int, default=5, help="Timed runs per method.")
        parser.add_argument(
            "--explain",
            action="store_true",
            help="Print EXPLAIN ANALYZE of the slowest rule's query at the largest size.",
        )

    def handle(
        self, *args: Any, pilots: int, small: int, repeat: int, explain: bool, **options: Any
    ) -> None:
        require_postgresql("python -m tests.bench reminders")
        sizes = portfolio_sizes(pilots, small, minimum=20)
        if repeat < 1:
            raise CommandError("--repeat must be at least 1.")
        started = time.perf_counter()
        with bench_settings(quiet=reminders_due.__module__):  # the sweep logs one line per run
            results = [
                self.bench(size, repeat=repeat, explain=explain and size == sizes[-1])
                for size in sizes
            ]
        self.results = results
        self.report(results, repeat=repeat, elapsed=time.perf_counter() - started)

    # --- Scaffolding -------------------------------------------------------------------

    def bench(self, size: int, *, repeat: int, explain: bool) -> SizeResult:
        with scratch_portfolio(self.stdout.write, size, self.cleanup) as scratch:
            portfolio = build_portfolio(size, run=scratch.run, group=scratch.group)
            scratch.built(portfolio)
            result = self.measure(size, repeat=repeat, explain=explain)
            result.portfolio = portfolio
            return result

    def cleanup(self, scratch: Scratch) -> None:
        """Delete the scratch run's rows in bulk, children first."""
        User = get_user_model()
        tables = {
            "pilot": Pilot,
            "metric": Metric,
            "reading": MetricReading,
            "task": KnowledgeTransferTask,
            "decision": GateDecision,
            "reminder": Reminder,
            "mute": ReminderMute,
            "unit": BusinessUnit,
            "user": User,
            "user_groups": User.groups.through,
        }
        statements = [
            "DELETE FROM {reminder} WHERE pilot_id IN ({pilots}) OR recipient_id IN ({users})",
            "DELETE FROM {reading} WHERE metric_id IN "
            "(SELECT id FROM {metric} WHERE pilot_id IN ({pilots}))",
            "DELETE FROM {metric} WHERE pilot_id IN ({pilots})",
            "DELETE FROM {task} WHERE pilot_id IN ({pilots})",
            "DELETE FROM {decision} WHERE pilot_id IN ({pilots})",
            "DELETE FROM {pilot} WHERE id IN ({pilots})",
            "DELETE FROM {mute} WHERE user_id IN ({users})",
            "DELETE FROM {user_groups} WHERE user_id IN ({users})",
            "DELETE FROM {user} WHERE id IN ({users})",
            "DELETE FROM {unit} WHERE name = %(unit)s",
        ]
        run = scratch.run
        params = {"unit": f"Bench reminders {run}", "users": f"bench-reminders-{run}-%"}
        delete_scratch(tables, statements, params, units="b.name = %(unit)s", scratch=scratch)

    # --- Measuring -----------------------------------------------------------------------

    def floor_query(self, day: date) -> tuple[sql.Composed, dict[str, Any]]:
        User = get_user_model()
        tables = {
            "pilot": Pilot,
            "metric": Metric,
            "reading": MetricReading,
            "task": KnowledgeTransferTask,
            "decision": GateDecision,
            "checkpoint": CheckpointDecision,
            "mute": ReminderMute,
            "user": User,
            "user_groups": User.groups.through,
            "group": Group,
        }
        query = sql.SQL(FLOOR_SQL).format(**identifiers(tables))
        params = {
            "day": day,
            "leads_group": PORTFOLIO_LEADS_GROUP,
            "handover_stages": [str(stage) for stage in Stage.IN_FLIGHT],
            "graduated": str(Stage.GRADUATED),
            "tracked_after_days": timeline.TRACKED_AFTER_GRADUATION.days,
            "closed_stages": sorted(str(stage) for stage in Stage.CLOSED),
            "running": str(Stage.RUNNING),
            "accepted": str(OwnershipStatus.ACCEPTED),
            "pending": str(OwnershipStatus.PENDING),
            "open_tasks": list(TaskStatus.OPEN),
            "primary": str(MetricKind.PRIMARY),
            "cadences": [str(cadence) for cadence in Cadence.DAYS],
            "cadence_days": list(Cadence.DAYS.values()),
            "lead_days": settings.PILOTGATE_HANDOVER_LEAD_DAYS,
            "escalation_days": settings.PILOTGATE_HANDOVER_ESCALATION_DAYS,
            "task_grace": settings.PILOTGATE_TASK_OVERDUE_GRACE_DAYS,
            "stale_grace": settings.PILOTGATE_STALE_GRACE_DAYS,
            "pending_days": settings.PILOTGATE_OWNERSHIP_PENDING_DAYS,
            "decision_grace": settings.PILOTGATE_DECISION_GRACE_DAYS,
            "checkpoint_grace": settings.PILOTGATE_CHECKPOINT_GRACE_DAYS,
            "deciding_owner": [str(OwnershipStatus.ACCEPTED), str(OwnershipStatus.PENDING)],
            "time_zone": timezone.get_current_timezone_name(),
            "k_unplanned": str(ReminderKind.HANDOVER_UNPLANNED),
            "k_escalation": str(ReminderKind.HANDOVER_ESCALATION),
            "k_task": str(ReminderKind.TASK_OVERDUE),
            "k_stale": str(ReminderKind.METRIC_STALE),
            "k_ownership": str(ReminderKind.OWNERSHIP_PENDING),
            "k_decision": str(ReminderKind.DECISION_OVERDUE),
            "k_checkpoint": str(ReminderKind.CHECKPOINT_OVERDUE),
            "approved": str(Stage.APPROVED),
            "proposed": str(Stage.PROPOSED),
            "increase": str(Direction.INCREASE),
            "due_soon_days": settings.PILOTGATE_TASK_DUE_SOON_DAYS,
            "ending_days": settings.PILOTGATE_PILOT_ENDING_DAYS,
            "target_days": settings.PILOTGATE_TARGET_DATE_DAYS,
            "start_grace": settings.PILOTGATE_START_GRACE_DAYS,
            "review_days": settings.PILOTGATE_REVIEW_DAYS,
            "k_due_soon": str(ReminderKind.TASK_DUE_SOON),
            "k_ending": str(ReminderKind.PILOT_ENDING),
            "k_target": str(ReminderKind.TARGET_DATE_NEAR),
            "k_start": str(ReminderKind.START_OVERDUE),
            "k_review": str(ReminderKind.REVIEW_OVERDUE),
        }
        return query, params

    def measure(self, size: int, *, repeat: int, explain: bool) -> SizeResult:
        day = timezone.localdate()
        query, params = self.floor_query(day)
        # In the warm-up, the measured part of each run counts its queries instead.
        counted: list[int] | None = None

        def measured(
            function: Callable[[], Any], then: Callable[[], None] | None = None
        ) -> tuple[float, Any]:
            """Time ``function`` then ``then``; or, in the warm-up, count ``function``'s queries."""
            if counted is None:  # the repetitions collect the heap before the transaction
                return timed(function, then=then, collect=False)
            queries, outcome = captured_queries(function)
            counted.append(len(queries))
            return 0.0, outcome

        def select() -> list[tuple[int, str, int]]:
            with connection.cursor() as cursor:
                cursor.execute(query, params)
                return cursor.fetchall()

        def sweep_once() -> Any:
            return reminders_sweep(day=day, deliver="queue")

        def check_constraints() -> None:
            # The foreign keys are deferred to the commit, which never comes: check
            # them now, so the time includes what committing would add.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

        def floor() -> tuple[float, Any]:
            return measured(select)

        def due() -> tuple[float, Any]:
            return measured(lambda: reminders_due(day))

        def sweep() -> tuple[float, Any]:
            try:
                with transaction.atomic():
                    outcome = measured(sweep_once, check_constraints)
                    raise _Rollback
            except _Rollback:
                return outcome

        def rerun() -> tuple[float, Any]:
            try:
                with transaction.atomic():
                    if not sweep_once().reminder_ids:
                        raise CommandError("The first sweep recorded nothing: no re-run to time.")
                    check_constraints()
                    outcome = measured(sweep_once, check_constraints)
                    raise _Rollback
            except _Rollback:
                return outcome

        methods = [
            Method(FLOOR, floor, len),
            Method(DUE, due, len),
            Method(SWEEP, sweep, lambda result: len(result.reminder_ids)),
            Method(RERUN, rerun, lambda result: len(result.reminder_ids)),
        ]

        # The rules one by one: reminders_due narrowed to each rule's kinds (its query,
        # plus the leads, mutes and deactivated accounts it reads whatever the kinds).
        def narrowed(*kinds: str) -> Callable[[], Any]:
            return lambda: reminders_due(day, kinds=kinds)

        rules = [
            Rule(
                "handover (both kinds)",
                narrowed(ReminderKind.HANDOVER_UNPLANNED, ReminderKind.HANDOVER_ESCALATION),
            ),
            *(
                Rule(str(kind), narrowed(kind))
                for kind in (
                    ReminderKind.TASK_OVERDUE,
                    ReminderKind.METRIC_STALE,
                    ReminderKind.OWNERSHIP_PENDING,
                    ReminderKind.DECISION_OVERDUE,
                    ReminderKind.TASK_DUE_SOON,
                    ReminderKind.PILOT_ENDING,
                    ReminderKind.START_OVERDUE,
                )
            ),
        ]

        self.stdout.write("  warming up (one untimed run of each, counting queries)...")
        outcomes: dict[str, Any] = {}
        for method in methods:
            counted = []
            _, outcome = method.run()
            method.queries = counted[0]
            method.row_count = method.rows(outcome)
            outcomes[method.name] = outcome
        counted = None
        for rule in rules:
            queries, outcome = captured_queries(rule.run)
            rule.row_count, rule.sql = len(outcome), max(queries, key=len)  # the rule's

        due_items = outcomes[DUE]
        self.check_same(set(outcomes[FLOOR]), due_items, outcomes[FLOOR])
        if outcomes[RERUN].reminder_ids:
            raise CommandError(
                f"The re-run recorded {len(outcomes[RERUN].reminder_ids)} reminders, not 0."
            )
        due_by_kind = Counter(item.kind for item in due_items)
        # Event notifications are recorded by the changes, never by the sweep.
        missing = sorted(set(ReminderKind.values) - ReminderKind.EVENTS - set(due_by_kind))
        if missing:
            self.stderr.write(f"  warning: no reminder of kind {', '.join(missing)} is due")

        for _ in repetitions(self.stdout.write, repeat):
            for method in methods:
                gc.collect()
                seconds, outcome = method.run()
                method.times.append(seconds)
                if method.rows(outcome) != method.row_count:
                    raise CommandError(
                        f"{method.name}: {method.rows(outcome)} rows, "
                        f"{method.row_count} in the warm-up."
                    )
            for rule in rules:
                rule.times.append(timed(rule.run)[0])

        if explain:
            slowest = max(rules, key=lambda rule: rule.median)
            self.stdout.write(f"\n  EXPLAIN ANALYZE of the slowest rule, {slowest.name}:")
            self.stdout.write("    " + slowest.sql)
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest.sql)
                for (line,) in cursor.fetchall():
                    self.stdout.write("    " + line)

        return SizeResult(
            pilots=size,
            total_pilots=Pilot.objects.count(),
            portfolio={},
            methods=methods,
            rules=rules,
            due_by_kind=due_by_kind,
            floor_keys=set(outcomes[FLOOR]),
            due_keys={
                (pilot, str(kind), user)
                for pilot, kind, user in (d.key for d in due_items)
                if kind not in NOT_IN_FLOOR
            },
        )

    def check_same(self, floor: set[tuple[int, str, int]], due: list[Any], rows: list[Any]) -> None:
        """The floor must find exactly the reminders the service finds, once each (of the
        kinds it models: ``NOT_IN_FLOOR`` are found by the sweep and timed with it)."""
        keys = [
            (pilot, str(kind), user)
            for pilot, kind, user in (item.key for item in due)
            if kind not in NOT_IN_FLOOR
        ]
        problems = []
        if len(keys) != len(set(keys)):
            problems.append(f"reminders_due returned {len(keys) - len(set(keys))} duplicate keys")
        if len(rows) != len(floor):
            problems.append(f"the SQL floor returned {len(rows) - len(floor)} duplicate rows")
        only_sql, only_due = sorted(floor - set(keys)), sorted(set(keys) - floor)
        for label, extra in (
            ("only in the SQL floor", only_sql),
            ("only in reminders_due", only_due),
        ):
            if extra:
                problems.append(f"{len(extra)} keys {label}, e.g. {extra[:10]}")
        self.stdout.write(
            f"  rows: SQL floor {len(floor):,}, reminders_due {len(set(keys)):,}"
            + ("" if problems else " (the same keys)")
        )
        if problems:
            raise CommandError("The SQL floor and reminders_due differ: " + "; ".join(problems))

    # --- Output ------------------------------------------------------------------------

    def report(self, results: list[SizeResult], *, repeat: int, elapsed: float) -> None:
        out = self.stdout.write
        out("")
        out("Reminder sweep benchmark")
        out(
            f"PostgreSQL {server_version()}; day {timezone.localdate()} "
            f"({timezone.get_current_timezone_name()}); {repeat} repetitions; "
            "wall time (time.perf_counter), DEBUG off"
        )
        out("Sweeps are rolled back after each run; ratios use the medians.")
        out("")
        lines = []
        for result in results:
            floor = {method.name: method for method in result.methods}[FLOOR].median
            lines += [method_line(result.pilots, method, floor) for method in result.methods]
        table(
            out, ("pilots", "method", "median s", "best s", "queries", "rows", "x SQL floor"), lines
        )

        out("")
        out("The rules one by one (reminders_due of their kinds; rows after muting, deactivation):")
        lines = []
        for result in results:
            due = {method.name: method for method in result.methods}[DUE].median
            for rule in result.rules:
                lines.append(
                    (
                        f"{result.pilots:,}",
                        rule.name,
                        f"{rule.median:.4f}",
                        f"{rule.row_count:,}",
                        f"{rule.median / due:.0%}",
                    )
                )
        table(out, ("pilots", "rule", "median s", "rows", "of reminders_due"), lines)

        out("")
        for result in results:
            kinds = ", ".join(
                f"{kind} {count:,}" for kind, count in sorted(result.due_by_kind.items())
            )
            out(f"{result.pilots:,} pilots ({result.total_pilots:,} in the database): due {kinds}")
            by_name = {method.name: method for method in result.methods}
            out(
                f"  the sweep takes {by_name[SWEEP].median / by_name[FLOOR].median:.1f}x the SQL "
                f"floor's time; reminders_due {by_name[DUE].median / by_name[FLOOR].median:.1f}x; "
                f"the no-op re-run {by_name[RERUN].median / by_name[FLOOR].median:.1f}x."
            )
            writing = by_name[SWEEP].median - by_name[DUE].median
            out(
                f"  recording (the sweep less reminders_due): {writing:.4f}s, "
                f"{writing / by_name[SWEEP].median:.0%} of the sweep."
            )
        if len(results) > 1:
            small, large = results[0], results[-1]
            growth = large.pilots / small.pilots
            small_by = {method.name: method for method in small.methods}
            changes = ", ".join(
                f"{method.name} {method.median / small_by[method.name].median:.1f}x"
                for method in large.methods
            )
            out(f"{growth:.0f}x the pilots: {changes}.")
        out(f"Whole run: {elapsed:.0f}s.")
