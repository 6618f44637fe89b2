"""Reads of the lessons library: ``/lessons/`` and its API, and the similar pilots
shown beside the registration's basics step.

Visibility is the pilot list's (``pilots_visible_to``): a lesson is seen by whoever
may see its pilot. Search is PostgreSQL full-text search where the database is
PostgreSQL (``SearchVector`` over ``Lesson.search_text``, served by the GIN index of
migration ``0019_lessons``); elsewhere (SQLite) every word must occur in the text
(``icontains``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery

from pilots.enums import FailureMode, MetricKind
from pilots.models import Lesson, Metric, Pilot
from pilots.permissions import AnyUser
from pilots.selectors.pilots import pilots_visible_to
from pilots.selectors.search import search_words

# The text search configuration of the full-text search: it must be the one of the
# GIN index's expression (migration ``0019_lessons``), or PostgreSQL cannot use it.
SEARCH_CONFIG = "english"


def full_text_search() -> bool:
    """PostgreSQL's full-text search, or the portable fallback (SQLite)."""
    return connection.vendor == "postgresql"


@dataclass(frozen=True)
class LessonFilters:
    """What ``/lessons/`` and ``GET /api/v1/lessons/`` narrow the library by."""

    text: str = ""
    failure_mode: str = ""  # a FailureMode value
    business_unit: int | None = None
    outcome: str = ""  # a Stage value: the pilot's stage


def lessons_visible_to(user: AnyUser) -> QuerySet[Lesson]:
    """The lessons of the pilots this user may see."""
    return Lesson.objects.filter(pilot__in=pilots_visible_to(user).values("pk"))


def lesson_list(user: AnyUser, filters: LessonFilters | None = None) -> QuerySet[Lesson]:
    """The visible lessons matching ``filters``, newest first (best match first when
    searching on PostgreSQL), with their pilot, its unit and who recorded them (one query)."""
    filters = filters or LessonFilters()
    lessons = lessons_visible_to(user).select_related(
        "pilot", "pilot__business_unit", "recorded_by"
    )
    if filters.failure_mode in FailureMode.values:
        lessons = lessons.filter(**{filters.failure_mode: True})
    if filters.business_unit is not None:
        lessons = lessons.filter(pilot__business_unit_id=filters.business_unit)
    if filters.outcome:
        lessons = lessons.filter(pilot__stage=filters.outcome)
    return lesson_search(lessons, filters.text)


def lesson_search(lessons: QuerySet[Lesson], text: str) -> QuerySet[Lesson]:
    """``lessons`` holding every word of ``text``: best match first on PostgreSQL (full-text
    search, stemmed: "feeds" finds "feed"), else newest first; all of them, newest first,
    for a text without a word."""
    words = search_words(text)
    if not words:
        return lessons.order_by("-recorded_at", "-pk")
    if full_text_search():
        query = SearchQuery(" ".join(words), config=SEARCH_CONFIG, search_type="websearch")
        vector = SearchVector("search_text", config=SEARCH_CONFIG)
        return (
            lessons.annotate(search=vector, rank=SearchRank(vector, query))
            .filter(search=query)
            .order_by("-rank", "-recorded_at", "-pk")
        )
    for word in words:
        lessons = lessons.filter(search_text__icontains=word)
    return lessons.order_by("-recorded_at", "-pk")


# --- Similar pilots -------------------------------------------------------------------

SIMILAR_MAX = 5
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Words too common to make two pilots similar.
STOP_WORDS = frozenset(
    {
        *("a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have"),
        *("in", "into", "is", "it", "its", "of", "on", "or", "our", "that", "the", "their"),
        *("this", "to", "was", "we", "were", "will", "with", "without", "per", "more", "less"),
        *("than", "not", "all", "any", "each", "time", "pilot", "pilots", "system", "using"),
        *("day", "days", "week", "weeks", "month", "months", "year", "years", "every", "end"),
    }
)


def similarity_words(*texts: str) -> list[str]:
    """The distinct meaningful words of ``texts``, lower-case (3 letters or more, no
    stop words), in order of appearance."""
    words: list[str] = []
    for text in texts:
        for word in _WORD.findall(text.lower()):
            if len(word) >= 3 and word not in STOP_WORDS and word not in words:
                words.append(word)
    return words


def overlap_score(query: list[str], *, title: str, problem: str, metric: str) -> int:
    """How much a pilot shares with the words typed: a shared title word counts 2, a
    word shared with the problem statement or the primary metric's name 1."""
    in_title = set(similarity_words(title))
    elsewhere = set(similarity_words(problem, metric))
    return sum(2 if word in in_title else 1 for word in query if word in in_title | elsewhere)


def primary_metric_name(pilot: Pilot | None) -> str:
    """The pilot's primary metric's name ("" for none, or no pilot); from its
    prefetched metrics when there are."""
    if pilot is None:
        return ""
    primary = next((m for m in pilot.metrics.all() if m.kind == MetricKind.PRIMARY), None)
    return primary.name if primary is not None else ""


def _primary_metric_name() -> Subquery:
    return Subquery(
        Metric.objects.filter(pilot=OuterRef("pk"), kind=MetricKind.PRIMARY).values("name")[:1]
    )


def similar_pilots(
    user: AnyUser,
    *,
    title: str,
    problem: str = "",
    metric: str = "",
    exclude: int | None = None,
    limit: int = SIMILAR_MAX,
) -> list[Pilot]:
    """The pilots this user may see most like the one described (title, problem
    statement, primary metric's name), best first, each with its lessons newest first
    (``pilot.lesson_list``): three queries. ``exclude``: the draft being registered.

    PostgreSQL ranks by full-text search (title weighted above the problem and the
    metric); elsewhere a pilot scores by the words it shares (``overlap_score``).
    """
    words = similarity_words(title, problem, metric)[:12]
    if not words:
        return []
    candidates = pilots_visible_to(user).annotate(metric_name=_primary_metric_name())
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude)
    if full_text_search():
        vector = (
            SearchVector("title", weight="A", config=SEARCH_CONFIG)
            + SearchVector("problem_statement", weight="B", config=SEARCH_CONFIG)
            + SearchVector("metric_name", weight="B", config=SEARCH_CONFIG)
        )
        query = reduce(or_, (SearchQuery(word, config=SEARCH_CONFIG) for word in words))
        ids = list(
            candidates.annotate(rank=SearchRank(vector, query))
            .filter(rank__gt=0)
            .order_by("-rank", "-pk")
            .values_list("pk", flat=True)[:limit]
        )
    else:
        matches = reduce(
            or_,
            (
                Q(title__icontains=word)
                | Q(problem_statement__icontains=word)
                | Q(metric_name__icontains=word)
                for word in words
            ),
        )
        rows = candidates.filter(matches).values_list(
            "pk", "title", "problem_statement", F("metric_name")
        )
        scored = sorted(
            (
                (overlap_score(words, title=t, problem=p, metric=m or ""), pk)
                for pk, t, p, m in rows
            ),
            reverse=True,
        )
        ids = [pk for score, pk in scored if score > 0][:limit]
    if not ids:
        return []
    pilots = {
        pilot.pk: pilot
        for pilot in Pilot.objects.filter(pk__in=ids)
        .select_related("business_unit")
        .prefetch_related(
            Prefetch(
                "lessons",
                queryset=Lesson.objects.order_by("-recorded_at", "-pk"),
                to_attr="lesson_list",
            )
        )
    }
    return [pilots[pk] for pk in ids]
