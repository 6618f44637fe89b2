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
import time
from collections import Counter
from collections.abc import Callable
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone
from psycopg import sql

from pilots.enums import (
    Stage,
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
from scorecards.scoring import REASON_CODES
from scorecards.selectors import (
    dashboard_rows,
    dashboard_scorecards,
    dashboard_summary,
    risk_trend,
)
from scorecards.services import scorecards_recompute
from tests.bench.common import (
    Scratch,
    add_size_arguments,
    bench_settings,
    captured_queries,
    delete_scratch,
    identifiers,
    portfolio_sizes,
    repetitions,
    require_postgresql,
    scratch_portfolio,
    timed,
    vacuum,
)
from tests.bench.dashboard_portfolio import (
    READINGS_PER_METRIC,
    build_portfolio,
    touched_models,
    unit_prefix,
)
from tests.bench.dashboard_recording import (
    Explained,
    Method,
    SizeResult,
    _Failed,
    describe,
    recorded,
)
from tests.bench.dashboard_report import GROWTH_TARGET, RECOMPUTE, report

PORTFOLIO_PATH = "/portfolio/"
PAGE_ROWS = 25
FIRST: dict[str, str] = {}
FILTERED = {"stage": Stage.RUNNING.value, "reason": "METRIC_STALE"}
INDEXES = ("scorecard_dashboard_order", "scorecard_reason_code")
# A row of the dashboard's table, as the page writes it: its pilot's reference.
ROW_REFERENCE = re.compile(r'<tr [^>]*data-reference="([^"]+)"')

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
        self.verdicts = report(
            self.stdout.write,
            results,
            repeat=repeat,
            recompute_repeat=recompute_repeat,
            elapsed=time.perf_counter() - started,
            page_note=self.page_note,
            page_mode=self.page_mode,
            target_size=self.target_size,
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
            portfolio, lead = build_portfolio(
                size, run=run, group=scratch.group, readings_per_metric=self.readings_per_metric
            )
            # Pilots not of this run that have no scorecard yet: the recompute makes one.
            foreign += (
                Pilot.objects.exclude(business_unit__name__startswith=unit_prefix(run))
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
            "units": f"{unit_prefix(scratch.run)}%",
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

        scratch = Scorecard.objects.filter(pilot__business_unit__name__startswith=unit_prefix(run))
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
