"""The pilot list's search, filters and sorting (django-filter).

Applied to an already visibility-scoped queryset: a filter narrows what a
user may see, it never widens it.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from drf_spectacular.utils import extend_schema_field

from pilots.enums import ID_MAX, OwnershipStatus, Stage
from pilots.models import BusinessUnit, Pilot, PilotMembership

ROLE_CHOICES = [
    ("sponsor", "I sponsor"),
    ("owner", "I own (or am nominated)"),
    ("operations", "I will operate"),
    ("member", "I work on"),
]


class IdFormField(forms.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=ID_MAX, **kwargs)  # a database id


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": ID_MAX})
class IdFilter(django_filters.Filter):
    """Filter on a related object's id: validated as an integer, with no query, so an id
    that does not exist (or that the user may not see) simply matches nothing."""

    field_class = IdFormField


class PilotFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search", method="search", help_text="Reference, title or problem statement."
    )
    stage = django_filters.ChoiceFilter(choices=Stage.choices, empty_label="Any stage")
    business_unit = django_filters.ModelChoiceFilter(
        queryset=BusinessUnit.objects.all(), empty_label="Any business unit"
    )
    role = django_filters.ChoiceFilter(
        label="My role", choices=ROLE_CHOICES, empty_label="Any role", method="by_role"
    )
    sort = django_filters.OrderingFilter(
        label="Sort by",
        empty_label="Newest first",
        fields=(
            ("reference", "reference"),
            ("title", "title"),
            ("stage", "stage"),
            ("planned_end", "end"),
            ("created_at", "created"),
        ),
        field_labels={
            "reference": "Reference",
            "title": "Title",
            "stage": "Stage",
            "planned_end": "End date",
            "created_at": "Created",
        },
    )

    class Meta:
        model = Pilot
        fields: list[str] = []

    def filter_queryset(self, queryset: QuerySet[Pilot]) -> QuerySet[Pilot]:
        """Filter, then make the order total so pages never repeat or skip a pilot."""
        queryset = super().filter_queryset(queryset)
        return queryset.order_by(*(queryset.query.order_by or ("-created_at",)), "-pk")

    def search(self, queryset: QuerySet[Pilot], name: str, value: str) -> QuerySet[Pilot]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(reference__iexact=value)
            | Q(title__icontains=value)
            | Q(problem_statement__icontains=value)
        )

    def by_role(self, queryset: QuerySet[Pilot], name: str, value: str) -> QuerySet[Pilot]:
        user = self.request.user
        condition = {
            "sponsor": Q(sponsor=user),
            "owner": Q(owner=user) & ~Q(owner_status=OwnershipStatus.DECLINED),
            "operations": Q(operations_owner=user),
            "member": Q(Exists(PilotMembership.objects.filter(pilot=OuterRef("pk"), user=user))),
        }[value]
        return queryset.filter(condition)
