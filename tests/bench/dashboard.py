"""Time the portfolio dashboard and the nightly scorecard recompute against SQL floors.

Not a test: ``make bench`` runs it against a PostgreSQL database of its own
(``DATABASE_URL=postgres://postgres@127.0.0.1:5432/pilotgate_bench``). For each
portfolio size (``--small``, then ``--pilots``) it builds a scratch portfolio in
bulk: business units "Bench dashboard <run> unit <n>", users
``bench-dashboard-<run>-*`` with one lead in "Portfolio leads", and per pilot 4
metrics (one primary; 5% of pilots have only model metrics), ``--readings``
readings per metric (default 25: the issue's 1,000,000 readings for 10,000
pilots; one ``generate_series`` query), 6 knowledge-transfer tasks on average,
6 infrastructure answers, graduation and stop decisions and 12 weekly
snapshots, spread over stages and dates so that every reason code of
``scorecards.scoring`` fires. Then it measures:

- the nightly recompute of every scorecard (``scorecards_recompute()``),
  ``--recompute-repeat`` times (VACUUM ANALYZE of the scorecard tables between
  runs, untimed, so each run starts from the same state);
- the dashboard's first page and a filtered page (``?stage=running&reason=
  METRIC_STALE``) as the lead, ``--repeat`` times each: ``GET /portfolio/``
  through Django's test ``Client`` when that URL exists (``--page auto``), and
  the selectors alone: the first 25 rows of ``DashboardFilter(...).qs`` of
  ``dashboard_scorecards(lead)``, ``dashboard_summary`` and ``risk_trend`` (the
  stand-in for the page while the view does not exist; ``--page stand-in``);
- the floor of each page: ONE SQL query (``cursor.execute``) returning the same
  25 rows in the same order with the columns a row shows; its pilot ids must be
  the selector's first 25 (and the stand-in's; the page must show their
  references), or the command fails.

It prints medians, query counts and ratios against the floor measured in the
same run, the growth from the small to the large portfolio, each page's
queries with their median times and its time split into SQL, templates and the
rest (from untimed recorded runs after the timed ones), and (``--explain``,
largest size) ``EXPLAIN ANALYZE`` of each page's slowest query and of the
dashboard's row queries, saying whether the indexes
``scorecard_dashboard_order`` and ``scorecard_reason_code`` are used.

The scratch data is deleted when it ends, also when it fails (a run killed
outright leaves business units "Bench dashboard <run> unit <n>": delete the
scorecard rows, readings, metrics, tasks, answers, decisions and snapshots of
their pilots, the pilots, then the users ``bench-dashboard-<run>-*``). The
tables it writes are vacuumed after building (no dead rows of earlier runs in
the indexes) and after deleting. ``scorecards_recompute()`` scores every pilot
in the database, as the nightly task does: other pilots count in its time, and
the scorecards it creates for them (those that had none) are deleted too.

DEBUG is off while it runs, as in production; query counts come from an
untimed warm-up run (counting queries records them, which would be timed too),
which also lists the queries run while templates render.
"""

from __future__ import annotations

import gc
import importlib.util
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.models import Count
from django.template import base as template_base
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone
from psycopg import sql

from pilots.enums import (
    Cadence,
    Direction,
    InfrastructureAnswerValue,
    InfrastructureItem,
    MetricKind,
    OwnershipStatus,
    ReadingSource,
    Stage,
    TaskKind,
    TaskStatus,
)
from pilots.models import (
    BusinessUnit,
    GateDecision,
    InfrastructureAnswer,
    KnowledgeTransferTask,
    Metric,
    MetricReading,
    OperatingPlan,
    Pilot,
    PilotEvent,
    PilotMembership,
    Reminder,
)
from pilots.permissions import sees_every_pilot
from scorecards import services
from scorecards.filters import DashboardFilter
from scorecards.models import Scorecard, ScorecardReason, ScorecardSnapshot
from scorecards.scoring import REASON_CODES, Risk
from scorecards.selectors import (
    TREND_WEEKS,
    dashboard_rows,
    dashboard_scorecards,
    dashboard_summary,
    risk_trend,
)
from scorecards.services import scorecards_recompute, week_of
from tests.bench.common import (
    Scratch,
    Timings,
    accepted_owner,
    add_size_arguments,
    assign_references,
    bench_settings,
    captured_queries,
    declined_owner,
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
    vacuum,
)

PORTFOLIO_PATH = "/portfolio/"
PAGE_ROWS = 25
FIRST: dict[str, str] = {}
FILTERED = {"stage": Stage.RUNNING.value, "reason": "METRIC_STALE"}
METRICS_PER_PILOT = 4
READINGS_PER_METRIC = 25  # 10,000 pilots: 40,000 metrics, 1,000,000 readings
UNITS = 8
INDEXES = ("scorecard_dashboard_order", "scorecard_reason_code")
# The targets (issue 13), at --pilots: the selectors and the whole page against the
# floor; at --large, the page against its cost at --pilots, and the recompute's cost
# per pilot against the smallest portfolio's.
SELECTORS_TARGET = 3.0
PAGE_TARGET = 10.0
GROWTH_TARGET = 1.5
LINEAR_TARGET = 1.5
# A row of the dashboard's table, as the page writes it: its pilot's reference.
ROW_REFERENCE = re.compile(r'<tr [^>]*data-reference="([^"]+)"')

RECOMPUTE = "nightly recompute (all scorecards)"
FIRST_PAGE = "first page"
FIRST_FLOOR = "first page floor (1 SQL query)"
FILTERED_PAGE = "filtered page"
FILTERED_FLOOR = "filtered page floor (1 SQL query)"

# The rows of a dashboard page, as one query: what a row shows (the pilot, its
# business unit, sponsor and owner, the scores, reasons, next date and sparkline),
# in the dashboard's order (worst risk, soonest date with none last, reference).
FLOOR_SQL = """
SELECT s.pilot_id, p.reference, p.title, p.stage, p.owner_status, b.name,
       sp.first_name, sp.last_name, sp.username, o.first_name, o.last_name, o.username,
       s.risk, s.overall, s.infrastructure, s.metric, s.ownership, s.handover,
       s.reasons, s.next_date, s.sparkline
FROM {scorecard} s
JOIN {pilot} p ON p.id = s.pilot_id
LEFT JOIN {unit} b ON b.id = p.business_unit_id
JOIN {user} sp ON sp.id = p.sponsor_id
LEFT JOIN {user} o ON o.id = p.owner_id
{where}
ORDER BY s.risk DESC, s.next_date ASC NULLS LAST, p.reference ASC
LIMIT %(rows)s
"""
FLOOR_FILTER_SQL = """
WHERE p.stage = %(stage)s
  AND EXISTS (SELECT FROM {reason} r WHERE r.scorecard_id = s.pilot_id AND r.code = %(reason)s)
"""


@dataclass
class Query:
    seconds: float
    rendering: bool  # run while a template rendered
    sql: str
    params: Any


@dataclass
class Recording:
    """One run, query by query, and the time spent rendering templates."""

    queries: list[Query] = field(default_factory=list)
    render_seconds: float = 0.0
    total_seconds: float = 0.0

    @property
    def sql_seconds(self) -> float:
        return sum(query.seconds for query in self.queries)


@dataclass
class Method(Timings):
    name: str
    run: Callable[[], Any]
    rows: Callable[[Any], int]
    floor: str | None = None  # the name of the method that is this one's floor
    is_page: bool = False  # what the goals are about
    times: list[float] = field(default_factory=list)
    queries: int = 0
    row_count: int = 0
    warm_up: Recording = field(default_factory=Recording)
    # Untimed runs after the timed ones, recording every query's time and the rendering.
    profiles: list[Recording] = field(default_factory=list)

    @property
    def while_rendering(self) -> list[str]:
        return [query.sql for query in self.warm_up.queries if query.rendering]

    def profile_median(self, value: Callable[[Recording], float]) -> float:
        return statistics.median(value(profile) for profile in self.profiles)

    def query_median(self, position: int) -> float:
        """The median time of the query at this position (the page runs the same ones)."""
        return statistics.median(
            profile.queries[position].seconds
            for profile in self.profiles
            if len(profile.queries) > position
        )


@dataclass
class Explained:
    label: str
    plan: list[str]
    uses: dict[str, bool]


@dataclass
class SizeResult:
    pilots: int
    total_pilots: int
    portfolio: dict[str, int]
    reasons: Counter[str]
    risks: Counter[int]
    methods: list[Method]
    explained: list[Explained] = field(default_factory=list)
    # By page method: the references of the floor's rows and of the page's (or the
    # selectors'), in order; equal, or the run fails.
    rows: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)

    def method(self, name: str) -> Method:
        return next(method for method in self.methods if method.name == name)


@dataclass
class Plan:
    """One scratch pilot: its fields and what to build around it."""

    fields: dict[str, Any]
    tasks: list[tuple[str, date]]  # (status, due on), in position order
    model_only: bool  # four model metrics and no primary one
    cadence: str  # of the primary metric
    lag: int  # days since the last reading
    curve: tuple[Decimal, Decimal, Decimal, date | None]  # primary: a + b * progress, + c after g
    infrastructure_yes: int
    decision: tuple[str, date] | None  # (to stage, local day)


class _Failed(Exception):
    """The page answered something else than 200."""


@contextmanager
def recording(into: Recording) -> Iterator[None]:
    """Record every query (time, whether a template was rendering, SQL) and the rendering time."""
    original = template_base.Template.render
    depth = 0

    def render(self: Any, context: Any) -> Any:
        nonlocal depth
        depth += 1
        started = time.perf_counter()
        try:
            return original(self, context)
        finally:
            depth -= 1
            if not depth:
                into.render_seconds += time.perf_counter() - started

    def watch(execute: Any, sql_text: str, params: Any, many: bool, context: Any) -> Any:
        rendering = bool(depth)
        started = time.perf_counter()
        try:
            return execute(sql_text, params, many, context)
        finally:
            seconds = time.perf_counter() - started
            into.queries.append(Query(seconds, rendering, str(sql_text), params))

    template_base.Template.render = render
    try:
        with connection.execute_wrapper(watch):
            yield
    finally:
        template_base.Template.render = original


def recorded(function: Callable[[], Any]) -> tuple[Recording, Any]:
    """Run ``function``, recording it; the recording and the outcome."""
    into = Recording()
    with recording(into):
        started = time.perf_counter()
        outcome = function()
        into.total_seconds = time.perf_counter() - started
    return into, outcome


def describe(sql_text: str, width: int = 110) -> str:
    """A query in one short line: its verb, and what follows its first FROM."""
    text = " ".join(sql_text.split())
    verb, _, _ = text.partition(" ")
    _, found, tail = text.partition(" FROM ")
    shown = f"{verb} ... FROM {tail}" if found and verb in ("SELECT", "DELETE") else text
    return shown if len(shown) <= width else shown[: width - 3] + "..."


def touched_models() -> list[Any]:
    """The tables a run writes to (and vacuums after building and after deleting)."""
    User = get_user_model()
    return [
        Pilot,
        BusinessUnit,
        Metric,
        MetricReading,
        KnowledgeTransferTask,
        InfrastructureAnswer,
        GateDecision,
        ScorecardSnapshot,
        Scorecard,
        ScorecardReason,
        User,
        User.groups.through,
        Session,
    ]


class Command(BaseCommand):
    results: list[SizeResult]  # after handle: each size's figures and rows
    help = (
        "Time the portfolio dashboard (first and filtered page) and the nightly scorecard "
        "recompute against one SQL query returning the same rows. Needs PostgreSQL; "
        "creates and deletes its own scratch portfolio."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_size_arguments(parser, first="measured")
        parser.add_argument(
            "--readings",
            type=int,
            default=READINGS_PER_METRIC,
            help="Readings per metric, one a day (at least 12: the sparkline and DEGRADING).",
        )
        parser.add_argument(
            "--large",
            type=int,
            default=0,
            help="Pilots in a third, larger portfolio measured last (e.g. 100000; 0: skip): "
            f"its page must cost at most {GROWTH_TARGET}x the --pilots one, and the "
            "recompute's cost per pilot stay linear.",
        )
        parser.add_argument("--repeat", type=int, default=5, help="Timed runs per page.")
        parser.add_argument(
            "--recompute-repeat", type=int, default=3, help="Timed runs of the recompute."
        )
        parser.add_argument(
            "--page",
            choices=("auto", "view", "stand-in"),
            default="auto",
            help=f"Time GET {PORTFOLIO_PATH} (view), the selectors (stand-in), or the view "
            "when the URL exists (auto).",
        )
        parser.add_argument(
            "--explain",
            action="store_true",
            help="Print EXPLAIN ANALYZE of the dashboard's row queries at the largest size.",
        )

    def handle(
        self,
        *args: Any,
        pilots: int,
        small: int,
        large: int,
        readings: int,
        repeat: int,
        recompute_repeat: int,
        page: str,
        explain: bool,
        **options: Any,
    ) -> None:
        require_postgresql("python -m tests.bench dashboard")
        sizes = portfolio_sizes(pilots, small, minimum=40)
        if large:
            if large <= pilots:
                raise CommandError("--large must be more than --pilots.")
            sizes.append(large)
        self.target_size = pilots
        if repeat < 1 or recompute_repeat < 1:
            raise CommandError("--repeat and --recompute-repeat must be at least 1.")
        if readings < 12:
            raise CommandError("--readings must be at least 12.")
        self.readings_per_metric = readings
        self.page_mode = self.choose_page(page)
        self.host, hosts = self.server_name()
        started = time.perf_counter()
        with bench_settings(allowed_hosts=hosts, quiet=services.__name__):  # logs every run
            results = [
                self.bench(
                    size,
                    repeat=repeat,
                    recompute_repeat=recompute_repeat,
                    explain=explain and size == sizes[-1],
                )
                for size in sizes
            ]
        self.results = results
        self.report(
            results,
            repeat=repeat,
            recompute_repeat=recompute_repeat,
            elapsed=time.perf_counter() - started,
        )

    def choose_page(self, page: str) -> str:
        """``view`` or ``stand-in``; the reason is printed."""
        urls = importlib.util.find_spec("scorecards.urls") is not None
        try:
            resolved = resolve(PORTFOLIO_PATH)
        except Resolver404:
            resolved = None
        where = (
            f"{PORTFOLIO_PATH} resolves to {resolved._func_path}"
            if resolved is not None
            else f"{PORTFOLIO_PATH} does not resolve"
            + ("" if urls else " (no scorecards/urls.py yet)")
        )
        if page == "view" and resolved is None:
            raise CommandError(f"--page view, but {where}.")
        mode = page if page != "auto" else ("view" if resolved is not None else "stand-in")
        self.page_note = f"{where}: timing " + (
            f"GET {PORTFOLIO_PATH} through the test Client"
            if mode == "view"
            else "the selectors stand-in (DashboardFilter rows, dashboard_summary, risk_trend)"
        )
        self.stdout.write(self.page_note)
        return mode

    def server_name(self) -> tuple[str, list[str]]:
        """A host the settings allow (``SERVER_NAME`` of the requests), and ALLOWED_HOSTS."""
        hosts = list(settings.ALLOWED_HOSTS)
        for host in hosts:
            if host == "*":
                return "127.0.0.1", hosts
            if host:
                return host.lstrip("."), hosts
        return "testserver", [*hosts, "testserver"]

    # --- Scaffolding -------------------------------------------------------------------

    def bench(self, size: int, *, repeat: int, recompute_repeat: int, explain: bool) -> SizeResult:
        foreign: list[int] = []
        client: Client | None = None

        def cleanup(scratch: Scratch) -> None:  # the client and foreign as they are by then
            if client is not None:
                client.logout()
            self.cleanup(scratch, foreign=foreign)

        with scratch_portfolio(self.stdout.write, size, cleanup) as scratch:
            run = scratch.run
            portfolio, lead = self.build(size, run=run, group=scratch.group)
            # Pilots not of this run that have no scorecard yet: the recompute makes one.
            foreign += (
                Pilot.objects.exclude(business_unit__name__startswith=self.unit_prefix(run))
                .filter(scorecard__isnull=True)
                .values_list("pk", flat=True)
            )
            scratch.built(portfolio)
            if self.page_mode == "view":
                client = Client(SERVER_NAME=self.host)
                client.force_login(lead)
            result = self.measure(
                size,
                run=run,
                lead=lead,
                client=client,
                repeat=repeat,
                recompute_repeat=recompute_repeat,
                explain=explain,
            )
            result.portfolio = portfolio
            return result

    @staticmethod
    def unit_prefix(run: str) -> str:
        return f"Bench dashboard {run} unit "

    def build(self, size: int, *, run: str, group: Group) -> tuple[dict[str, int], Any]:
        """The scratch portfolio, every row in bulk; the counts of what it made, and the lead."""
        User = get_user_model()
        day = timezone.localdate()
        now = timezone.now()
        zone = timezone.get_current_timezone()
        unusable = make_password(None)

        def user(role: str, number: int, *, active: bool = True) -> Any:
            return User(
                username=f"bench-dashboard-{run}-{role}-{number}",
                first_name=role.capitalize(),
                last_name=str(number),
                email=f"{role}{number}@bench.invalid",
                password=unusable,
                is_active=active,
            )

        units = BusinessUnit.objects.bulk_create(
            [BusinessUnit(name=f"{self.unit_prefix(run)}{n}") for n in range(UNITS)]
        )
        people = User.objects.bulk_create(
            [user("sponsor", n) for n in range(25)]
            # Owners 7, 57, 107 and 157 are deactivated (OWNER_INACTIVE).
            + [user("owner", n, active=n % 50 != 7) for n in range(200)]
            + [user("operator", n) for n in range(20)]
            + [user("assignee", n) for n in range(40)]
            + [user("lead", 0)]
        )
        sponsors, owners = people[:25], people[25:225]
        operators, assignees, lead = people[225:245], people[245:285], people[285]
        group.user_set.add(lead)

        def ago(days: int) -> date:
            return day - timedelta(days=days)

        def local(on: date, hour: int = 12) -> datetime:
            return datetime.combine(on, clock(hour), tzinfo=zone)

        def owner_of(i: int) -> Any:
            owner = owners[(i * 7) % len(owners)]
            return owner if owner.is_active else owners[(i * 7 + 1) % len(owners)]

        def accepted(owner: Any) -> dict[str, Any]:
            return accepted_owner(owner, now)

        def pending(owner: Any, days: int) -> dict[str, Any]:
            return {
                "owner": owner,
                "owner_status": OwnershipStatus.PENDING,
                "owner_nominated_at": now - timedelta(days=days),
                "owner_responded_at": None,
            }

        nobody = {
            "owner": None,
            "owner_status": OwnershipStatus.NONE,
            "owner_nominated_at": None,
            "owner_responded_at": None,
        }

        def declined(owner: Any) -> dict[str, Any]:
            return declined_owner(owner, now)

        def planned(start: date | None, end: date | None, stage: str) -> dict[str, Any]:
            return {"stage": stage, "planned_start": start, "planned_end": end}

        def running(started: int, end: int) -> dict[str, Any]:
            """Started ``started`` days ago, ends in ``end`` days (negative: ended)."""
            return {**planned(ago(started), ago(-end), Stage.RUNNING), "started_on": ago(started)}

        def closed(stage: str, started: int, ended: int, operator: Any) -> dict[str, Any]:
            fields = {**planned(ago(started), ago(ended), stage), "started_on": ago(started)}
            if stage == Stage.GRADUATED:
                fields |= {
                    "operations_owner": operator,
                    "operations_accepted_at": now - timedelta(days=ended),
                    "operations_accepted_by": operator,
                }
            return fields

        def future(count: int, first: int = 5) -> list[tuple[str, date]]:
            return [(TaskStatus.TODO, ago(-(first + 7 * p))) for p in range(count)]

        def done(count: int, first: int = 20) -> list[tuple[str, date]]:
            return [(TaskStatus.DONE, ago(first - p)) for p in range(count)]

        line = (Decimal(105), Decimal(100), Decimal(0), None)  # ahead of its trajectory

        def plan(i: int) -> Plan:
            k, j = i % 20, i // 20
            s = j % 30
            owner = owner_of(i)
            fields: dict[str, Any] = {
                "sponsor": sponsors[i % len(sponsors)],
                "business_unit": units[i % UNITS],
                **accepted(owner),
            }
            if j % 2 == 0:
                fields["operations_owner"] = operators[j % len(operators)]
            else:
                fields["receiving_team"] = "Bench operations"
            tasks = done(2, 10) + future(4)
            curve, lag, yes, decision = line, 1, 6 if j % 9 else 5, None
            cadence = (
                Cadence.DAILY if j % 5 == 0 else Cadence.MONTHLY if j % 7 == 1 else Cadence.WEEKLY
            )
            model_only = False
            if k == 0:  # draft, nobody nominated, no operations owner, few rails yet
                fields |= planned(ago(-(20 + s)), ago(-(140 + s)), Stage.DRAFT) | nobody
                fields |= {"operations_owner": None, "receiving_team": ""}
                tasks, yes = future(6, 60), 2 + j % 3
            elif k == 1:  # draft, nomination pending, no dates yet
                fields |= planned(None, None, Stage.DRAFT) | pending(owner, 2 + s % 5)
                tasks, yes = future(6, 60), 2 + j % 3
            elif k == 2:  # proposed, starts in 10 to 39 days
                fields |= planned(ago(-(10 + s)), ago(-(100 + s)), Stage.PROPOSED)
                tasks, yes = future(6, 40), 4 + j % 3
            elif k == 3:  # approved, starts in 5 to 14 days
                fields |= planned(ago(-(5 + s % 10)), ago(-(95 + s)), Stage.APPROVED)
                tasks = future(6, 30)
            elif k == 4:  # approved late: window opens in 4 to 8 days, no tasks
                fields |= planned(ago(40), ago(-(26 + s % 5)), Stage.APPROVED)
                tasks = []
            elif k == 5:  # running, window open, 2 or 3 tasks overdue
                fields |= running(60 + s % 10, 30)
                overdue = 3 if j % 4 == 0 else 2
                tasks = [(TaskStatus.TODO, ago(2 + p)) for p in range(overdue)]
                tasks += future(6 - overdue, 10)
            elif k == 6:  # running, window open 2 or 20+ days, no tasks
                fields |= running(62, 28) if j % 3 == 0 else running(80, 10 - s % 5)
                tasks = []
            elif k == 7:  # running, primary metric silent for 20 to 39 days
                fields |= running(100, 60 + s)
                cadence, lag = Cadence.WEEKLY, 20 + s % 20
            elif k == 8:  # running, primary metric behind its trajectory
                fields |= running(90, 90 + s)
                curve = (
                    (Decimal(100), Decimal(20), Decimal(0), None)
                    if j % 2 == 0
                    else (Decimal(90), Decimal(100), Decimal(0), None)
                )
            elif k == 9:  # running, ended 1 to 10 days ago, no decision
                fields |= running(120, -(1 + s % 10))
                tasks = done(6)
            elif k == 10:  # running, the accepted owner's account is deactivated
                fields |= running(50, 100 + s) | accepted(owners[7 + 50 * (j % 4)])
            elif k == 11:  # running, only model metrics
                fields |= running(30, 90)
                model_only = True
            elif k == 12:  # graduated 6 days ago, the metric has fallen back since
                fields |= closed(Stage.GRADUATED, 200, 10, operators[j % len(operators)])
                curve = (Decimal(200), Decimal(0), Decimal(-20), ago(6))
                tasks, decision = done(6), (Stage.GRADUATED, ago(6))
            elif k == 13:  # graduated a while ago, holding its level
                fields |= closed(Stage.GRADUATED, 300, 100, operators[j % len(operators)])
                curve = (Decimal(205), Decimal(0), Decimal(0), None)
                tasks, decision = done(6, 120), (Stage.GRADUATED, ago(60 + s))
            elif k == 14:  # stopped
                fields |= closed(Stage.STOPPED, 150, 30, None)
                tasks, decision = done(6, 60), (Stage.STOPPED, ago(30))
            elif k == 15:  # running, healthy, started recently
                fields |= running(20 + s % 10, 100 + s)
            elif k == 16:  # running, window opens in 4 days, a big plan
                fields |= running(70, 40)
                tasks = done(4, 10) + future(8)
            elif k == 17:  # approved, starts in 3 days, a big plan
                fields |= planned(ago(-3), ago(-(60 + s)), Stage.APPROVED)
                tasks = future(12, 20)
            elif k == 18:  # running, the nominee declined
                fields |= running(30, 100) | declined(owner)
            else:  # running, half the rails and no operations owner
                fields |= running(40, 80)
                fields |= {"operations_owner": None, "receiving_team": ""}
                yes = 3
            return Plan(fields, tasks, model_only, cadence, lag, curve, yes, decision)

        plans = [plan(i) for i in range(size)]
        pilots = Pilot.objects.bulk_create(
            [
                Pilot(
                    title=f"Bench dashboard pilot {i}",
                    problem_statement="A scratch pilot of make bench, deleted at its end.",
                    **p.fields,
                )
                for i, p in enumerate(plans)
            ],
            batch_size=2_000,
        )
        unit_ids = [unit.pk for unit in units]
        assign_references(unit_ids)

        metrics = Metric.objects.bulk_create(
            [
                Metric(
                    pilot=pilot,
                    name=name,
                    kind=kind,
                    unit="%",
                    direction=Direction.INCREASE,
                    baseline=Decimal(100) if kind == MetricKind.PRIMARY else Decimal(50),
                    target=Decimal(200) if kind == MetricKind.PRIMARY else Decimal(80),
                    target_date=pilot.planned_end if kind == MetricKind.PRIMARY else None,
                    cadence=p.cadence if kind == MetricKind.PRIMARY else Cadence.WEEKLY,
                )
                for pilot, p in zip(pilots, plans, strict=True)
                for name, kind in (
                    [(f"Model metric {n}", MetricKind.MODEL) for n in range(METRICS_PER_PILOT)]
                    if p.model_only
                    else [
                        ("Primary outcome", MetricKind.PRIMARY),
                        ("Cases handled", MetricKind.BUSINESS),
                        ("Critical segment accuracy", MetricKind.CRITICAL_SEGMENT),
                        ("Model F1", MetricKind.MODEL),
                    ]
                )
            ],
            batch_size=5_000,
        )
        # Readings: one a day up to each pilot's last reading, in one query.
        # Primary: a + b * (share of the way from start to target date) + c after day g.
        plan_of = {pilot.pk: (pilot, p) for pilot, p in zip(pilots, plans, strict=True)}
        columns: dict[str, list[Any]] = {
            key: [] for key in ("ids", "last", "t0", "t1", "a", "b", "c", "g")
        }
        for metric in metrics:
            pilot, p = plan_of[metric.pilot_id]
            primary = metric.kind == MetricKind.PRIMARY
            a, b, c, g = (
                p.curve if primary else (Decimal(50 + pilot.pk % 10), Decimal(0), Decimal(0), None)
            )
            for key, value in (
                ("ids", metric.pk),
                ("last", ago(p.lag)),
                ("t0", pilot.started_on if primary else None),
                ("t1", metric.target_date),
                ("a", a),
                ("b", b),
                ("c", c),
                ("g", g),
            ):
                columns[key].append(value)
        reading_sql = sql.SQL(
            """
            INSERT INTO {reading} (metric_id, observed_on, value, note, source,
                                   created_at, updated_at)
            SELECT m.id, m.last_on - n.n,
                   round(m.a + m.b * least(1, greatest(0, coalesce(
                       (m.last_on - n.n - m.t0)::numeric / nullif(m.t1 - m.t0, 0), 0)))
                     + CASE WHEN m.last_on - n.n > m.g THEN m.c ELSE 0 END
                     + (n.n %% 3) * 0.1, 4),
                   '', %(source)s, %(now)s, %(now)s
            FROM unnest(%(ids)s::bigint[], %(last)s::date[], %(t0)s::date[], %(t1)s::date[],
                        %(a)s::numeric[], %(b)s::numeric[], %(c)s::numeric[], %(g)s::date[])
                 AS m (id, last_on, t0, t1, a, b, c, g)
            CROSS JOIN generate_series(0, %(per)s - 1) AS n (n)
            """
        ).format(reading=sql.Identifier(MetricReading._meta.db_table))
        readings_per_metric = self.readings_per_metric
        with connection.cursor() as cursor:
            cursor.execute(
                reading_sql,
                {
                    **columns,
                    "source": ReadingSource.IMPORT.value,
                    "now": now,
                    "per": readings_per_metric,
                },
            )
            readings = cursor.rowcount

        kinds = TaskKind.values
        tasks = KnowledgeTransferTask.objects.bulk_create(
            [
                KnowledgeTransferTask(
                    pilot=pilot,
                    title=f"Bench task {position}",
                    kind=kinds[position % len(kinds)],
                    assignee=assignees[(pilot.pk + position) % len(assignees)],
                    receiver_team="Bench operations",
                    due_on=due_on,
                    status=status,
                    position=position,
                    **(
                        {
                            "evidence_url": "https://bench.invalid/runbook",
                            "completed_at": now - timedelta(days=1),
                            "completed_by": assignees[(pilot.pk + position) % len(assignees)],
                        }
                        if status == TaskStatus.DONE
                        else {}
                    ),
                )
                for pilot, p in zip(pilots, plans, strict=True)
                for position, (status, due_on) in enumerate(p.tasks)
            ],
            batch_size=5_000,
        )
        with connection.cursor() as cursor:
            # Planned when the pilot started (or today, if later): auto_now_add wrote now.
            cursor.execute(
                sql.SQL(
                    "UPDATE {task} t SET created_at = (least(coalesce(p.started_on, "
                    "p.planned_start, %(day)s), %(day)s) + time '09:00') AT TIME ZONE %(zone)s "
                    "FROM {pilot} p WHERE p.id = t.pilot_id AND p.business_unit_id = ANY(%(units)s)"
                ).format(
                    task=sql.Identifier(KnowledgeTransferTask._meta.db_table),
                    pilot=sql.Identifier(Pilot._meta.db_table),
                ),
                {"day": day, "zone": timezone.get_current_timezone_name(), "units": unit_ids},
            )
        items = InfrastructureItem.values
        answers = InfrastructureAnswer.objects.bulk_create(
            [
                InfrastructureAnswer(
                    pilot=pilot,
                    item=item,
                    answer=(
                        InfrastructureAnswerValue.YES
                        if n < p.infrastructure_yes
                        else InfrastructureAnswerValue.PLANNED
                        if n % 2
                        else InfrastructureAnswerValue.NO
                    ),
                    evidence_url="https://bench.invalid/evidence"
                    if n < p.infrastructure_yes
                    else "",
                )
                for pilot, p in zip(pilots, plans, strict=True)
                for n, item in enumerate(items)
            ],
            batch_size=5_000,
        )
        decisions = GateDecision.objects.bulk_create(
            [
                GateDecision(
                    pilot=pilot,
                    decided_by=lead,
                    decided_at=local(p.decision[1]),
                    from_stage=Stage.RUNNING,
                    to_stage=p.decision[0],
                    rationale="Scratch decision of the dashboard benchmark.",
                    lessons_learned="Bench: stopped." if p.decision[0] == Stage.STOPPED else "",
                )
                for pilot, p in zip(pilots, plans, strict=True)
                if p.decision is not None
            ],
            batch_size=5_000,
        )
        # Weekly snapshots, this week and the TREND_WEEKS - 1 before: a spread of risks.
        snapshot_sql = sql.SQL(
            """
            INSERT INTO {snapshot} (pilot_id, week, infrastructure, metric, ownership,
                                    handover, overall, risk, reason_codes)
            SELECT p.id, %(monday)s::date - 7 * w.w, 100 - 25 * r.risk, 100 - 25 * r.risk,
                   100 - 25 * r.risk, 100 - 25 * r.risk, 100 - 25 * r.risk, r.risk, '[]'::jsonb
            FROM unnest(%(ids)s::bigint[]) AS p (id)
            CROSS JOIN generate_series(0, %(weeks)s - 1) AS w (w)
            CROSS JOIN LATERAL (
                SELECT CASE WHEN x < 3 THEN 3 WHEN x < 7 THEN 2 WHEN x < 11 THEN 1 ELSE 0 END
                FROM (SELECT (p.id * 13 + w.w * 7) %% 20) AS q (x)
            ) AS r (risk)
            """
        ).format(snapshot=sql.Identifier(ScorecardSnapshot._meta.db_table))
        with connection.cursor() as cursor:
            cursor.execute(
                snapshot_sql,
                {
                    "monday": week_of(day),
                    "ids": [pilot.pk for pilot in pilots],
                    "weeks": TREND_WEEKS,
                },
            )
            snapshots = cursor.rowcount
        # Statistics as a live database would have, and no dead rows left by earlier runs
        # (a deleted scratch portfolio stays in the indexes until vacuumed).
        vacuum(*touched_models())
        portfolio = {
            "pilots": len(pilots),
            "users": len(people),
            "metrics": len(metrics),
            "primary metrics": sum(1 for m in metrics if m.kind == MetricKind.PRIMARY),
            "readings": readings,
            "tasks": len(tasks),
            "infrastructure answers": len(answers),
            "decisions": len(decisions),
            "snapshots": snapshots,
        }
        return portfolio, lead

    def cleanup(self, scratch: Scratch, *, foreign: list[int]) -> None:
        """Delete the scratch run's rows in bulk, children first."""
        User = get_user_model()
        tables = {
            "pilot": Pilot,
            "unit": BusinessUnit,
            "reason": ScorecardReason,
            "scorecard": Scorecard,
            "snapshot": ScorecardSnapshot,
            "reading": MetricReading,
            "metric": Metric,
            "task": KnowledgeTransferTask,
            "answer": InfrastructureAnswer,
            "decision": GateDecision,
            "event": PilotEvent,
            "reminder": Reminder,
            "membership": PilotMembership,
            "plan": OperatingPlan,
            "session": Session,
            "user": User,
            "user_groups": User.groups.through,
        }
        statements = [
            "DELETE FROM {reason} WHERE scorecard_id IN ({pilots}) "
            "OR scorecard_id = ANY(%(foreign)s)",
            "DELETE FROM {scorecard} WHERE pilot_id IN ({pilots}) OR pilot_id = ANY(%(foreign)s)",
            "DELETE FROM {snapshot} WHERE pilot_id IN ({pilots})",
            "DELETE FROM {reading} WHERE metric_id IN "
            "(SELECT id FROM {metric} WHERE pilot_id IN ({pilots}))",
            "DELETE FROM {metric} WHERE pilot_id IN ({pilots})",
            "DELETE FROM {task} WHERE pilot_id IN ({pilots})",
            "DELETE FROM {answer} WHERE pilot_id IN ({pilots})",
            "DELETE FROM {decision} WHERE pilot_id IN ({pilots})",
            "DELETE FROM {event} WHERE pilot_id IN ({pilots})",
            "DELETE FROM {reminder} WHERE pilot_id IN ({pilots}) OR recipient_id IN ({users})",
            "DELETE FROM {membership} WHERE pilot_id IN ({pilots})",
            "DELETE FROM {plan} WHERE pilot_id IN ({pilots})",
            "DELETE FROM {pilot} WHERE id IN ({pilots})",
            "DELETE FROM {user_groups} WHERE user_id IN ({users})",
            "DELETE FROM {user} WHERE id IN ({users})",
            "DELETE FROM {unit} WHERE name LIKE %(units)s",
        ]
        params = {
            "units": f"{self.unit_prefix(scratch.run)}%",
            "users": f"bench-dashboard-{scratch.run}-%",
            "foreign": foreign,
        }
        delete_scratch(tables, statements, params, units="b.name LIKE %(units)s", scratch=scratch)
        vacuum(*touched_models())  # leave no dead rows to the next run

    # --- Measuring -----------------------------------------------------------------------

    def floor_query(self, params: dict[str, str]) -> Callable[[], list[tuple[Any, ...]]]:
        User = get_user_model()
        tables = {
            "scorecard": Scorecard,
            "reason": ScorecardReason,
            "pilot": Pilot,
            "unit": BusinessUnit,
            "user": User,
        }
        names = identifiers(tables)
        where = sql.SQL(FLOOR_FILTER_SQL if params else "").format(**names)
        query = sql.SQL(FLOOR_SQL).format(where=where, **names)
        arguments = {"rows": PAGE_ROWS, **params}

        def select() -> list[tuple[Any, ...]]:
            with connection.cursor() as cursor:
                cursor.execute(query, arguments)
                return cursor.fetchall()

        return select

    def measure(
        self,
        size: int,
        *,
        run: str,
        lead: Any,
        client: Client | None,
        repeat: int,
        recompute_repeat: int,
        explain: bool,
    ) -> SizeResult:
        User = get_user_model()
        today = timezone.localdate()
        tables = (Scorecard, ScorecardReason)

        # The nightly recompute: a counted warm-up (which writes the scorecards the
        # dashboard reads), then the timed runs, each from a vacuumed table.
        recompute = Method(RECOMPUTE, scorecards_recompute, lambda count: count)
        self.stdout.write("  recompute: warming up (one untimed run, counting queries)...")
        queries, (recompute.warm_up, recompute.row_count) = captured_queries(
            partial(recorded, scorecards_recompute)
        )
        recompute.queries = len(queries)
        vacuum(*tables)
        for _ in repetitions(
            self.stdout.write, recompute_repeat, "  recompute: repetition {} of {}..."
        ):
            seconds, count = timed(scorecards_recompute)
            recompute.times.append(seconds)
            if count != recompute.row_count:
                raise CommandError(f"The recompute scored {count}, {recompute.row_count} before.")
            vacuum(*tables)

        scratch = Scorecard.objects.filter(
            pilot__business_unit__name__startswith=self.unit_prefix(run)
        )
        reasons = Counter(
            dict(
                ScorecardReason.objects.filter(scorecard__in=scratch)
                .values("code")
                .annotate(n=Count("pk"))
                .values_list("code", "n")
            )
        )
        risks = Counter(
            dict(scratch.values("risk").annotate(n=Count("pk")).values_list("risk", "n"))
        )
        missing = sorted(set(REASON_CODES) - set(reasons))
        if missing:
            self.stderr.write(f"  warning: no scorecard has the reason {', '.join(missing)}")

        # The pages and their floors.
        def expected(params: dict[str, str]) -> list[Scorecard]:
            queryset = dashboard_scorecards(lead)
            return list(DashboardFilter(params, queryset=queryset).qs[:PAGE_ROWS])

        def view(params: dict[str, str]) -> Callable[[], Any]:
            assert client is not None

            def get() -> Any:
                response = client.get(PORTFOLIO_PATH, params)
                if response.status_code != 200:
                    raise _Failed(
                        f"GET {PORTFOLIO_PATH} {params} answered {response.status_code}: "
                        f"{response.content[:500]!r}"
                    )
                return response

            return get

        lead_fields = User.objects.filter(pk=lead.pk).values().get()

        def selectors(params: dict[str, str]) -> Callable[[], Any]:
            def stand_in() -> list[dict[str, Any]]:
                # What the view reads before it renders (less the filter's select boxes),
                # for the user as the authentication middleware hands it over: loaded
                # (that query is the middleware's, timed in the whole page), groups unread.
                user = User(**lead_fields)
                filtered = DashboardFilter(params, queryset=dashboard_scorecards(user)).qs
                whole = sees_every_pilot(user) and not params
                dashboard_summary(filtered, whole_portfolio=whole)
                rows = list(dashboard_rows(filtered)[:PAGE_ROWS])
                risk_trend(filtered, today=today, whole_portfolio=whole)
                return rows

            return stand_in

        def page_rows(outcome: Any) -> int:
            return len(outcome) if isinstance(outcome, list) else PAGE_ROWS

        # Per page: the page itself (the view, or the stand-in), the selectors alone when
        # the view is timed (what the page costs without HTTP and templates), the floor.
        methods: list[Method] = []
        for name, params, floor, query in (
            (FIRST_PAGE, FIRST, FIRST_FLOOR, ""),
            (FILTERED_PAGE, FILTERED, FILTERED_FLOOR, "?stage=running&reason=METRIC_STALE"),
        ):
            if client is not None:
                methods += [
                    Method(
                        f"{name} (GET {PORTFOLIO_PATH}{query})",
                        view(params),
                        page_rows,
                        floor,
                        is_page=True,
                    ),
                    Method(f"{name}: selectors only", selectors(params), len, floor),
                ]
            else:
                methods.append(
                    Method(
                        f"{name} (stand-in: selectors{', ' if query else ''}{query[1:]})",
                        selectors(params),
                        len,
                        floor,
                        is_page=True,
                    )
                )
            methods.append(Method(floor, self.floor_query(params), len))
        self.stdout.write("  pages: warming up (one untimed run of each, counting queries)...")
        outcomes: dict[str, Any] = {}
        for method in methods:
            try:
                queries, (method.warm_up, outcome) = captured_queries(partial(recorded, method.run))
            except _Failed as failure:
                raise CommandError(
                    f"{failure} (--page stand-in times the selectors instead)"
                ) from failure
            method.queries = len(queries)
            method.row_count = method.rows(outcome)
            outcomes[method.name] = outcome
        compared: dict[str, tuple[list[str], list[str]]] = {}
        for method in methods:
            if method.floor is not None:
                cards = expected(FIRST if method.floor == FIRST_FLOOR else FILTERED)
                floor_rows = outcomes[method.floor]
                compared[method.name] = self.check_same(
                    method.name, cards, floor_rows, outcomes[method.name]
                )

        for _ in repetitions(self.stdout.write, repeat, "  pages: repetition {} of {}..."):
            for method in methods:
                method.times.append(timed(method.run)[0])
        self.stdout.write(f"  pages: {repeat} untimed runs of each, recording every query...")
        for _ in range(repeat):
            for method in methods:
                gc.collect()
                method.profiles.append(recorded(method.run)[0])

        result = SizeResult(
            pilots=size,
            total_pilots=Pilot.objects.count(),
            portfolio={},
            reasons=reasons,
            risks=risks,
            methods=[recompute, *methods],
            rows=compared,
        )
        if explain:
            result.explained = self.explain(lead, methods)
        return result

    def check_same(
        self, name: str, cards: list[Scorecard], floor: list[tuple[Any, ...]], page: Any
    ) -> tuple[list[str], list[str]]:
        """The floor returns the selector's rows, in its order; the page shows them, in order.

        Returns the references of the floor's rows and of the page's.
        """
        selector_ids = [card.pilot_id for card in cards]
        floor_ids = [row[0] for row in floor]
        if len(selector_ids) < PAGE_ROWS:
            self.stderr.write(f"  warning: {name}: only {len(selector_ids)} rows to show")
        if floor_ids != selector_ids:
            raise CommandError(
                f"{name}: the SQL floor's pilots {floor_ids} are not the selector's "
                f"{selector_ids} (same order)."
            )
        floor_references = [row[1] for row in floor]
        if isinstance(page, list):  # the selectors' rows
            shown = [row["pilot__reference"] for row in page]
        else:  # an HTTP response: its table's rows
            content = page.content.decode(page.charset or "utf-8", errors="replace")
            shown = ROW_REFERENCE.findall(content)
        if shown != floor_references:
            raise CommandError(
                f"{name}: its rows {shown} are not the SQL floor's {floor_references}."
            )
        self.stdout.write(f"  {name}: the same {len(shown)} rows as the SQL floor, in order")
        return floor_references, shown

    def explain(self, lead: Any, methods: list[Method]) -> list[Explained]:
        explained = []
        for method in methods:  # each page's slowest query, as the page ran it
            if not method.is_page:
                continue
            position = max(range(method.queries), key=method.query_median)
            query = method.warm_up.queries[position]
            with connection.cursor() as cursor:
                cursor.execute(
                    sql.SQL("EXPLAIN (ANALYZE, BUFFERS) ") + sql.SQL(query.sql), query.params
                )
                plan = [line for (line,) in cursor.fetchall()]
            text = "\n".join(plan)
            explained.append(
                Explained(
                    f"{method.name}, its slowest query ({describe(query.sql, 80)})",
                    plan,
                    {index: index in text for index in INDEXES},
                )
            )
        for label, params in (
            ("main query (first page rows, no filter)", FIRST),
            ("reason filter: stage=running, reason=METRIC_STALE", FILTERED),
            ("reason filter alone: reason=METRIC_STALE", {"reason": "METRIC_STALE"}),
        ):
            rows = DashboardFilter(params, queryset=dashboard_scorecards(lead)).qs[:PAGE_ROWS]
            plan = rows.explain(analyze=True, buffers=True).splitlines()
            text = "\n".join(plan)
            explained.append(Explained(label, plan, {index: index in text for index in INDEXES}))
        return explained

    def report_targets(self, results: list[SizeResult]) -> None:
        """Each figure next to its target, ok or MISSED (``self.verdicts``: name -> ok)."""
        out = self.stdout.write
        self.verdicts: dict[str, bool] = {}

        def verdict(what: str, figure: str, target: str, ok: bool) -> None:
            self.verdicts[what] = ok
            out(f"  {what}: {figure} (target {target}) {'ok' if ok else 'MISSED'}")

        out("")
        out("Against the targets (medians of this run):")
        base = next(result for result in results if result.pilots == self.target_size)
        at = f"at {base.pilots:,}"
        for method in base.methods:
            if method.floor is None:
                continue
            ratio = method.median / base.method(method.floor).median
            limit = PAGE_TARGET if method.is_page and self.page_mode == "view" else SELECTORS_TARGET
            verdict(
                f"{method.name} {at}", f"{ratio:.1f}x its floor", f"<= {limit:g}x", ratio <= limit
            )
            if method.is_page:
                verdict(
                    f"{method.name} {at}, queries",
                    str(method.queries),
                    "< 10",
                    method.queries < 10,
                )
                if self.page_mode == "view":
                    rendering = len(method.while_rendering)
                    verdict(
                        f"{method.name} {at}, queries while rendering",
                        str(rendering),
                        "0",
                        not rendering,
                    )
        larger = [result for result in results if result.pilots > base.pilots]
        for result in larger:
            for method in result.methods:
                if not method.is_page:
                    continue
                growth = method.median / base.method(method.name).median
                verdict(
                    f"{method.name} at {result.pilots:,}",
                    f"{growth:.2f}x its cost {at}",
                    f"<= {GROWTH_TARGET:g}x",
                    growth <= GROWTH_TARGET,
                )
        if len(results) > 1:
            per_pilot = [
                (result.pilots, result.method(RECOMPUTE).median / result.pilots)
                for result in results
            ]
            smallest = per_pilot[0][1]
            costs = ", ".join(f"{n:,}: {cost * 1e6:.0f} µs" for n, cost in per_pilot)
            worst = max(cost for _, cost in per_pilot) / smallest
            verdict(
                "nightly recompute, cost per pilot",
                f"{costs}; at most {worst:.2f}x the smallest's",
                f"<= {LINEAR_TARGET:g}x (linear)",
                worst <= LINEAR_TARGET,
            )
        else:
            out("  nightly recompute, cost per pilot: one size only (--small 0), not compared")
        if not larger:
            out(
                f"  the page at 100,000 pilots: not measured (opt-in: --large 100000; its "
                f"target: <= {GROWTH_TARGET:g}x its cost {at})"
            )

    # --- Output ------------------------------------------------------------------------

    def report(
        self, results: list[SizeResult], *, repeat: int, recompute_repeat: int, elapsed: float
    ) -> None:
        out = self.stdout.write
        out("")
        out("Portfolio dashboard and scorecard recompute benchmark")
        out(
            f"PostgreSQL {server_version()}; day {timezone.localdate()} "
            f"({timezone.get_current_timezone_name()}); pages {repeat} repetitions, recompute "
            f"{recompute_repeat}; wall time (time.perf_counter), DEBUG off; ratios use medians."
        )
        out(self.page_note + ".")
        out("")
        lines = [
            method_line(
                result.pilots,
                method,
                result.method(method.floor).median if method.floor else None,
            )
            for result in results
            for method in result.methods
        ]
        table(out, ("pilots", "what", "median s", "best s", "queries", "rows", "x floor"), lines)

        out("")
        for result in results:
            out(
                f"{result.pilots:,} pilots ({result.total_pilots:,} in the database): "
                + ", ".join(f"{count:,} {name}" for name, count in result.portfolio.items())
            )
            out(
                "  risk: "
                + ", ".join(
                    f"{Risk(risk).label} {result.risks.get(risk, 0):,}" for risk in sorted(Risk)
                )
            )
            out(
                "  reasons: "
                + ", ".join(f"{code} {result.reasons.get(code, 0):,}" for code in REASON_CODES)
            )
            for method in result.methods:
                if method.floor is None and method.name != RECOMPUTE:
                    continue
                if method.name == RECOMPUTE:
                    warm_up = method.warm_up
                    out(
                        f"  {method.name}: {method.queries} queries; the warm-up (the first "
                        f"run, inserting) took {warm_up.total_seconds:.2f}s, "
                        f"{warm_up.sql_seconds:.2f}s of it in SQL:"
                    )
                    for query in warm_up.queries:
                        out(f"      {query.seconds * 1000:9.2f} ms  {describe(query.sql)}")
                    continue
                rendering = (
                    f"{len(method.while_rendering)} while templates render"
                    if method.is_page and self.page_mode == "view"
                    else "no templates"
                )
                rest = (
                    "view, middleware, client"
                    if method.is_page and self.page_mode == "view"
                    else "Python: filters, ORM, summary, trend"
                )
                total = method.profile_median(lambda run: run.total_seconds)
                in_sql = method.profile_median(lambda run: run.sql_seconds)
                render = method.profile_median(lambda run: run.render_seconds)
                out(
                    f"  {method.name}: {method.queries} queries, {rendering}; median of "
                    f"{len(method.profiles)} recorded runs: {total * 1000:.1f} ms = SQL "
                    f"{in_sql * 1000:.1f} + templates {render * 1000:.1f} + the rest "
                    f"({rest}) {(total - in_sql - render) * 1000:.1f} ms:"
                )
                for position, query in enumerate(method.warm_up.queries):
                    flag = " RENDERING" if query.rendering else ""
                    out(
                        f"      {method.query_median(position) * 1000:9.2f} ms{flag}  "
                        f"{describe(query.sql)}"
                    )

        if len(results) > 1:
            small, large = results[0], results[-1]
            out("")
            out(
                f"Growth {small.pilots:,} -> {large.pilots:,} pilots "
                f"({large.pilots / small.pilots:.0f}x the pilots):"
            )
            for method in large.methods:
                before = small.method(method.name)
                out(
                    f"  {method.name}: {before.median:.4f}s -> {method.median:.4f}s "
                    f"({method.median / before.median:.2f}x), queries {before.queries} -> "
                    f"{method.queries}"
                )

        out("")
        self.report_targets(results)

        for result in results:
            for explained in result.explained:
                out("")
                uses = ", ".join(
                    f"{index} {'used' if used else 'NOT used'}"
                    for index, used in explained.uses.items()
                )
                out(f"EXPLAIN ANALYZE at {result.pilots:,} pilots, {explained.label}: {uses}")
                for line in explained.plan:
                    out("    " + line)
        out("")
        out(f"Whole run: {elapsed:.0f}s.")
