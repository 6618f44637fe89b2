"""Finding a pilot by what people remember of it: the header's search and the portfolio's.

A search is a condition on what a user may already see (``pilot_list``): it
narrows the pilot list's visibility, it never widens it.
"""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from pilots.models import Pilot
from pilots.permissions import AnyUser
from pilots.selectors.pilots import pilot_list

# What a search word may be found in (case-insensitive, anywhere in the text).
SEARCH_FIELDS = (
    "reference",
    "title",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
    "sponsor__username",
    "sponsor__first_name",
    "sponsor__last_name",
    "business_unit__name",
)
SEARCH_MAX_LENGTH = 100
SEARCH_MAX_WORDS = 6


def search_words(text: str) -> list[str]:
    """The words searched for: at most ``SEARCH_MAX_WORDS`` of the first 100 characters."""
    return text[:SEARCH_MAX_LENGTH].split()[:SEARCH_MAX_WORDS]


def search_condition(text: str, *, prefix: str = "") -> Q:
    """Every word of ``text`` in one of ``SEARCH_FIELDS`` (``prefix`` leads from another
    model to the pilot, e.g. ``pilot__``); no word matches everything.

    "olivia churn" finds the churn pilot Olivia owns: each word may be found in
    another field.
    """
    condition = Q()
    for word in search_words(text):
        anywhere = Q()
        for field in SEARCH_FIELDS:
            anywhere |= Q(**{f"{prefix}{field}__icontains": word})
        condition &= anywhere
    return condition


def pilot_search(user: AnyUser, *, text: str) -> QuerySet[Pilot]:
    """The pilots this user may see that match ``text``: the one whose reference it is
    first, then the newest. Nothing for a text without a word."""
    if not search_words(text):
        return pilot_list(user).none()
    exact = Case(
        When(reference__iexact=text.strip(), then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return (
        pilot_list(user)
        .filter(search_condition(text))
        .annotate(exact_reference=exact)
        .order_by("exact_reference", "-created_at", "-pk")
    )
