"""Template context for the header: the signed-in user's saved portfolio views.

The header's main navigation lists them under "Saved views" on every page, so a
named filter set is one click away wherever one works. Lives here, not in the
pilots app's navigation, because saved views are a portfolio (scorecards) thing
and the pilots app does not import scorecards.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import cached_property

from scorecards.models import SavedView
from scorecards.saved_views import saved_views_of


@dataclass(frozen=True)
class SavedViewLink:
    name: str
    url: str


def saved_view_links(views: list[SavedView]) -> list[SavedViewLink]:
    portfolio = reverse("scorecards:dashboard")
    return [
        SavedViewLink(view.name, f"{portfolio}?{view.query}" if view.query else portfolio)
        for view in views
    ]


class SavedViewsNavigation:
    """``saved_nav.views``: read (one query) only when a page's header shows them."""

    def __init__(self, request: HttpRequest, views: list[SavedView] | None = None) -> None:
        self._request = request
        if views is not None:
            self.__dict__["views"] = saved_view_links(views)

    @cached_property
    def views(self) -> list[SavedViewLink]:
        user = getattr(self._request, "user", None)
        if user is None or not user.is_authenticated:
            return []
        return saved_view_links(saved_views_of(user))


def saved_views_navigation(request: HttpRequest) -> dict[str, object]:
    """``saved_nav``, read lazily (a page that passes its own reads no more)."""
    return {"saved_nav": SavedViewsNavigation(request)}


def evaluated_saved_views(request: HttpRequest) -> SavedViewsNavigation:
    """``saved_nav`` read now, for a page rendered with queries disabled."""
    nav = SavedViewsNavigation(request)
    nav.views  # noqa: B018 (read now: the template may not query)
    return nav
