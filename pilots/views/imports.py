"""Readings from a CSV file: upload it, see what would change, then import it.

The preview and the import both call the ingest service (dry run, then for
real), so a file is validated again when it is confirmed: what changed in
between, such as the pilot's stage, is checked then. Either call writes
nothing when a row is invalid.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from pilots.enums import ReadingSource
from pilots.errors import RowsInvalid
from pilots.forms.readings import CsvReadings, ReadingImportForm
from pilots.models import Metric, Pilot
from pilots.services.ingest import IngestResult, max_rows, readings_ingest
from pilots.views.common import (
    SignedInRequest,
    abilities,
    call_service,
    pilot_url,
    require,
    visible_pilot,
)
from pilots.views.readings import ONLY_RECORDERS

PROBLEMS_SHOWN = 50  # invalid rows listed; the rest are counted
CHANGES_SHOWN = 20  # changed days listed per metric
_ROW_REFERENCE = re.compile(r"\bRow (\d+)\b")


def metric_resolver(pilot: Pilot, metrics: Iterable[Metric]) -> Callable[[Any], int]:
    """The CSV's metric column → the id of one of this pilot's metrics, by name or id."""
    by_name = {metric.name: metric.pk for metric in metrics}
    by_folded_name = {name.casefold(): name for name in by_name}
    ids = set(by_name.values())

    def resolve(raw: Any) -> int:
        text = str(raw).strip()
        if not text:
            raise ValueError("Name the metric: its name as on the pilot, or its id.")
        if text in by_name:
            return by_name[text]
        if text.isdigit() and int(text) in ids:
            return int(text)
        near = by_folded_name.get(text.casefold())
        hint = f' Did you mean "{near}"?' if near else ""
        raise ValueError(f'No metric named "{text}" on {pilot.reference}.{hint}')

    return resolve


def problems_by_line(invalid: RowsInvalid, readings: CsvReadings) -> dict[str, Any]:
    """The invalid rows as file lines (the header is line 1), the first ones listed."""

    def as_lines(message: str) -> str:  # "Row 3 already gives…" → "Line 4 already gives…"
        return _ROW_REFERENCE.sub(lambda m: f"Line {readings.line_of(int(m[1]))}", message)

    return {
        "problems": [
            {
                "line": readings.line_of(error.row),
                "column": "" if column == "non_field_errors" else column,
                "message": as_lines(message),
            }
            for error in invalid.rows[:PROBLEMS_SHOWN]
            for column, column_messages in error.errors.items()
            for message in column_messages
        ],
        "invalid_rows": len(invalid.rows),
        "more_invalid_rows": max(len(invalid.rows) - PROBLEMS_SHOWN, 0),
        "total_rows": invalid.total,
    }


def preview(result: IngestResult, readings: CsvReadings) -> dict[str, Any]:
    """What importing would do, per metric, with its first changed days."""
    return {
        "outcomes": [
            {
                "metric": outcome.metric,
                "created": outcome.created,
                "updated": outcome.updated,
                "unchanged": outcome.unchanged,
                "changes": [
                    (date.fromisoformat(day), before, after)
                    for day, (before, after) in sorted(outcome.changes.items())[:CHANGES_SHOWN]
                ],
                "more_changes": max(len(outcome.changes) - CHANGES_SHOWN, 0),
            }
            for outcome in result.metrics
        ],
        "result": result,
        "to_write": result.created + result.updated,
        "total_rows": len(readings.rows),
        "confirm": ReadingImportForm(initial={"csv_text": readings.text}),
    }


@require_http_methods(["GET", "POST"])
def reading_import(request: SignedInRequest, reference: str) -> HttpResponse:
    """Step 1 the upload form; step 2 (POST) the preview; ``action=apply`` imports."""
    pilot = visible_pilot(request, reference)
    require(abilities(request, pilot).record_readings, ONLY_RECORDERS)
    metrics = list(pilot.metrics.all())
    posted = request.method == "POST"
    form = ReadingImportForm(request.POST if posted else None, request.FILES if posted else None)
    context: dict[str, Any] = {
        "pilot": pilot,
        "metrics": metrics,
        "form": form,
        "max_rows": f"{max_rows():,}",
    }
    if posted and form.is_valid():
        apply = request.POST.get("action") == "apply"
        readings = form.readings
        try:
            result = call_service(
                form,
                lambda: readings_ingest(
                    by=request.user,
                    rows=readings.rows,
                    source=ReadingSource.IMPORT,
                    dry_run=not apply,
                    resolve_metric=metric_resolver(pilot, metrics),
                ),
            )
        except RowsInvalid as invalid:
            result = None
            context.update(problems_by_line(invalid, readings))
        if result and apply:
            messages.success(
                request,
                f"Imported: {result.created} new, {result.updated} changed, "
                f"{result.unchanged} unchanged.",
            )
            return redirect(pilot_url(pilot, "metrics"))
        if result:
            context.update(preview(result, readings))
    # With htmx (the upload with a progress bar) only the changing part is sent.
    template = "pilots/_reading_import.html" if request.htmx else "pilots/reading_import.html"
    return render(request, template, context)
