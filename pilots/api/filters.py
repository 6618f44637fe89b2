"""Filters and orderings of the API's lists (the pilot list extends the web's ``PilotFilter``).

Each list orders by ``sort`` (prefix ``-`` for descending) and ends with its
primary key, so pages never repeat or skip a row.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from pilots.enums import (
    Confidence,
    FailureMode,
    MetricKind,
    ReadingSource,
    Stage,
    TaskKind,
    TaskStatus,
)
from pilots.filters import PilotFilter
from pilots.frame.filters import IdFilter
from pilots.models import (
    CheckIn,
    GateDecision,
    KnowledgeTransferTask,
    Lesson,
    Metric,
    MetricReading,
    PilotEvent,
)
from pilots.selectors.lessons import lesson_search


class ApiPilotFilter(PilotFilter):
    """The web's pilot filters; a business unit is taken by id, checked with no query, so
    an unknown one matches nothing (the web page offers a select box instead)."""

    business_unit = IdFilter(field_name="business_unit", label="Business unit's id")


class _TotalOrder(django_filters.FilterSet):
    default_order: tuple[str, ...] = ("pk",)

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        queryset = super().filter_queryset(queryset)
        return queryset.order_by(*(queryset.query.order_by or self.default_order), "pk")


class MetricFilter(_TotalOrder):
    kind = django_filters.ChoiceFilter(choices=MetricKind.choices)
    sort = django_filters.OrderingFilter(fields=("name", "kind", "created_at"))
    default_order = ("kind", "name")

    class Meta:
        model = Metric
        fields: list[str] = []


class ReadingFilter(_TotalOrder):
    observed_after = django_filters.DateFilter(
        field_name="observed_on",
        lookup_expr="gte",
        label="On or after (YYYY-MM-DD)",
        input_formats=["%Y-%m-%d"],
    )
    observed_before = django_filters.DateFilter(
        field_name="observed_on",
        lookup_expr="lte",
        label="On or before (YYYY-MM-DD)",
        input_formats=["%Y-%m-%d"],
    )
    source = django_filters.ChoiceFilter(choices=ReadingSource.choices)
    sort = django_filters.OrderingFilter(fields=("observed_on", "updated_at"))
    default_order = ("-observed_on",)

    class Meta:
        model = MetricReading
        fields: list[str] = []


class TaskFilter(_TotalOrder):
    status = django_filters.ChoiceFilter(choices=TaskStatus.choices)
    kind = django_filters.ChoiceFilter(choices=TaskKind.choices)
    assignee = IdFilter(field_name="assignee", label="Assignee's user id")
    sort = django_filters.OrderingFilter(fields=("position", "due_on", "created_at"))
    default_order = ("position", "due_on")

    class Meta:
        model = KnowledgeTransferTask
        fields: list[str] = []


class DecisionFilter(_TotalOrder):
    to_stage = django_filters.ChoiceFilter(choices=Stage.choices)
    sort = django_filters.OrderingFilter(fields=("decided_at",))
    default_order = ("-decided_at",)

    class Meta:
        model = GateDecision
        fields: list[str] = []


class CheckInFilter(_TotalOrder):
    confidence = django_filters.ChoiceFilter(choices=Confidence.choices)
    sort = django_filters.OrderingFilter(fields=("created_at",))
    default_order = ("-created_at",)

    class Meta:
        model = CheckIn
        fields: list[str] = []


class EventFilter(_TotalOrder):
    action = django_filters.ChoiceFilter(choices=PilotEvent.Action.choices)
    sort = django_filters.OrderingFilter(fields=("at",))
    default_order = ("-at",)

    class Meta:
        model = PilotEvent
        fields: list[str] = []


class UserFilter(_TotalOrder):
    q = django_filters.CharFilter(
        method="search", label="Search", help_text="Part of a username, first or last name."
    )
    sort = django_filters.OrderingFilter(fields=("username", "last_name"))
    default_order = ("username",)

    class Meta:
        model = get_user_model()
        fields: list[str] = []

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(username__icontains=value)
            | Q(first_name__icontains=value)
            | Q(last_name__icontains=value)
        )


class LessonFilter(django_filters.FilterSet):
    """The lessons library's search and filters, as on ``/lessons/``. The order is the
    search's (``lesson_search``): best match first on PostgreSQL, else newest first."""

    q = django_filters.CharFilter(
        method="search",  # the search reads the first 100 characters (``search_words``)
        label="Search",
        help_text="Words of what worked, what failed or the tags; every word must be found.",
    )
    failure_mode = django_filters.ChoiceFilter(
        choices=FailureMode.choices, method="bitten", label="Failure mode that bit"
    )
    business_unit = IdFilter(field_name="pilot__business_unit", label="Business unit's id")
    outcome = django_filters.ChoiceFilter(
        field_name="pilot__stage", choices=Stage.choices, label="The pilot's stage"
    )

    class Meta:
        model = Lesson
        fields: list[str] = []

    def search(self, queryset: QuerySet[Lesson], name: str, value: str) -> QuerySet[Lesson]:
        return lesson_search(queryset, value)

    def bitten(self, queryset: QuerySet[Lesson], name: str, value: str) -> QuerySet[Lesson]:
        return queryset.filter(**{value: True}) if value in FailureMode.values else queryset
