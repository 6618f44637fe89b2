"""The business owner's check-in, recorded from the pilot page."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render

from pilots.forms.checkins import CheckInForm
from pilots.links import PilotLinks
from pilots.permissions import CHECKIN_RULE
from pilots.selectors.pilots import pilot_for_page
from pilots.services import checkins
from pilots.views.common import (
    SignedInRequest,
    abilities,
    call_service,
    pilot_url,
    post_only,
    require,
)
from pilots.views.pilot import pilot_page_context


@post_only(lambda reference: PilotLinks().detail(reference, "checkins"))
def checkin_create(request: SignedInRequest, reference: str) -> HttpResponse:
    """Record a check-in; bad input re-renders the page with the form and its messages."""
    pilot = pilot_for_page(request.user, reference=reference)
    require(abilities(request, pilot).check_in, CHECKIN_RULE)
    form = CheckInForm(request.POST)
    if form.is_valid():
        saved = call_service(
            form,
            lambda: checkins.checkin_record(
                pilot=pilot,
                by=request.user,
                confidence=form.cleaned_data["confidence"],
                narrative=form.cleaned_data["narrative"],
                blockers=form.cleaned_data["blockers"],
            ),
        )
        if saved is not None:
            messages.success(
                request, f"Check-in recorded: {saved.get_confidence_display().lower()}."
            )
            return redirect(pilot_url(pilot, "checkins"))
    pilot = pilot_for_page(request.user, reference=reference)
    return render(
        request,
        "pilots/pilot_detail.html",
        pilot_page_context(request, pilot, checkin_form=form),
    )
