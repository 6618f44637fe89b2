"""Decisions on a pilot: answering a nomination, gate decisions, operations acceptance."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from pilots.enums import InfrastructureItem
from pilots.errors import TransitionRefused
from pilots.forms.gates import AcknowledgeForm, CheckpointForm, DecisionForm, DeclineForm
from pilots.links import PilotLinks
from pilots.permissions import (
    INDEPENDENT_DECISIONS,
    independence_rule,
    independent_decision_refusal,
)
from pilots.selectors.pilots import pilot_for_page
from pilots.services import budget, checkpoints, contract, gates, ownership, registration
from pilots.views.common import (
    SignedInRequest,
    abilities,
    call_service,
    missing_with_links,
    pilot_url,
    post_only,
    require,
    run_or_report,
    visible_pilot,
)
from pilots.views.pilot import decisions_open_to, pilot_page_context


@post_only(lambda reference: PilotLinks().detail(reference, "nomination"))
def ownership_respond(request: SignedInRequest, reference: str) -> HttpResponse:
    """The nominee accepts, or declines with a reason."""
    pilot = pilot_for_page(request.user, reference=reference)
    require(
        abilities(request, pilot).answer_nomination,
        "Only the nominated business owner may answer the nomination.",
    )
    if request.POST.get("decision") == "accept":
        if run_or_report(request, lambda: ownership.ownership_accept(pilot=pilot, by=request.user)):
            messages.success(request, f"You are now the business owner of {pilot.reference}.")
        return redirect(pilot_url(pilot))
    form = DeclineForm(request.POST)
    if (
        form.is_valid()
        and call_service(
            form,
            lambda: ownership.ownership_decline(
                pilot=pilot, by=request.user, reason=form.cleaned_data["reason"]
            ),
        )
        is not None
    ):
        messages.success(request, "You declined the nomination; the sponsor has your reason.")
        return redirect("home")
    return render(
        request,
        "pilots/pilot_detail.html",
        pilot_page_context(request, pilot, decline_form=form),
    )


@post_only(lambda reference: PilotLinks().detail(reference, "budget"))
def budget_respond(request: SignedInRequest, reference: str) -> HttpResponse:
    """The budget holder accepts the 12-month run cost, or declines with a reason."""
    pilot = pilot_for_page(request.user, reference=reference)
    require(
        abilities(request, pilot).answer_budget,
        "Only the named budget holder may accept or decline the run cost.",
    )
    if request.POST.get("decision") == "accept":
        if run_or_report(request, lambda: budget.budget_accept(pilot=pilot, by=request.user)):
            messages.success(request, f"You accepted the 12-month run cost of {pilot.reference}.")
        return redirect(pilot_url(pilot))
    form = DeclineForm(request.POST, prefix="budget")
    if (
        form.is_valid()
        and call_service(
            form,
            lambda: budget.budget_decline(
                pilot=pilot, by=request.user, reason=form.cleaned_data["reason"]
            ),
        )
        is not None
    ):
        messages.success(request, "You declined the run cost; the sponsor has your reason.")
        return redirect(pilot_url(pilot))
    return render(
        request,
        "pilots/pilot_detail.html",
        pilot_page_context(request, pilot, budget_decline_form=form),
    )


@post_only(lambda reference: PilotLinks().detail(reference, "decision"))
def pilot_decide(request: SignedInRequest, reference: str) -> HttpResponse:
    """Record a gate decision; a refusal re-renders the page with every missing item."""
    pilot = pilot_for_page(request.user, reference=reference)
    ab = abilities(request, pilot)
    open_decisions = decisions_open_to(ab, pilot)
    decision = request.POST.get("decision", "")
    rule = (
        independent_decision_refusal(ab.roles, decision)
        if decision in INDEPENDENT_DECISIONS
        else None
    )
    require(
        decision in open_decisions,
        rule or "You may not record this decision on this pilot now.",
    )
    form = DecisionForm(request.POST, decisions=open_decisions)
    refused = None
    if form.is_valid():
        try:
            transition = gates.TRANSITIONS[decision]
            words = gates.Words(
                rationale=form.cleaned_data.get("rationale", ""),
                lesson=form.lesson_words() if "what_failed" in form.fields else None,
            )
            if call_service(form, lambda: transition.run(pilot, request.user, words)):
                messages.success(request, f"{pilot.reference} {transition.outcome}.")
                return redirect(pilot_url(pilot))
        except TransitionRefused as error:
            refused = missing_with_links(pilot, error.missing, may_edit=ab.edit)
    pilot = pilot_for_page(request.user, reference=reference)
    return render(
        request,
        "pilots/pilot_detail.html",
        pilot_page_context(
            request, pilot, decision_form=form, refused=refused, refused_decision=decision
        ),
    )


@post_only(lambda reference: PilotLinks().detail(reference, "checkpoint"))
def checkpoint_decide(request: SignedInRequest, reference: str) -> HttpResponse:
    """Record the checkpoint decision; bad words or a refusal re-render the page's form."""
    pilot = pilot_for_page(request.user, reference=reference)
    ab = abilities(request, pilot)
    require(
        ab.checkpoint,
        ab.checkpoint_rule or "Only a running pilot has a checkpoint decision to record.",
    )
    form = CheckpointForm(request.POST)
    refused = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            recorded = call_service(
                form,
                lambda: checkpoints.checkpoint_record(
                    pilot=pilot,
                    by=request.user,
                    decision=data["decision"],
                    rationale=data["rationale"],
                    new_end=data["new_end"],
                    lesson=form.lesson_words(),
                ),
            )
            if recorded is not None:
                messages.success(
                    request,
                    f"Checkpoint of {pilot.reference} recorded: "
                    f"{recorded.get_decision_display().lower()}.",
                )
                return redirect(pilot_url(pilot, "checkpoint"))
        except TransitionRefused as error:
            refused = missing_with_links(pilot, error.missing, may_edit=ab.edit)
    pilot = pilot_for_page(request.user, reference=reference)
    return render(
        request,
        "pilots/pilot_detail.html",
        pilot_page_context(request, pilot, checkpoint_form=form, checkpoint_refused=refused),
    )


@post_only(lambda reference: PilotLinks().detail(reference, "people"))
def operations_accept(request: SignedInRequest, reference: str) -> HttpResponse:
    pilot = visible_pilot(request, reference)
    require(
        abilities(request, pilot).accept_operations,
        "Only the operations owner (or a lead, for a receiving team) may accept the system.",
    )
    if run_or_report(request, lambda: ownership.operations_accept(pilot=pilot, by=request.user)):
        messages.success(request, "Operations acceptance recorded.")
    return redirect(pilot_url(pilot, "people"))


@post_only(lambda reference, item: PilotLinks().detail(reference, "infrastructure"))
def waiver_approve(request: SignedInRequest, reference: str, item: str) -> HttpResponse:
    """An independent lead approves a waiver requested or renewed after approval."""
    pilot = visible_pilot(request, reference)
    if item not in InfrastructureItem.values:
        raise Http404("No such infrastructure question.")
    rule = independent_decision_refusal(abilities(request, pilot).roles, "approve_waiver")
    require(rule is None, rule or "")
    if run_or_report(
        request,
        lambda: registration.infrastructure_waiver_approve(pilot=pilot, by=request.user, item=item),
    ):
        messages.success(request, f"Waiver approved: {InfrastructureItem(item).label}.")
    return redirect(pilot_url(pilot, "infrastructure"))


@post_only(lambda reference: PilotLinks().detail(reference, "contract"))
def contract_acknowledge(request: SignedInRequest, reference: str) -> HttpResponse:
    """An independent portfolio lead acknowledges the changes since the approved contract."""
    pilot = pilot_for_page(request.user, reference=reference)
    ab = abilities(request, pilot)
    require(
        ab.acknowledge_contract,
        ab.acknowledge_rule or independence_rule(INDEPENDENT_DECISIONS["acknowledge"]),
    )
    form = AcknowledgeForm(request.POST)
    if form.is_valid():
        snapshot = call_service(
            form,
            lambda: contract.contract_acknowledge(
                pilot=pilot, by=request.user, note=form.cleaned_data["note"]
            ),
        )
        if snapshot is not None:
            messages.success(
                request,
                f"Changes acknowledged: the contract as it stands is approved version "
                f"{snapshot.version}.",
            )
            return redirect(pilot_url(pilot))
    return render(
        request,
        "pilots/pilot_detail.html",
        pilot_page_context(request, pilot, acknowledge_form=form),
    )
