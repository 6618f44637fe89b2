"""Template context every page needs: which navigation links fit this user."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import cached_property

from pilots.permissions import AnyUser, can_register_pilots, is_portfolio_lead
from pilots.reminders.inbox import unread_count


class Navigation:
    """What the header shows this user, each part computed only when a page reads it.

    A page without a signed-in user reads none of it and so runs no query; a
    signed-in page reads the user's groups once (``is_lead``, ``can_register``)
    and counts the unread reminders once (``unread``).
    """

    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    @cached_property
    def _user(self) -> AnyUser | None:
        user = getattr(self._request, "user", None)
        return user if user is not None and user.is_authenticated else None

    @cached_property
    def can_register(self) -> bool:
        return self._user is not None and can_register_pilots(self._user)

    @cached_property
    def is_lead(self) -> bool:
        return self._user is not None and is_portfolio_lead(self._user)

    @cached_property
    def unread(self) -> int:
        """The user's unread reminders (the inbox badge)."""
        return unread_count(self._user) if self._user is not None else 0


def navigation(request: HttpRequest) -> dict[str, object]:
    """``nav.can_register``, ``nav.is_lead`` and ``nav.unread``, read lazily."""
    return {"nav": Navigation(request)}
