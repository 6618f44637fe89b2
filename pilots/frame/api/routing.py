"""How API addresses are written: pilots by reference (``PIL-0042``), views as routes."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, path, register_converter

from pilots.enums import InfrastructureItem


class ReferenceConverter:
    regex = "PIL-[0-9]{4,}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ReferenceConverter, "reference")


class InfrastructureItemConverter:
    """One question of the production-infrastructure checklist (``ci_cd``, ``monitoring``...)."""

    regex = "|".join(InfrastructureItem.values)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(InfrastructureItemConverter, "infrastructure_item")


def route(pattern: str, view: Any, name: str) -> URLPattern:
    """DRF authenticates API requests itself (token or session) and answers 401 in
    JSON, so the site's login redirect does not apply."""
    return path(pattern, login_not_required(view.as_view()), name=name)


P = "pilots/<reference:reference>/"
