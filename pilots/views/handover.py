"""The handover plan: knowledge-transfer tasks created, ordered and completed."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from pilots.errors import TransitionRefused
from pilots.forms.handover import TaskCompleteForm, TaskDeclineForm, TaskForm, TaskMoveForm
from pilots.links import PilotLinks
from pilots.models import KnowledgeTransferTask
from pilots.permissions import task_receiver_refusal_for
from pilots.selectors.pilots import task_of
from pilots.services import handover
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

ONLY_PLANNERS = "Only the business owner or the sponsor plans the handover."


@require_http_methods(["GET", "POST"])
def task_edit(request: SignedInRequest, reference: str, task_id: int | None = None) -> HttpResponse:
    """Add a knowledge-transfer task, or change one."""
    pilot = visible_pilot(request, reference)
    require(abilities(request, pilot).plan_handover, ONLY_PLANNERS)
    task = task_of(pilot, task_id) if task_id else None
    form = TaskForm(
        request.POST or None,
        instance=task or KnowledgeTransferTask(pilot=pilot),
        pilot=pilot,
    )
    if request.method == "POST" and form.is_valid():
        if task is None:
            saved = call_service(
                form,
                lambda: handover.task_create(pilot=pilot, by=request.user, **form.cleaned_data),
            )
        else:
            saved = call_service(
                form, lambda: handover.task_update(task=task, by=request.user, **form.cleaned_data)
            )
        if saved:
            messages.success(request, f"Task “{saved.title}” saved.")
            return redirect(pilot_url(pilot, "handover"))
    return render(request, "pilots/task_form.html", {"pilot": pilot, "task": task, "form": form})


@require_http_methods(["GET", "POST"])
def task_complete(request: SignedInRequest, reference: str, task_id: int) -> HttpResponse:
    """Mark a task done with its evidence link (the assignee or the business owner)."""
    pilot = visible_pilot(request, reference)
    task = task_of(pilot, task_id)
    require(
        abilities(request, pilot).complete_task(task),
        "Only the task's assignee or the business owner may complete it.",
    )
    form = TaskCompleteForm(request.POST or None, initial={"evidence_url": task.evidence_url})
    if request.method == "POST" and form.is_valid():
        if call_service(
            form,
            lambda: handover.task_complete(
                task=task, by=request.user, evidence_url=form.cleaned_data["evidence_url"]
            ),
        ):
            messages.success(
                request, f"“{task.title}” is completed: it waits for its receiver's confirmation."
            )
            return redirect(pilot_url(pilot, "handover"))
    return render(
        request, "pilots/task_complete.html", {"pilot": pilot, "task": task, "form": form}
    )


def task_in_plan(reference: str, task_id: int) -> str:
    return PilotLinks().detail(reference, f"task-{task_id}")


def _require_receiver(request: SignedInRequest, task: KnowledgeTransferTask) -> None:
    """403 naming the rule for anyone but the task's receiver (the giver included)."""
    refusal = task_receiver_refusal_for(request.user, task)
    require(refusal is None, refusal or "")


@post_only(task_in_plan)
def task_confirm(request: SignedInRequest, reference: str, task_id: int) -> HttpResponse:
    """The receiver confirms receipt: the task is done."""
    pilot = visible_pilot(request, reference)
    task = task_of(pilot, task_id)
    _require_receiver(request, task)
    if run_or_report(request, lambda: handover.task_confirm(task=task, by=request.user)):
        messages.success(request, f"You confirmed receipt of “{task.title}”: it is done.")
    return redirect(pilot_url(pilot, "handover"))


@require_http_methods(["GET", "POST"])
def task_decline(request: SignedInRequest, reference: str, task_id: int) -> HttpResponse:
    """The receiver declines receipt with a reason: the task goes back to its giver."""
    pilot = visible_pilot(request, reference)
    task = task_of(pilot, task_id)
    _require_receiver(request, task)
    form = TaskDeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            declined = call_service(
                form,
                lambda: handover.task_decline(
                    task=task, by=request.user, reason=form.cleaned_data["reason"]
                ),
            )
        except TransitionRefused as refused:
            messages.error(request, " ".join(item.message for item in refused.missing))
            return redirect(pilot_url(pilot, "handover"))
        if declined:
            messages.success(
                request,
                f"You declined “{task.title}”: it is back with its giver, with your reason.",
            )
            return redirect(pilot_url(pilot, "handover"))
    return render(request, "pilots/task_decline.html", {"pilot": pilot, "task": task, "form": form})


@post_only(task_in_plan)
def task_reopen(request: SignedInRequest, reference: str, task_id: int) -> HttpResponse:
    pilot = visible_pilot(request, reference)
    require(abilities(request, pilot).plan_handover, ONLY_PLANNERS)
    task = task_of(pilot, task_id)
    if run_or_report(request, lambda: handover.task_reopen(task=task, by=request.user)):
        messages.success(request, f"“{task.title}” reopened.")
    return redirect(pilot_url(pilot, "handover"))


@post_only(task_in_plan)
def task_move(request: SignedInRequest, reference: str, task_id: int) -> HttpResponse:
    """Move a task one place up or down the plan (keyboard-friendly reordering)."""
    pilot = visible_pilot(request, reference)
    require(abilities(request, pilot).plan_handover, ONLY_PLANNERS)
    task = task_of(pilot, task_id)
    form = TaskMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose to move the task up or down.")
        return redirect(pilot_url(pilot, "handover"))
    order = list(pilot.tasks.order_by("position", "due_on", "pk").values_list("pk", flat=True))
    index = order.index(task.pk)
    other = index - 1 if form.cleaned_data["direction"] == "up" else index + 1
    if 0 <= other < len(order):
        order[index], order[other] = order[other], order[index]
        if run_or_report(
            request, lambda: handover.task_reorder(pilot=pilot, by=request.user, task_ids=order)
        ):
            messages.success(request, f"“{task.title}” moved {form.cleaned_data['direction']}.")
    return redirect(pilot_url(pilot, "handover"))
