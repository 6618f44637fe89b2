"""The pilot list (``/pilots/``), with each pilot's risk, and its CSV export.

Served here rather than by the pilots app because a row shows the pilot's
readiness scorecard, and ``scorecards`` builds on ``pilots``, never the
reverse. The search, filters and sorting are the pilots app's
(``pilots.filters.PilotFilter``); the risk is written as the portfolio writes
it (``scorecards.views.shown_reasons``), and the CSV goes through the
portfolio's formula neutralisation (``scorecards.views.cell``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from pilots.abilities import may_edit_registration
from pilots.filters import PilotFilter
from pilots.models import Pilot
from pilots.permissions import AnyUser
from pilots.selectors.pilots import pilot_list, pilot_timeline
from scorecards.models import Scorecard
from scorecards.selectors import with_scorecards
from scorecards.views import (
    RISK_LABELS,
    RowLinks,
    cell,
    csv_response,
    filters_refused,
    is_filtered,
    person,
    query_without_page,
    shown_reasons,
)

PAGE_SIZE = 25
CSV_HEADER = [
    "reference",
    "title",
    "stage",
    "business unit",
    "sponsor",
    "owner",
    "owner status",
    "operations owner",
    "planned start",
    "planned end",
    "risk",
    "overall",
    "top reason",
]


def listed_pilots(request: Any) -> PilotFilter:
    """The pilots this user may see, with their scorecards, as the list's filters narrow them."""
    return PilotFilter(
        request.GET, queryset=with_scorecards(pilot_list(request.user)), request=request
    )


def scorecard_of(pilot: Pilot) -> Scorecard | None:
    """The scorecard joined by ``with_scorecards``; None until the pilot is first scored."""
    return getattr(pilot, "scorecard", None)


def risk_of(user: AnyUser, pilot: Pilot, links: RowLinks) -> dict[str, Any] | None:
    """What the risk column shows: level, overall score, and the worst reason (linked where
    this user may fix it), as the portfolio shows them; None for a pilot not scored yet."""
    card = scorecard_of(pilot)
    if card is None:
        return None
    assert pilot.reference is not None, "a listed pilot is saved, so it has a reference"
    top = shown_reasons(
        card.reasons[:1],
        pilot.reference,
        may_edit=may_edit_registration(user, pilot),
        links=links,
    )
    return {
        "risk": card.risk,
        "label": RISK_LABELS[card.risk],
        "overall": card.overall,
        "scorecard_url": links.scorecard(pilot.reference),
        "reason": top[0] if top else None,
    }


@require_GET
def pilot_list_view(request: Any) -> HttpResponse:
    """Every pilot this user may see, searched, filtered, sorted and paginated, with its risk."""
    pilots = listed_pilots(request)
    page = Paginator(pilots.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    links = RowLinks()
    return render(
        request,
        "pilots/pilot_list.html",
        {
            "filter": pilots,
            "page": page,
            "rows": [
                (pilot, pilot_timeline(pilot, today=today), risk_of(request.user, pilot, links))
                for pilot in page
            ],
            "query": query_without_page(request),
            "filtered": is_filtered(request),
        },
    )


def day(on: date | None) -> str:
    return on.isoformat() if on else ""


def csv_row(pilot: Pilot) -> list[object]:
    """One listed pilot; every value goes through ``cell``, ours as well as typed ones."""
    card = scorecard_of(pilot)
    return [
        cell(value)
        for value in (
            pilot.reference,
            pilot.title,
            pilot.get_stage_display(),
            pilot.business_unit.name if pilot.business_unit else "",
            person(pilot.sponsor),
            person(pilot.owner),
            pilot.get_owner_status_display() if pilot.owner_id else "",
            person(pilot.operations_owner),
            day(pilot.planned_start),
            day(pilot.planned_end),
            card.get_risk_display() if card else "Not scored yet",
            card.overall if card else "",
            card.reasons[0]["sentence"] if card and card.reasons else "",
        )
    ]


@require_GET
def pilot_list_export(request: Any) -> HttpResponse:
    """Exactly the pilots the list's filters show, every page, in the same order."""
    pilots = listed_pilots(request)
    if refused := filters_refused(pilots):
        return refused
    return csv_response("pilots", CSV_HEADER, (csv_row(pilot) for pilot in list(pilots.qs)))
