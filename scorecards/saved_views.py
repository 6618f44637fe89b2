"""Saved views: a user's named sets of portfolio filters (write, read, and what is kept).

A saved view keeps a query string of the portfolio's filter parameters only
(``SAVED_VIEW_PARAMETERS``), each with a valid value, in one canonical order:
anything else in the address it was saved from (a page number, a parameter of
another page, a value the filters refuse) is dropped, so opening it always
shows a filtered portfolio.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.http import Http404, QueryDict
from django.utils.http import urlencode

from scorecards.filters import SAVED_VIEW_PARAMETERS, PortfolioFilter
from scorecards.models import SavedView


def saved_view_query(query: str) -> str:
    """The portfolio filters of ``query`` with a valid value, in a fixed order."""
    data = QueryDict(query)
    kept = {name: data.get(name, "").strip() for name in SAVED_VIEW_PARAMETERS}
    kept = {name: value for name, value in kept.items() if value}
    form = PortfolioFilter(kept).form
    form.is_valid()
    return urlencode({name: value for name, value in kept.items() if name not in form.errors})


@transaction.atomic
def saved_view_save(*, user: User, name: str, query: str) -> SavedView:
    """Save the portfolio's filters under ``name``; a view of that name is replaced."""
    name = name.strip()
    view = SavedView.objects.select_for_update().filter(user=user, name=name).first()
    if view is None:
        view = SavedView(user=user, name=name)
    view.query = saved_view_query(query)
    view.full_clean()
    view.save()
    return view


@transaction.atomic
def saved_view_delete(*, view: SavedView) -> None:
    view.delete()


def saved_views_of(user: User) -> list[SavedView]:
    """The user's saved views by name (one query)."""
    return list(SavedView.objects.filter(user=user).order_by("name", "pk"))


def saved_view_of(user: User, view_id: int) -> SavedView:
    """One of the user's own saved views; 404 for anyone else's."""
    try:
        return SavedView.objects.get(user=user, pk=view_id)
    except SavedView.DoesNotExist:
        raise Http404("No such saved view.") from None
