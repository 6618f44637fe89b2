"""The dashboard benchmark's report: every figure, each target with ok or MISSED, the plans."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from scorecards.scoring import REASON_CODES, Risk
from tests.bench.common import (
    method_line,
    server_version,
    table,
)
from tests.bench.dashboard_recording import (
    SizeResult,
    describe,
)

# The targets (issue 13), at --pilots: the selectors and the whole page against the
# floor; at --large, the page against its cost at --pilots, and the recompute's cost
# per pilot against the smallest portfolio's.
SELECTORS_TARGET = 3.0
PAGE_TARGET = 10.0
GROWTH_TARGET = 1.5
LINEAR_TARGET = 1.5
RECOMPUTE = "nightly recompute (all scorecards)"


def report_targets(
    out: Callable[[str], Any], results: list[SizeResult], *, target_size: int, page_mode: str
) -> dict[str, bool]:
    """Print each figure next to its target, ok or MISSED; return name -> ok."""
    verdicts: dict[str, bool] = {}

    def verdict(what: str, figure: str, target: str, ok: bool) -> None:
        verdicts[what] = ok
        out(f"  {what}: {figure} (target {target}) {'ok' if ok else 'MISSED'}")

    out("")
    out("Against the targets (medians of this run):")
    base = next(result for result in results if result.pilots == target_size)
    at = f"at {base.pilots:,}"
    for method in base.methods:
        if method.floor is None:
            continue
        ratio = method.median / base.method(method.floor).median
        limit = PAGE_TARGET if method.is_page and page_mode == "view" else SELECTORS_TARGET
        verdict(f"{method.name} {at}", f"{ratio:.1f}x its floor", f"<= {limit:g}x", ratio <= limit)
        if method.is_page:
            verdict(
                f"{method.name} {at}, queries",
                str(method.queries),
                "< 10",
                method.queries < 10,
            )
            if page_mode == "view":
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
            (result.pilots, result.method(RECOMPUTE).median / result.pilots) for result in results
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
    return verdicts


def report(
    out: Callable[[str], Any],
    results: list[SizeResult],
    *,
    repeat: int,
    recompute_repeat: int,
    elapsed: float,
    page_note: str,
    page_mode: str,
    target_size: int,
) -> dict[str, bool]:
    """The whole report: every figure, then the targets, then the plans; the verdicts."""
    out("")
    out("Portfolio dashboard and scorecard recompute benchmark")
    out(
        f"PostgreSQL {server_version()}; day {timezone.localdate()} "
        f"({timezone.get_current_timezone_name()}); pages {repeat} repetitions, recompute "
        f"{recompute_repeat}; wall time (time.perf_counter), DEBUG off; ratios use medians."
    )
    out(page_note + ".")
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
                if method.is_page and page_mode == "view"
                else "no templates"
            )
            rest = (
                "view, middleware, client"
                if method.is_page and page_mode == "view"
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
    verdicts = report_targets(out, results, target_size=target_size, page_mode=page_mode)

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
    return verdicts
