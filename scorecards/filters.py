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
from django.db.models import F, QuerySet
from django.db.models.functions import Lower
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from pilots.enums import Stage
from pilots.frame.filters import IdFilter
from pilots.selectors.search import SEARCH_MAX_LENGTH, search_condition
from scorecards.models import Scorecard, ScorecardReason
from scorecards.scoring import REASON_CODES, Risk
from scorecards.selectors import DASHBOARD_ORDER, FilterChoices

RISK_CHOICES = [(risk.slug, risk.label) for risk in Risk]


class PlainSelect(forms.Select):
    """A select box written in Python, not a template per option: the page's sponsor and
    owner boxes hold one option per person, hundreds in a large portfolio."""

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        chosen = {str(item) for item in self.format_value(value)}
        options = format_html_join(
            "\n  ",
            '<option value="{}"{}>{}</option>',
            (
                (key, mark_safe(" selected") if str(key) in chosen else "", label)
                for key, label in self.choices
            ),
        )
        return format_html(
            '<select name="{}"{}>\n  {}\n</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            options,
        )


class DashboardFilter(django_filters.FilterSet):
    stage = django_filters.ChoiceFilter(
        field_name="stage",
        label="Stage",
        choices=Stage.choices,
        empty_label="Any stage",
        widget=PlainSelect,
    )
    business_unit = IdFilter(field_name="pilot__business_unit", label="Business unit")
    sponsor = IdFilter(field_name="pilot__sponsor", label="Sponsor")
    owner = IdFilter(field_name="pilot__owner", label="Owner")
    reason = django_filters.ChoiceFilter(
        label="Reason",
        choices=sorted(REASON_CODES.items(), key=lambda item: item[1]),
        empty_label="Any reason",
        method="with_reason",
        widget=PlainSelect,
    )
    risk = django_filters.ChoiceFilter(
        label="Risk",
        choices=RISK_CHOICES,
        empty_label="Any risk",
        method="at_risk_level",
        help_text="The overall risk level.",
        widget=PlainSelect,
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
                self.filters[name].extra["widget"] = PlainSelect(choices=options)

    def with_reason(self, queryset: QuerySet[Scorecard], name: str, value: str):
        # The reason rows of this code first (index scorecard_reason_code), then their cards.
        return queryset.filter(
            pk__in=ScorecardReason.objects.filter(code=value).values("scorecard_id")
        )

    def at_risk_level(self, queryset: QuerySet[Scorecard], name: str, value: str):
        return queryset.filter(risk=Risk[value.upper()])


# The portfolio page's sortable columns: the ``sort`` value, what it orders by, and the
# direction a first click sorts in (the worst first: highest risk, lowest score, soonest
# date). Pilots with no next date come last either way. Ties always follow the
# dashboard's order, so pages never repeat or skip a pilot.
SORTS: dict[str, tuple[F | Lower, str]] = {
    "risk": (F("risk"), "-"),
    "title": (Lower("pilot__title"), ""),
    "score": (F("overall"), ""),
    "next": (F("next_date"), ""),
}
SORT_CHOICES = [
    (f"{sign}{key}", f"{key} ({'descending' if sign else 'ascending'})")
    for key in SORTS
    for sign in ("", "-")
]


class PortfolioSearch(django_filters.FilterSet):
    """The portfolio's search box (a base of its own, so that it comes first in the form)."""

    q = django_filters.CharFilter(
        label="Search",
        method="search",
        max_length=SEARCH_MAX_LENGTH,
        help_text="Reference, title, sponsor, owner or business unit.",
    )

    def search(self, queryset: QuerySet[Scorecard], name: str, value: str):
        return queryset.filter(search_condition(value, prefix="pilot__"))


class PortfolioFilter(PortfolioSearch, DashboardFilter):
    """The portfolio page's and its CSV's filters: a search, the dashboard's, and a sort."""

    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES, method="sorted_by", widget=forms.HiddenInput
    )

    def sorted_by(self, queryset: QuerySet[Scorecard], name: str, value: str):
        expression, _ = SORTS[value.lstrip("-")]
        if value.startswith("-"):
            return queryset.order_by(expression.desc(nulls_last=True), *DASHBOARD_ORDER)
        return queryset.order_by(expression.asc(nulls_last=True), *DASHBOARD_ORDER)


# What a saved view keeps of a query string: these parameters and nothing else.
SAVED_VIEW_PARAMETERS = tuple(PortfolioFilter.base_filters)
