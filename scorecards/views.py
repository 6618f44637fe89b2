"""The portfolio dashboard, its CSV export and a pilot's scorecard page.

Every page here fetches all it shows in the view, in a fixed number of queries
whatever the size of the portfolio, and renders its template inside
``zen_queries.queries_disabled()``: a template that would run a query (a lazy
queryset, a related object not selected, the header's lazy navigation) raises
``QueriesDisabledError`` instead of quietly adding one query per row.
"""

from __future__ import annotations

import csv
import html
import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_http_methods
from zen_queries import queries_disabled

from pilots import value as money
from pilots.abilities import may_edit_registration
from pilots.enums import Stage
from pilots.frame import formats
from pilots.frame.navigation import Navigation
from pilots.links import PilotLinks
from pilots.models import Pilot
from pilots.permissions import AnyUser, sees_every_pilot
from pilots.selectors.pilots import pilot_get_for_user
from pilots.selectors.value import graduated_values
from scorecards import charts
from scorecards.evidence import OUTCOMES, Evidence, Side
from scorecards.filters import SORTS, PortfolioFilter
from scorecards.forms import SavedViewForm
from scorecards.models import RiskLevel, Scorecard
from scorecards.navigation import SavedViewsNavigation, evaluated_saved_views
from scorecards.saved_views import (
    saved_view_delete,
    saved_view_of,
    saved_view_query,
    saved_view_save,
    saved_views_of,
)
from scorecards.scoring import PRACTICE_LABELS, REASON_CODES, Practice
from scorecards.selectors import (
    Summary,
    dashboard_rows,
    dashboard_scorecards,
    dashboard_summary,
    filter_choices,
    risk_trend,
    scorecard_for_pilot,
    scorecard_history,
)

PAGE_SIZE = 25
TREND_WEEKS_ON_PAGE = 26  # a pilot's scorecard page: about six months of weekly snapshots
PRACTICES = tuple(Practice)
SHORT_PRACTICE = {
    Practice.INFRASTRUCTURE: "Infra",
    Practice.METRIC: "Metric",
    Practice.OWNERSHIP: "Owner",
    Practice.HANDOVER: "Handover",
}


# --- Shared: the frame and the filters -----------------------------------------------------


def evaluated_navigation(request: HttpRequest) -> Navigation:
    """The header's navigation with every lazy value read now, before rendering.

    Passed to the template as ``nav``, it takes the place of the context
    processor's lazy one, so rendering the frame runs no query.
    """
    nav = Navigation(request)
    for value in ("can_register", "is_lead", "unread"):
        getattr(nav, value)
    return nav


def query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def is_filtered(request: HttpRequest) -> bool:
    """Whether the filters narrow the pilots shown (a page or an order narrows nothing)."""
    return any(value for key, value in request.GET.items() if key not in ("page", "sort"))


DEFAULT_SORT = "-risk"  # the dashboard's own order: worst risk first


def sort_headers(request: HttpRequest, chosen: str) -> dict[str, dict[str, str]]:
    """Per sortable column: the link that sorts by it (the other way round when it is the
    column sorted by) and its ``aria-sort`` ("" when the page is not sorted by it)."""
    current = chosen or DEFAULT_SORT
    headers = {}
    for key, (_, first) in SORTS.items():
        query = request.GET.copy()
        query.pop("page", None)
        aria_sort = ""
        if current.lstrip("-") == key:
            aria_sort = "descending" if current.startswith("-") else "ascending"
            query["sort"] = key if current.startswith("-") else f"-{key}"
        else:
            query["sort"] = f"{first}{key}"
        headers[key] = {"href": f"?{query.urlencode()}", "aria_sort": aria_sort}
    return headers


# --- The dashboard --------------------------------------------------------------------------


class CountedPaginator(Paginator):
    """A paginator told how many rows there are (the summary counted them): no COUNT query."""

    def __init__(self, object_list: QuerySet, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self.count = count


def percent(share: float | None) -> str:
    return "—" if share is None else f"{share:.0%}"


def summary_figures(summary: Summary) -> list[dict[str, str]]:
    """The four shares the dashboard shows, each with what it is a share of."""

    def of(part: int, whole: int, noun: str, none: str) -> str:
        """``3 of 4 pilots``; ``noun`` holds ``{s}`` where the plural adds an s."""
        return f"{part} of {whole} {noun.format(s='' if whole == 1 else 's')}" if whole else none

    return [
        {
            "label": "Graduation rate",
            "value": percent(summary.graduation_rate),
            "detail": of(
                summary.graduated,
                summary.graduated + summary.stopped,
                "decided pilot{s} graduated",
                "No pilot graduated or stopped yet",
            ),
        },
        {
            "label": "Accepted business owner",
            "value": percent(summary.accepted_owner_share),
            "detail": of(summary.with_accepted_owner, summary.total, "pilot{s}", "No pilot"),
        },
        {
            "label": "Primary business metric",
            "value": percent(summary.primary_metric_share),
            "detail": of(summary.with_primary_metric, summary.total, "pilot{s}", "No pilot"),
        },
        {
            "label": "Handover planned before the window",
            "value": percent(summary.planned_early_share),
            "detail": of(
                summary.planned_before_window,
                summary.window_reached,
                "pilot{s} whose window has opened",
                "No pilot's handover window has opened yet",
            ),
        },
    ]


def evidence_side(side: Side) -> dict[str, Any]:
    """One side of a practice (followed, or not) as the table writes it: each outcome's
    mean (empty where withheld) and its counts."""
    cells = []
    for measure in side.measures:
        outcome, mean = measure.outcome, measure.mean
        words = outcome.detail if mean is not None else outcome.withheld
        cells.append(
            {
                "value": outcome.show(mean) if mean is not None else "",
                "detail": words.format(total=measure.total, n=measure.n),
            }
        )
    return {
        "label": "Followed" if side.followed else "Not followed",
        "decided": side.decided,
        "cells": cells,
    }


def evidence_rows(evidence: Evidence) -> list[dict[str, Any]]:
    """Per practice: its label, whether it can be compared, and its two sides."""
    return [
        {
            "label": split.practice.label,
            "followed": split.practice.followed,
            "notes": split.notes,
            "unknown": split.unknown,
            "sides": [evidence_side(split.followed), evidence_side(split.not_followed)],
        }
        for split in evidence.splits
    ]


def when(day: date | None, today: date) -> str:
    """``in 3 days``, ``today``, ``2 days ago``; empty without a date."""
    if day is None:
        return ""
    days = (day - today).days
    if days == 0:
        return "today"
    count = f"{abs(days)} day{'' if abs(days) == 1 else 's'}"
    return f"in {count}" if days > 0 else f"{count} ago"


RISK_LABELS = dict(RiskLevel.choices)
STAGE_LABELS = dict(Stage.choices)
OWNER_NOTES = {"pending": "(not accepted yet)", "declined": "(declined)"}


def shown_reasons(
    reasons: list[dict[str, Any]], reference: str, *, may_edit: bool, links: PilotLinks
) -> list[dict[str, Any]]:
    """Stored reasons, each linked only where this viewer may follow (``link`` "" if not).

    The stored link says where a reason is fixed for whoever may fix it; a
    registration step is no use to someone who may not edit the registration.
    """
    shown = []
    for reason in reasons:
        if "section" in reason:
            link = links.fix(reference, reason["section"], may_edit=may_edit)
        else:  # stored before reasons kept their section: until the next recompute
            link = reason["link"] if may_edit else ""
        shown.append({**reason, "link": link, "risk_label": RISK_LABELS[reason["risk"]]})
    return shown


def reasons_for(user: AnyUser, card: Scorecard, links: PilotLinks) -> list[dict[str, Any]]:
    """The card's reasons as this user may follow them (see ``shown_reasons``)."""
    pilot = card.pilot
    assert pilot.reference is not None, "a scored pilot is saved, so it has a reference"
    return shown_reasons(
        card.reasons, pilot.reference, may_edit=may_edit_registration(user, pilot), links=links
    )


def full_name(first: str, last: str, username: str) -> str:
    """As ``User.get_full_name() or get_username()`` (templates/pilots/_person.html)."""
    return f"{first} {last}".strip() or username


class RowLinks(PilotLinks):
    """The paths a dashboard row links to (each reversed once per page)."""

    def __init__(self) -> None:
        super().__init__()
        self._scorecard = reverse("scorecards:pilot", args=[REFERENCE_MARK])

    def scorecard(self, reference: str) -> str:
        return self._scorecard.replace(REFERENCE_MARK, reference)


REFERENCE_MARK = "PIL-0000000000"


def dashboard_row(
    user: AnyUser, values: dict[str, Any], today: date, links: RowLinks
) -> dict[str, Any]:
    """Everything a row shows, ready to write: the template only places it."""
    reference = values["pilot__reference"]
    stage = values["pilot__stage"]
    pilot = Pilot(pk=values["pilot_id"], sponsor_id=values["pilot__sponsor_id"], stage=stage)
    next_date = values["next_date"]
    spark = charts.sparkline(values["sparkline"])
    owner = values["pilot__owner__username"]
    return {
        "risk": values["risk"],
        "risk_label": RISK_LABELS[values["risk"]],
        "reference": reference,
        "url": links.detail(reference),
        "scorecard_url": links.scorecard(reference),
        "title": values["pilot__title"],
        "stage": stage,
        "stage_label": STAGE_LABELS[stage],
        "business_unit": values["pilot__business_unit__name"] or "No business unit",
        "sponsor": full_name(
            values["pilot__sponsor__first_name"],
            values["pilot__sponsor__last_name"],
            values["pilot__sponsor__username"],
        ),
        "owner": full_name(
            values["pilot__owner__first_name"], values["pilot__owner__last_name"], owner
        )
        if owner is not None
        else "",
        "owner_note": OWNER_NOTES.get(values["pilot__owner_status"], ""),
        "overall": values["overall"],
        "practices": [(SHORT_PRACTICE[p], PRACTICE_LABELS[p], values[p.value]) for p in PRACTICES],
        "reasons": shown_reasons(
            values["reasons"],
            reference,
            may_edit=may_edit_registration(user, pilot),
            links=links,
        ),
        "next_day": formats.day(next_date) if next_date else "",
        "next_when": when(next_date, today),
        "next_passed": next_date is not None and next_date < today,
        "spark": spark,
    }


# A row of the dashboard's table, written in Python: 25 rows of about fifty values each
# cost far more as template nodes (or format_html calls) than the query that fetches
# them. Every value goes through ``esc`` (html.escape, as Django's escape filter); the
# markup is what templates/scorecards/dashboard.html wrote.
esc = html.escape


def muted(text: str) -> str:
    return f'<span class="muted">{esc(text)}</span>'


def spark_html(spark: charts.Sparkline | None) -> str:
    """The primary metric's sparkline, as templates/scorecards/_sparkline.html draws it."""
    if spark is None:
        return muted("No readings")
    many = len(spark.points) > 1
    line = f'<polyline class="spark-line" points="{esc(spark.polyline)}" />' if many else ""
    label, w, h = esc(spark.label), spark.width, spark.height
    first = f"{esc(spark.first)} → " if many else ""
    return (
        f'<svg class="sparkline" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        f'aria-label="{label}"><title>{label}</title>{line}<circle class="spark-end" '
        f'cx="{spark.end[0]:.1f}" cy="{spark.end[1]:.1f}" r="2.5" /></svg>'
        f'<span class="spark-range" aria-hidden="true">{first}{esc(spark.last)}</span>'
    )


def reasons_html(reasons: list[dict[str, Any]]) -> str:
    if not reasons:
        return muted("Nothing to fix.")
    items = "".join(
        f'<li class="reason-{int(reason["risk"])}">'
        + (
            f'<a href="{esc(reason["link"])}">{esc(reason["sentence"])}</a>'
            if reason["link"]
            else esc(reason["sentence"])
        )
        + "</li>"
        for reason in reasons
    )
    return f'<ul class="reasons">{items}</ul>'


def row_html(row: dict[str, Any]) -> SafeString:
    """One row of the dashboard's table from ``dashboard_row``'s values, every value escaped."""
    risk, reference, url = int(row["risk"]), esc(row["reference"]), esc(row["url"])
    practices = "".join(
        f'<li title="{esc(label)}"><abbr title="{esc(label)}">{esc(short)}</abbr> {int(score)}</li>'
        for short, label, score in row["practices"]
    )
    owner = esc(row["owner"]) if row["owner"] else muted("None")
    if row["owner_note"]:
        owner += " " + muted(row["owner_note"])
    next_date = (
        f'{esc(row["next_day"])}<div class="{"overdue" if row["next_passed"] else "muted"}">'
        f"{esc(row['next_when'])}</div>"
        if row["next_day"]
        else muted("—")
    )
    overall = int(row["overall"])
    return mark_safe(  # noqa: S308 - every value above is escaped or a number
        f"""<tr class="risk-row-{risk}" data-reference="{reference}">
        <td data-label="Risk"><span class="badge risk risk-{risk}">{esc(row["risk_label"])}</span></td>
        <td data-label="Pilot" class="pilot-cell">
          <a class="mono" href="{url}">{reference}</a>
          <a href="{url}" class="pilot-title">{esc(row["title"])}</a>
          <div class="muted"><span class="badge stage-{esc(row["stage"])}">{esc(row["stage_label"])}</span> {esc(row["business_unit"])}</div>
        </td>
        <td data-label="People" class="people">
          <div><span class="role">Sponsor</span>{esc(row["sponsor"])}</div>
          <div><span class="role">Owner</span>{owner}</div>
        </td>
        <td data-label="Score" class="score-cell">
          <a class="overall" href="{esc(row["scorecard_url"])}" aria-label="Overall score {overall} out of 100: open the scorecard">{overall}</a>
          <ul class="practice-scores">{practices}</ul>
        </td>
        <td data-label="Why" class="reasons-cell">
          {reasons_html(row["reasons"])}
        </td>
        <td data-label="Next date" class="nowrap">{next_date}</td>
        <td data-label="Primary metric">{spark_html(row["spark"])}</td>
      </tr>"""  # noqa: E501
    )


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The pilots this user may see, at risk first, with why, what moves, and the totals."""
    today = timezone.localdate()
    user = request.user
    portfolio = PortfolioFilter(
        request.GET, queryset=dashboard_scorecards(user), choices=filter_choices(user)
    )
    scorecards = portfolio.qs
    current_query = saved_view_query(request.GET.urlencode())
    filtered = is_filtered(request)
    # A lead's unfiltered page: the totals and the trend counted when they were written.
    whole_portfolio = sees_every_pilot(user) and not filtered
    summary = dashboard_summary(scorecards, whole_portfolio=whole_portfolio)
    page = CountedPaginator(dashboard_rows(scorecards), PAGE_SIZE, count=summary.total).get_page(
        request.GET.get("page")
    )
    page.object_list = list(page.object_list)
    trend = risk_trend(scorecards, today=today, whole_portfolio=whole_portfolio)
    weeks = [(week.week, week.per_risk) for week in trend]
    links = RowLinks()
    saved_views = saved_views_of(signed_in(request))
    # The graduated pilots' value in money against their run cost (``pilots.value``).
    values = graduated_values(Pilot.objects.filter(pk__in=scorecards.order_by().values("pilot_id")))
    context = {
        "nav": evaluated_navigation(request),
        "saved_nav": SavedViewsNavigation(request, saved_views),
        "sees_all": sees_every_pilot(user),
        "filter": portfolio,
        "form": portfolio.form,
        "page": page,
        "rows": [
            row_html(dashboard_row(user, values, today, links)) for values in page.object_list
        ],
        "summary": summary,
        "figures": summary_figures(summary),
        "evidence": summary.evidence,
        "evidence_rows": evidence_rows(summary.evidence),
        "outcomes": OUTCOMES,
        "evidence_columns": 2 + len(OUTCOMES),  # a side's name, its count, each outcome
        "per_stage": [(label, summary.per_stage.get(value, 0)) for value, label in Stage.choices],
        "per_risk": [
            (level, label, summary.per_risk.get(level, 0))
            for level, label in reversed(RiskLevel.choices)
        ],
        "risk_chart": charts.risk_chart(weeks),
        "funnel": charts.funnel(summary.funnel),
        # The charts are drawn from these figures alone: their rendered SVG is kept
        # (the cache tag) under the figures, so a page redraws them only when they change.
        "charts_key": {"risk": repr(weeks), "funnel": repr(summary.funnel)},
        "query": query_without_page(request),
        "filtered": filtered,
        "today": today,
        "sort": sort_headers(request, portfolio.form.cleaned_data.get("sort", "")),
        "saved_views": [
            {
                "view": view,
                "current": view.query == current_query,
                "delete_url": reverse("scorecards:view_delete", args=[view.pk]),
            }
            for view in saved_views
        ],
        "save_form": SavedViewForm(initial={"query": current_query}),
        "values": values,
        "value_totals": money.totals(row.figures for row in values),
    }
    with queries_disabled():
        return render(request, "scorecards/dashboard.html", context)


# --- Saved views ----------------------------------------------------------------------------


def signed_in(request: HttpRequest) -> User:
    """The user of a page ``LoginRequiredMiddleware`` let through: never anonymous."""
    assert isinstance(request.user, User), "LoginRequiredMiddleware signs everyone in first"
    return request.user


def _portfolio(query: str = "") -> HttpResponse:
    return redirect(reverse("scorecards:dashboard") + (f"?{query}" if query else ""))


@require_http_methods(["GET", "HEAD", "POST"])
def view_save(request: HttpRequest) -> HttpResponse:
    """Name the portfolio's current filters; a GET (a reloaded address) goes to the portfolio."""
    if request.method != "POST":
        return _portfolio()
    form = SavedViewForm(request.POST)
    query = request.POST.get("query", "")
    if not form.is_valid():
        problems = [str(problem) for problem in form.errors.get("name", ["invalid."])]
        messages.error(request, "Not saved: " + " ".join(problems))
        return _portfolio(saved_view_query(query))
    try:
        view = saved_view_save(user=signed_in(request), name=form.cleaned_data["name"], query=query)
    except ValidationError as error:
        messages.error(request, f"Not saved: {' '.join(error.messages)}")
        return _portfolio(saved_view_query(query))
    messages.success(
        request,
        f"Saved view “{view.name}” saved: it is listed under “Saved views” in the header "
        "and above the filters.",
    )
    return _portfolio(view.query)


@require_http_methods(["GET", "HEAD", "POST"])
def view_delete(request: HttpRequest, view_id: int) -> HttpResponse:
    """Delete one of the user's saved views (anyone else's: 404)."""
    if request.method != "POST":
        return _portfolio()
    view = saved_view_of(signed_in(request), view_id)
    saved_view_delete(view=view)
    messages.success(request, f"Saved view “{view.name}” deleted.")
    return _portfolio()


# --- The CSV export -------------------------------------------------------------------------

CSV_HEADER = [
    "reference",
    "title",
    "stage",
    "business unit",
    "sponsor",
    "owner",
    "risk",
    "overall",
    "infrastructure",
    "metric",
    "ownership",
    "handover",
    "next date",
    "reason codes",
    "reasons",
]
# CSV injection: a spreadsheet runs a cell that starts with one of these as a
# formula (tab and carriage return too, in some). It also splits a cell where its
# locale's separator falls, even inside quotes when the file is opened with
# another separator than it was written with (";" in much of Europe, tab, "|"),
# and a line break starts a new row: each piece then starts a cell of its own.
FORMULA_STARTS = "=+-@\t\r"
CELL_SEPARATORS = ",;\t|\r\n"
# Where a cell (or a piece of one, once split) would start with a formula
# character, after optional spaces (which some spreadsheets trim).
FORMULA_AT_A_CELL_START = re.compile(
    rf"(^|[{re.escape(CELL_SEPARATORS)}])(?=[ ]*[{re.escape(FORMULA_STARTS)}])"
)


def cell(value: object) -> object:
    """A cell a spreadsheet will not run as a formula, however it splits it (CSV injection).

    Text gets an apostrophe (the spreadsheets' "this is text" mark) at its start
    and after every separator when what follows would start a formula:
    ``;=1+1;`` becomes ``;'=1+1;``. Numbers (the scores) are written as
    numbers, so a spreadsheet still adds them up; a negative one would stay a
    number too, since it is never text a user typed. Every cell is quoted
    (``csv.QUOTE_ALL``), which keeps a separator inside a value in one cell for
    a spreadsheet that reads the file with ours.
    """
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    text = "" if value is None else str(value)
    return FORMULA_AT_A_CELL_START.sub(r"\1'", text)


def person(user: Any) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def csv_row(card: Scorecard) -> list[object]:
    """One dashboard row; every value goes through ``cell``, ours as well as typed ones."""
    pilot: Pilot = card.pilot
    return [
        cell(value)
        for value in (
            pilot.reference,
            pilot.title,
            pilot.get_stage_display(),
            pilot.business_unit.name if pilot.business_unit else "",
            person(pilot.sponsor),
            person(pilot.owner),
            card.get_risk_display(),
            card.overall,
            card.infrastructure,
            card.metric,
            card.ownership,
            card.handover,
            card.next_date.isoformat() if card.next_date else "",
            ";".join(reason["code"] for reason in card.reasons),
            "; ".join(reason["sentence"] for reason in card.reasons),
        )
    ]


def filters_refused(filterset: Any) -> HttpResponse | None:
    """A 400 naming each invalid filter, or None: never export more than the filters asked for."""
    if filterset.is_valid():
        return None
    problems = "; ".join(
        f"{field}: {' '.join(messages)}" for field, messages in filterset.errors.items()
    )
    return HttpResponseBadRequest(
        f"Nothing exported: the filters are not valid ({problems}).",
        content_type="text/plain; charset=utf-8",
    )


def csv_response(name: str, header: list[str], rows: Iterable[list[object]]) -> HttpResponse:
    """A CSV download ``pilotgate-<name>-<today>.csv``: every cell quoted, rows written
    with queries disabled (each row comes from what was fetched; ``cell`` neutralises it)."""
    filename = f"pilotgate-{name}-{timezone.localdate():%Y-%m-%d}.csv"
    response = HttpResponse(
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
    writer = csv.writer(response, quoting=csv.QUOTE_ALL)
    writer.writerow(header)
    with queries_disabled():
        writer.writerows(rows)
    return response


@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    """Exactly the rows the dashboard's filters show, every page, in the same order."""
    portfolio = PortfolioFilter(request.GET, queryset=dashboard_scorecards(request.user))
    if refused := filters_refused(portfolio):
        return refused
    cards = list(portfolio.qs)
    return csv_response("portfolio", CSV_HEADER, (csv_row(card) for card in cards))


# --- A pilot's scorecard page ---------------------------------------------------------------


def practice_rows(user: AnyUser, card: Scorecard) -> list[dict[str, Any]]:
    reasons = reasons_for(user, card, PilotLinks())
    return [
        {
            "practice": practice.value,
            "label": PRACTICE_LABELS[practice],
            "score": card.score_of(practice),
            "band": charts.score_band(card.score_of(practice)),
            "reasons": [r for r in reasons if r["practice"] == practice.value],
        }
        for practice in PRACTICES
    ]


@require_GET
def pilot_scorecard(request: HttpRequest, reference: str) -> HttpResponse:
    """One visible pilot's scorecard: each practice's score, the reasons, and the trend."""
    pilot = pilot_get_for_user(request.user, reference=reference)
    card = scorecard_for_pilot(pilot.pk)
    if card:
        card.pilot = pilot
    snapshots = scorecard_history(pilot, weeks=TREND_WEEKS_ON_PAGE)
    today = timezone.localdate()
    context = {
        "nav": evaluated_navigation(request),
        "saved_nav": evaluated_saved_views(request),
        "pilot": pilot,
        "card": card,
        "practices": practice_rows(request.user, card) if card else [],
        "next_when": when(card.next_date, today) if card else "",
        "next_passed": bool(card and card.next_date and card.next_date < today),
        "snapshots": [
            {
                "snapshot": snapshot,
                "reasons": [REASON_CODES.get(code, code) for code in snapshot.reason_codes],
            }
            for snapshot in reversed(snapshots)
        ],
        "trend": charts.score_trend([(s.week, s.overall) for s in snapshots]),
        "sparkline": charts.sparkline(card.sparkline) if card else None,
    }
    with queries_disabled():
        return render(request, "scorecards/pilot_scorecard.html", context)
