"""Metric readings on the pilot page: record (htmx, inline), correct and delete."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from pilots.enums import MetricKind
from pilots.forms.readings import ReadingEditForm, ReadingForm
from pilots.forms.widgets import plain_decimal
from pilots.frame import formats
from pilots.links import PilotLinks
from pilots.models import MetricReading
from pilots.selectors.metrics import metric_of, metric_status, reading_of, recent_readings
from pilots.selectors.pilots import pilot_for_page, pilot_timeline
from pilots.services import metrics
from pilots.views.common import (
    SignedInRequest,
    abilities,
    call_service,
    pilot_url,
    post_only,
    require,
    run_or_report,
    visible_pilot,
)
from pilots.views.pilot import metric_chart, pilot_page_context, with_rights

ONLY_RECORDERS = "Only the pilot's business owner and team record readings."


@post_only(lambda reference, metric_id: PilotLinks().detail(reference, f"metric-{metric_id}"))
def reading_create(request: SignedInRequest, reference: str, metric_id: int) -> HttpResponse:
    """Record a reading. With htmx the metric's card is swapped in place, else a redirect."""
    pilot = pilot_for_page(request.user, reference=reference)
    ab = abilities(request, pilot)
    require(ab.record_readings, ONLY_RECORDERS)
    metric = metric_of(pilot, metric_id)
    form = ReadingForm(request.POST, prefix=f"m{metric.pk}")
    saved: MetricReading | None = None
    if form.is_valid():
        saved = call_service(
            form,
            lambda: metrics.reading_record(
                metric=metric,
                by=request.user,
                observed_on=form.cleaned_data["observed_on"],
                value=form.cleaned_data["value"],
                note=form.cleaned_data["note"],
            ),
        )
    message = ""
    if saved:
        message = (
            f"Reading of {saved.value.normalize():f} on {formats.day(saved.observed_on)} saved."
        )
    if request.htmx:
        today = timezone.localdate()
        readings = recent_readings([metric.pk])[metric.pk]
        latest = readings[0] if readings else None  # newest first
        card = {
            "status": metric_status(metric, pilot=pilot, latest=latest, today=today),
            "readings": with_rights(ab, readings),
            "form": ReadingForm(prefix=f"m{metric.pk}") if saved else form,
            "saved_message": message,
        }
        chart = None
        if saved and metric.kind == MetricKind.PRIMARY:
            chart = metric_chart(pilot, metric, pilot_timeline(pilot, today=today))
        return render(
            request,
            "pilots/_metric_card.html",
            {"card": card, "pilot": pilot, "ab": ab, "oob_chart": chart, "primary": metric},
        )
    if saved:
        messages.success(request, message)
        return redirect(pilot_url(pilot, f"metric-{metric.pk}"))
    return render(
        request,
        "pilots/pilot_detail.html",
        pilot_page_context(request, pilot, reading_forms={metric.pk: form}),
    )


@require_http_methods(["GET", "POST"])
def reading_edit(request: SignedInRequest, reference: str, reading_id: int) -> HttpResponse:
    pilot = visible_pilot(request, reference)
    reading = reading_of(pilot, reading_id)
    require(
        abilities(request, pilot).change_reading(reading),
        "Only whoever recorded this reading, or the business owner, may change it.",
    )
    form = ReadingEditForm(
        request.POST or None, initial={"value": plain_decimal(reading.value), "note": reading.note}
    )
    if request.method == "POST" and form.is_valid():
        if call_service(
            form,
            lambda: metrics.reading_update(reading=reading, by=request.user, **form.cleaned_data),
        ):
            messages.success(request, f"Reading of {formats.day(reading.observed_on)} corrected.")
            return redirect(pilot_url(pilot, f"metric-{reading.metric_id}"))
    return render(
        request, "pilots/reading_form.html", {"pilot": pilot, "reading": reading, "form": form}
    )


@require_http_methods(["GET", "POST"])
def reading_delete(request: SignedInRequest, reference: str, reading_id: int) -> HttpResponse:
    pilot = visible_pilot(request, reference)
    reading = reading_of(pilot, reading_id)
    require(
        abilities(request, pilot).change_reading(reading),
        "Only whoever recorded this reading, or the business owner, may delete it.",
    )
    if request.method == "POST":
        if run_or_report(request, lambda: metrics.reading_delete(reading=reading, by=request.user)):
            messages.success(request, f"Reading of {formats.day(reading.observed_on)} deleted.")
        return redirect(pilot_url(pilot, f"metric-{reading.metric_id}"))
    return render(request, "pilots/reading_delete.html", {"pilot": pilot, "reading": reading})
