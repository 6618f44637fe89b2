"""The operating phase: the owner records a value review; the sponsor and a lead sign it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render

from pilots.enums import SignOffDecision
from pilots.errors import TransitionRefused
from pilots.forms.operation import SignOffForm, ValueReviewForm
from pilots.links import PilotLinks
from pilots.permissions import Role, pilot_roles
from pilots.selectors.operation import value_review_of
from pilots.selectors.pilots import pilot_for_page
from pilots.services import operation
from pilots.views.common import (
    SignedInRequest,
    call_service,
    missing_with_links,
    pilot_url,
    post_only,
    require,
)
from pilots.views.pilot import pilot_page_context


@post_only(lambda reference: PilotLinks().detail(reference, "operation"))
def value_review_create(request: SignedInRequest, reference: str) -> HttpResponse:
    """The business owner records the value review owed; errors re-render the page."""
    pilot = pilot_for_page(request.user, reference=reference)
    require(Role.OWNER in pilot_roles(request.user, pilot), operation.OWNER_RULE)
    form = ValueReviewForm(request.POST)
    refused = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            review = call_service(
                form,
                lambda: operation.value_review_record(
                    pilot=pilot,
                    by=request.user,
                    metric_value=data["metric_value"],
                    still_used=data["still_used"],
                    worth_cost=data["worth_cost"],
                    narrative=data["narrative"],
                    proposal=data["proposal"],
                    lesson=form.lesson_words(),
                ),
            )
            if review is not None:
                messages.success(
                    request,
                    f"The {review.due_day}-day value review of {pilot.reference} is recorded: "
                    "the sponsor and a portfolio lead sign it off.",
                )
                return redirect(pilot_url(pilot, "operation"))
        except TransitionRefused as error:
            refused = missing_with_links(pilot, error.missing, may_edit=False)
    pilot = pilot_for_page(request.user, reference=reference)
    return render(
        request,
        "pilots/pilot_detail.html",
        pilot_page_context(request, pilot, review_form=form, review_refused=refused),
    )


@post_only(lambda reference, review_id: PilotLinks().detail(reference, "operation"))
def value_review_sign(request: SignedInRequest, reference: str, review_id: int) -> HttpResponse:
    """The sponsor or an independent lead signs the review off, or refuses it with a reason."""
    pilot = pilot_for_page(request.user, reference=reference)
    review = value_review_of(pilot, review_id)
    role = operation.signoff_role_for(pilot_roles(request.user, pilot))
    require(role is not None, operation.SIGNER_RULE)
    assert role is not None
    form = SignOffForm(request.POST)
    decision = request.POST.get("decision", "")
    refused = None
    if form.is_valid():
        try:
            signoff = call_service(
                form,
                lambda: operation.value_review_sign(
                    review=review,
                    by=request.user,
                    role=role,
                    decision=decision,
                    reason=form.cleaned_data["reason"],
                ),
            )
            if signoff is not None:
                done = "signed off" if decision == SignOffDecision.SIGN else "refused"
                messages.success(
                    request,
                    f"The {review.due_day}-day value review of {pilot.reference} is {done}.",
                )
                return redirect(pilot_url(pilot, "operation"))
        except TransitionRefused as error:
            refused = missing_with_links(pilot, error.missing, may_edit=False)
    pilot = pilot_for_page(request.user, reference=reference)
    return render(
        request,
        "pilots/pilot_detail.html",
        pilot_page_context(request, pilot, signoff_form=form, signoff_refused=refused),
    )
