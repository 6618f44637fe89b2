"""The pilot list's search, filters and sorting (django-filter).

Applied to an already visibility-scoped queryset: a filter narrows what a
user may see, it never widens it.
"""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet

from pilots.enums import OwnershipStatus, Stage
from pilots.models import BusinessUnit, Pilot, PilotMembership

ROLE_CHOICES = [
    ("sponsor", "I sponsor"),
    ("owner", "I own (or am nominated)"),
    ("operations", "I will operate"),
    ("member", "I work on"),
]


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
