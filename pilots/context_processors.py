"""Template context every page needs: which navigation links fit this user."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from pilots.permissions import can_register_pilots, is_portfolio_lead


def navigation(request: HttpRequest) -> dict[str, object]:
    """``nav.can_register`` and ``nav.is_lead``, computed only by pages that show them."""

    def flags() -> dict[str, bool]:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return {}
        return {"can_register": can_register_pilots(user), "is_lead": is_portfolio_lead(user)}

    return {"nav": SimpleLazyObject(flags)}
