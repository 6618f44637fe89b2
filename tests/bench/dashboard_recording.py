"""What the dashboard benchmark records of a request: its queries, template time, results."""

from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.template import base as template_base

from tests.bench.common import (
    Timings,
)


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
