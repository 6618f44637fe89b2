"""The sponsor's guided registration: a draft saved at every step, then "Submit for review".

Steps: basics → metric → owner → operations → infrastructure → plan → review.
Each step is one form (two on the owner step) and one service call; "Save and
continue" moves on, "Save draft" stays. Any step can be reopened while the
pilot may be edited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from pilots.enums import InfrastructureItem, MetricKind, Stage
from pilots.errors import TransitionRefused
from pilots.forms.registration import (
    ContractReasonForm,
    InfrastructureAnswerForm,
    MemberForm,
    MetricForm,
    OperatingPlanForm,
    OperationsForm,
    OwnerNominationForm,
    PilotBasicsForm,
)
from pilots.links import PilotLinks
from pilots.models import Metric, OperatingPlan, Pilot, PilotMembership
from pilots.permissions import EDITORS, can_register_pilots
from pilots.selectors.lessons import primary_metric_name, similar_pilots
from pilots.selectors.metrics import metric_of
from pilots.selectors.pilots import infrastructure_answers, infrastructure_rows, pilot_for_page
from pilots.services import gates, metrics, ownership, registration
from pilots.views.common import (
    SignedInRequest,
    abilities,
    add_service_errors,
    call_service,
    missing_with_links,
    pilot_url,
    post_only,
    require,
    run_or_report,
    step_url,
    visible_pilot,
)


@dataclass(frozen=True)
class Step:
    slug: str
    title: str


STEPS = (
    Step("basics", "Basics and dates"),
    Step("metric", "Business metric"),
    Step("owner", "Business owner and team"),
    Step("operations", "Operations"),
    Step("infrastructure", "Production infrastructure"),
    Step("plan", "12-month operating plan"),
    Step("review", "Review and submit"),
)
SLUGS = [step.slug for step in STEPS]


def _next_url(pilot: Pilot, slug: str) -> str:
    following = SLUGS[min(SLUGS.index(slug) + 1, len(SLUGS) - 1)]
    return reverse("pilots:register", args=[pilot.reference, following])


def _saved(request: SignedInRequest, pilot: Pilot, slug: str, what: str) -> HttpResponse:
    messages.success(request, f"{what} saved.")
    if request.POST.get("then") == "stay" or pilot.stage != Stage.DRAFT:
        return redirect(reverse("pilots:register", args=[pilot.reference, slug]))
    return redirect(_next_url(pilot, slug))


def _changed(form: Any) -> dict[str, Any]:
    """The submitted values of the fields the user may change."""
    return {
        name: value
        for name, value in form.cleaned_data.items()
        if name in form.fields and not form.fields[name].disabled
    }


@require_http_methods(["GET", "POST"])
def pilot_new(request: SignedInRequest) -> HttpResponse:
    """Step one for a new pilot: creating it saves the first draft."""
    require(can_register_pilots(request.user), "Only sponsors and portfolio leads register pilots.")
    form = PilotBasicsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        pilot = call_service(
            form, lambda: registration.pilot_create(by=request.user, **form.cleaned_data)
        )
        if pilot is not None:
            messages.success(request, f"Draft {pilot.reference} created.")
            if request.POST.get("then") == "stay":
                return redirect(step_url(pilot, "basics"))
            return redirect(_next_url(pilot, "basics"))
    return render(
        request,
        "pilots/register.html",
        {"step": STEPS[0], "steps": STEPS, "form": form, "pilot": None, "done": set()},
    )


# --- One handler per step: (request, pilot) -> response or context --------------------

Handler = Callable[[SignedInRequest, Pilot], "HttpResponse | dict[str, Any]"]


def _basics(request: SignedInRequest, pilot: Pilot) -> HttpResponse | dict[str, Any]:
    form = PilotBasicsForm(request.POST or None, instance=pilot)
    if request.method == "POST" and form.is_valid():
        fields = _changed(form)
        if call_service(
            form, lambda: registration.pilot_update(pilot=pilot, by=request.user, **fields)
        ):
            return _saved(request, pilot, "basics", "Basics")
    # Beside the form: the pilots like this one as saved (htmx refreshes them as one types).
    similar = similar_pilots(
        request.user,
        title=pilot.title,
        problem=pilot.problem_statement,
        metric=primary_metric_name(pilot),
        exclude=pilot.pk,
    )
    return {"form": form, "similar": similar, "asked": True}


def _primary(pilot: Pilot) -> Metric | None:
    return next((m for m in pilot.metrics.all() if m.kind == MetricKind.PRIMARY), None)


def _save_metric(
    request: SignedInRequest, form: MetricForm, pilot: Pilot, metric: Metric | None
) -> Metric | None:
    """Create the metric, or update it (with the reason an approved contract's change needs)."""
    fields = form.service_fields()
    reason = form.cleaned_data.get("reason", "")
    if metric is None:
        return call_service(
            form,
            lambda: metrics.metric_create(pilot=pilot, by=request.user, reason=reason, **fields),
        )
    return call_service(
        form, lambda: metrics.metric_update(metric=metric, by=request.user, reason=reason, **fields)
    )


def _metric(request: SignedInRequest, pilot: Pilot) -> HttpResponse | dict[str, Any]:
    primary = _primary(pilot)
    form = MetricForm(
        request.POST or None,
        instance=primary or Metric(pilot=pilot, kind=MetricKind.PRIMARY),
        primary=True,
    )
    if request.method == "POST" and form.is_valid():
        if _save_metric(request, form, pilot, primary):
            return _saved(request, pilot, "metric", "Primary business metric")
    others = [m for m in pilot.metrics.all() if m.kind != MetricKind.PRIMARY]
    segment_needed = gates.segment_missing_items(pilot, primary)
    return {
        "form": form,
        "others": others,
        "segment_needed": segment_needed[0].message if segment_needed else "",
    }


def _owner(request: SignedInRequest, pilot: Pilot) -> HttpResponse | dict[str, Any]:
    action = request.POST.get("action") if request.method == "POST" else None
    nominate = OwnerNominationForm(
        request.POST if action == "nominate" else None,
        prefix="nominate",
        initial={"owner": pilot.owner_id},
        pilot=pilot,
    )
    member = MemberForm(request.POST if action == "member" else None, prefix="member")
    if action == "nominate" and nominate.is_valid():
        owner = nominate.cleaned_data["owner"]
        if call_service(
            nominate,
            lambda: ownership.owner_nominate(
                pilot=pilot,
                by=request.user,
                owner=owner,
                reason=nominate.cleaned_data.get("reason", ""),
            ),
        ):
            messages.success(
                request,
                f"{owner.get_full_name() or owner.get_username()} nominated as business "
                "owner. They will be asked to accept.",
            )
            return _saved(request, pilot, "owner", "Nomination")
    if action == "member" and member.is_valid():
        if call_service(
            member,
            lambda: registration.member_add(
                pilot=pilot,
                by=request.user,
                user=member.cleaned_data["user"],
                role=member.cleaned_data["role"],
            ),
        ):
            messages.success(request, "Team member added.")
            return redirect(step_url(pilot, "owner"))
    return {"nominate": nominate, "member": member, "members": list(pilot.memberships.all())}


def _operations(request: SignedInRequest, pilot: Pilot) -> HttpResponse | dict[str, Any]:
    form = OperationsForm(request.POST or None, instance=pilot)
    if request.method == "POST" and form.is_valid():
        fields = _changed(form)
        if call_service(
            form, lambda: registration.pilot_update(pilot=pilot, by=request.user, **fields)
        ):
            return _saved(request, pilot, "operations", "Operations")
    return {"form": form}


def _infrastructure(request: SignedInRequest, pilot: Pilot) -> HttpResponse | dict[str, Any]:
    existing = {answer.item: answer for answer in pilot.infrastructure.all()}
    forms = [
        InfrastructureAnswerForm(
            request.POST or None,
            item=item,
            instance=existing.get(item.value) or None,
        )
        for item in InfrastructureItem
    ]
    rows = {
        row.answer.item: row
        for row in infrastructure_rows(
            pilot, today=timezone.localdate(), answers=infrastructure_answers(pilot)
        )
    }
    for form in forms:
        form.waiver_row = rows.get(form.item.value)
    why = ContractReasonForm(request.POST or None, pilot=pilot)
    context = {"forms": forms, "after_approval": registration.AFTER_APPROVAL_RULE, "why": why}
    if request.method == "POST" and all([*(form.is_valid() for form in forms), why.is_valid()]):
        answers = {
            form.item.value: form.service_fields()
            for form in forms
            if form.cleaned_data.get("answer")
        }
        try:
            registration.infrastructure_checklist_update(
                pilot=pilot,
                by=request.user,
                answers=answers,
                reason=why.cleaned_data.get("reason", ""),
            )
        except ValidationError as error:
            # Errors come keyed by question: each goes on its own question's form; the
            # approved contract's missing reason goes on the reason's field.
            by_item = {form.item.value: form for form in forms}
            keyed = error.error_dict if hasattr(error, "error_dict") else {None: error.error_list}
            for key, errors in keyed.items():
                if key == "reason" and "reason" in why.fields:
                    add_service_errors(why, ValidationError({"reason": errors}))
                else:
                    add_service_errors(by_item.get(key or "", forms[0]), ValidationError(errors))
            return context
        return _saved(request, pilot, "infrastructure", "Checklist")
    return context


def _plan(request: SignedInRequest, pilot: Pilot) -> HttpResponse | dict[str, Any]:
    plan = getattr(pilot, "operating_plan", None) or OperatingPlan(pilot=pilot)
    form = OperatingPlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        if call_service(
            form,
            lambda: registration.operating_plan_update(
                pilot=pilot, by=request.user, **form.cleaned_data
            ),
        ):
            return _saved(request, pilot, "plan", "Operating plan")
    return {"form": form}


def _review(request: SignedInRequest, pilot: Pilot) -> HttpResponse | dict[str, Any]:
    if request.method == "POST":
        try:
            gates.pilot_submit(pilot=pilot, by=request.user)
        except TransitionRefused as refused:
            missing = missing_with_links(pilot, refused.missing, may_edit=True)
            return {"missing": missing, "refused": True}
        messages.success(
            request, f"{pilot.reference} submitted for review. A portfolio lead will decide."
        )
        return redirect(pilot_url(pilot))
    items = gates.submission_missing_items(pilot)
    # Only those who may edit the registration reach its steps.
    return {"missing": missing_with_links(pilot, items, may_edit=True), "refused": False}


HANDLERS: dict[str, Handler] = {
    "basics": _basics,
    "metric": _metric,
    "owner": _owner,
    "operations": _operations,
    "infrastructure": _infrastructure,
    "plan": _plan,
    "review": _review,
}


@require_http_methods(["GET", "POST"])
def pilot_register(request: SignedInRequest, reference: str, step: str) -> HttpResponse:
    if step not in HANDLERS:
        raise Http404("No such registration step.")
    pilot = pilot_for_page(request.user, reference=reference)
    ab = abilities(request, pilot)
    if step == "review" and pilot.stage != Stage.DRAFT and ab.roles & EDITORS:
        messages.info(request, "This pilot has already been submitted.")
        return redirect(pilot_url(pilot))
    require(ab.edit, "Only the pilot's sponsor or a portfolio lead may edit its registration.")
    result = HANDLERS[step](request, pilot)
    if isinstance(result, HttpResponse):
        return result
    missing_sections = {item.section for item in gates.submission_missing_items(pilot)}
    steps = STEPS if pilot.stage == Stage.DRAFT else STEPS[:-1]
    return render(
        request,
        "pilots/register.html",
        {
            "pilot": pilot,
            "ab": ab,
            "step": STEPS[SLUGS.index(step)],
            "steps": steps,
            "done": {s.slug for s in STEPS[:-1] if s.slug not in missing_sections},
            "next_step": STEPS[SLUGS.index(step) + 1] if step != "review" else None,
            **result,
        },
    )


@require_http_methods(["GET", "POST"])
def metric_edit(
    request: SignedInRequest, reference: str, metric_id: int | None = None
) -> HttpResponse:
    """Add or change a secondary metric: business, critical-segment or model."""
    pilot = visible_pilot(request, reference)
    ab = abilities(request, pilot)
    require(ab.edit_metrics, "Only the pilot's sponsor or a portfolio lead may change its metrics.")
    metric = metric_of(pilot, metric_id) if metric_id else None
    if metric is not None and metric.kind == MetricKind.PRIMARY:
        return redirect(step_url(pilot, "metric"))
    # "Add a critical-segment metric" links here with ?kind=critical_segment.
    kind = request.GET.get("kind", "")
    if kind not in MetricKind.values or kind == MetricKind.PRIMARY:
        kind = MetricKind.BUSINESS
    form = MetricForm(
        request.POST or None,
        instance=metric or Metric(pilot=pilot, kind=kind),
        primary=False,
    )
    if request.method == "POST" and form.is_valid():
        saved = _save_metric(request, form, pilot, metric)
        if saved:
            messages.success(request, f"Metric “{saved.name}” saved.")
            return redirect(step_url(pilot, "metric"))
    return render(
        request, "pilots/metric_form.html", {"pilot": pilot, "metric": metric, "form": form}
    )


@post_only(lambda reference, membership_id: PilotLinks().step(reference, "owner"))
def member_remove(request: SignedInRequest, reference: str, membership_id: int) -> HttpResponse:
    pilot = visible_pilot(request, reference)
    require(abilities(request, pilot).edit, "Only the sponsor or a lead may change the team.")
    try:
        membership = pilot.memberships.select_related("user").get(pk=membership_id)
    except PilotMembership.DoesNotExist:
        raise Http404("No such team member.") from None
    membership.pilot = pilot
    if run_or_report(
        request, lambda: registration.member_remove(membership=membership, by=request.user)
    ):
        messages.success(request, f"{membership.user.get_username()} removed from the team.")
    return redirect(step_url(pilot, "owner"))
