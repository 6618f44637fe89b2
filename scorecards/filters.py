"""The dashboard's filters (django-filter): one set for the page, its CSV and the API.

Applied to the already visibility-scoped scorecards: a filter narrows, never
widens. Business unit, sponsor and owner are taken as ids and checked as
integers, with no query (an id of a pilot one cannot see simply matches
nothing); the page passes the choices its select boxes show. The risk level is
given as its slug (``on_track``, ``watch``, ``at_risk``, ``critical``), as the
API publishes it.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, QuerySet

from pilots.enums import Stage
from pilots.frame.filters import IdFilter
from scorecards.models import Scorecard, ScorecardReason
from scorecards.scoring import REASON_CODES, Risk
from scorecards.selectors import FilterChoices

RISK_CHOICES = [(risk.slug, risk.label) for risk in Risk]


class DashboardFilter(django_filters.FilterSet):
    stage = django_filters.ChoiceFilter(
        field_name="pilot__stage", label="Stage", choices=Stage.choices, empty_label="Any stage"
    )
    business_unit = IdFilter(field_name="pilot__business_unit", label="Business unit")
    sponsor = IdFilter(field_name="pilot__sponsor", label="Sponsor")
    owner = IdFilter(field_name="pilot__owner", label="Owner")
    reason = django_filters.ChoiceFilter(
        label="Reason",
        choices=sorted(REASON_CODES.items(), key=lambda item: item[1]),
        empty_label="Any reason",
        method="with_reason",
    )
    risk = django_filters.ChoiceFilter(
        label="Risk",
        choices=RISK_CHOICES,
        empty_label="Any risk",
        method="at_risk_level",
        help_text="The overall risk level.",
    )

    class Meta:
        model = Scorecard
        fields: list[str] = []

    SELECTS = (
        ("business_unit", "business_units", "Any business unit"),
        ("sponsor", "sponsors", "Any sponsor"),
        ("owner", "owners", "Any owner"),
    )

    def __init__(self, data: Any = None, *args: Any, choices: FilterChoices | None = None, **kw):
        super().__init__(data, *args, **kw)
        if choices is not None:  # the page: select boxes of what this user may pick
            for name, attribute, empty in self.SELECTS:
                options = [("", empty), *getattr(choices, attribute)]
                self.filters[name].extra["widget"] = forms.Select(choices=options)

    def with_reason(self, queryset: QuerySet[Scorecard], name: str, value: str):
        return queryset.filter(
            Exists(ScorecardReason.objects.filter(scorecard=OuterRef("pk"), code=value))
        )

    def at_risk_level(self, queryset: QuerySet[Scorecard], name: str, value: str):
        return queryset.filter(risk=Risk[value.upper()])
