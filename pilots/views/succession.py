"""Succession: the sponsor or a lead names a successor; the successor answers."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from pilots.enums import SuccessionRole
from pilots.forms.gates import DeclineForm
from pilots.forms.succession import SuccessionForm
from pilots.links import PilotLinks
from pilots.models import Succession
from pilots.permissions import Role, pilot_roles
from pilots.services import succession as service
from pilots.views.common import (
    SignedInRequest,
    call_service,
    pilot_url,
    post_only,
    require,
    visible_pilot,
)


def pilot_succession(request: SignedInRequest, reference: str) -> HttpResponse:
    """Name a successor to a role, with a reason; bad input re-renders, changes nothing."""
    pilot = visible_pilot(request, reference)
    require(
        service.may_name_successor(request.user, pilot),
        "Only the pilot's sponsor or a portfolio lead may name a successor.",
    )
    holders = [
        holder
        for holder in service.succession_holders(pilot=pilot)
        if holder.role != SuccessionRole.SPONSOR or Role.LEAD in pilot_roles(request.user, pilot)
    ]  # only a lead names a new sponsor: the sponsor is not offered their own role
    form = SuccessionForm(request.POST or None, holders=holders)
    if request.method == "POST" and form.is_valid():
        holder = form.holder()
        done = call_service(
            form,
            lambda: service.succession_nominate(
                pilot=pilot,
                by=request.user,
                role=holder.role,
                predecessor=holder.user if holder.role == SuccessionRole.TASK_GIVER else None,
                successor=form.cleaned_data["successor"],
                reason=form.cleaned_data["reason"],
            ),
        )
        if done is not None:
            messages.success(
                request,
                f"{done.successor.get_full_name() or done.successor.get_username()} is named "
                "and must accept before the role changes hands.",
            )
            return redirect(pilot_url(pilot, "succession"))
    pending = pilot.successions.filter(status=Succession.Status.PENDING).select_related(
        "predecessor", "successor"
    )
    return render(
        request,
        "pilots/succession_form.html",
        {"pilot": pilot, "form": form, "pending": pending},
    )


def successions(request: SignedInRequest) -> HttpResponse:
    """The roles waiting for this user's answer."""
    waiting = (
        Succession.objects.filter(successor=request.user, status=Succession.Status.PENDING)
        .select_related("pilot", "predecessor", "nominated_by")
        .order_by("nominated_at", "pk")
    )
    return render(
        request, "pilots/successions.html", {"waiting": waiting, "decline_form": DeclineForm()}
    )


def _mine(request: SignedInRequest, succession_id: int) -> Succession:
    """A succession naming this user (404 for anyone else)."""
    return get_object_or_404(
        Succession.objects.select_related("pilot"), pk=succession_id, successor=request.user
    )


@post_only(lambda succession_id: PilotLinks().successions())
def succession_accept(request: SignedInRequest, succession_id: int) -> HttpResponse:
    succession = _mine(request, succession_id)
    form = DeclineForm()
    if call_service(
        form, lambda: service.succession_accept(succession=succession, by=request.user)
    ):
        messages.success(
            request,
            f"You are now the {succession.get_role_display().lower()} of "
            f"{succession.pilot.reference}.",
        )
        return redirect(pilot_url(succession.pilot))
    for error in form.non_field_errors():
        messages.error(request, str(error))
    return redirect("pilots:successions")


@post_only(lambda succession_id: PilotLinks().successions())
def succession_decline(request: SignedInRequest, succession_id: int) -> HttpResponse:
    succession = _mine(request, succession_id)
    form = DeclineForm(request.POST)
    if (
        form.is_valid()
        and call_service(
            form,
            lambda: service.succession_decline(
                succession=succession, by=request.user, reason=form.cleaned_data["reason"]
            ),
        )
        is not None
    ):
        messages.success(request, "You declined; the sponsor has your reason.")
        return redirect("pilots:successions")
    waiting = Succession.objects.filter(
        successor=request.user, status=Succession.Status.PENDING
    ).select_related("pilot", "predecessor", "nominated_by")
    return render(
        request,
        "pilots/successions.html",
        {"waiting": waiting, "decline_form": form, "declining": succession.pk},
        status=200,
    )
