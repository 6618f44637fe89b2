"""Reading pilots: the review queue, the pilot page, its history and metrics.

The pilot list shows each pilot's risk, so ``scorecards.pilot_list`` serves it.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from pilots import charts, rules, timeline, value
from pilots.abilities import Abilities
from pilots.enums import MetricKind, Stage, TaskStatus
from pilots.forms.checkins import CheckInForm
from pilots.forms.gates import AcknowledgeForm, CheckpointForm, DecisionForm, DeclineForm
from pilots.forms.history import HistoryFilterForm
from pilots.forms.operation import SignOffForm, ValueReviewForm
from pilots.forms.readings import ReadingForm
from pilots.frame import formats
from pilots.models import Metric, MetricReading, Pilot
from pilots.permissions import Role, is_portfolio_lead
from pilots.selectors.checkins import checkin_panel
from pilots.selectors.contract import drift_of, promise_of
from pilots.selectors.decay import PilotDecline, pilot_decline
from pilots.selectors.history import history_events, history_people, readable_events
from pilots.selectors.metrics import (
    MetricStatus,
    metric_of,
    metric_series,
    pilot_metric_statuses,
    recent_readings,
)
from pilots.selectors.operation import operation_of
from pilots.selectors.pilots import (
    infrastructure_rows,
    pilot_checkpoint,
    pilot_checkpoint_decisions,
    pilot_events,
    pilot_for_page,
    pilot_timeline,
    review_queue,
    review_waits_marked,
    rule_settings,
    task_receiver_words,
)
from pilots.selectors.value import pilot_value
from pilots.services.checkpoints import continue_missing_items
from pilots.services.gates import TRANSITIONS, submission_missing_items
from pilots.services.operation import signoff_role_for
from pilots.views.common import (
    SignedInRequest,
    abilities,
    missing_with_links,
    require,
    visible_pilot,
)

if TYPE_CHECKING:
    from pilots.models.handover import ListedTask
    from pilots.rules import RuleSettings

PAGE_SIZE = 25
RECENT_EVENTS = 10


@require_GET
def review_queue_view(request: SignedInRequest) -> HttpResponse:
    """Proposed pilots waiting for a portfolio lead's gate decision."""
    require(is_portfolio_lead(request.user), "Only portfolio leads review proposed pilots.")
    page = Paginator(review_queue(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    review_waits_marked(page, today=timezone.localdate())
    return render(
        request,
        "pilots/review_queue.html",
        {"page": page, "review_days": settings.PILOTGATE_REVIEW_DAYS},
    )


def decisions_open_to(ab: Abilities, pilot: Pilot) -> tuple[str, ...]:
    """The gate decisions this user may record on the pilot now, in the order shown."""
    decisions: list[str] = []
    if ab.decide_gate:
        decisions += ["approve", "reject"]
    if ab.start:
        decisions.append("start")
    if ab.close:
        if pilot.stage == Stage.RUNNING:
            decisions.append("graduate")
        decisions.append("stop")
    return tuple(decisions)


def with_rights(ab: Abilities, readings: list[MetricReading]) -> list[MetricReading]:
    """Mark each reading the user may correct or delete (``reading.can_change``)."""
    for reading in readings:
        reading.can_change = ab.change_reading(reading)
    return readings


def metric_cards(
    pilot: Pilot, statuses: list[MetricStatus], ab: Abilities, forms: dict[int, ReadingForm]
) -> list[dict[str, Any]]:
    recent = recent_readings([status.metric.pk for status in statuses])
    return [
        {
            "status": status,
            "readings": with_rights(ab, recent.get(status.metric.pk, [])),
            "form": forms.get(status.metric.pk)
            or (ReadingForm(prefix=f"m{status.metric.pk}") if ab.record_readings else None),
        }
        for status in statuses
    ]


def metric_chart(
    pilot: Pilot, metric: Metric, tl: Any, decline: PilotDecline | None = None
) -> charts.Chart | None:
    """The metric's chart; a graduated pilot's primary marks its level at graduation (asked
    here unless ``decline`` is given)."""
    if decline is None:
        decline = pilot_decline(pilot, metric, today=timezone.localdate(), rules=rule_settings())
    return charts.readings_chart(
        graduation=(decline.graduated_on, decline.level) if decline else None,
        readings=metric_series(metric),
        baseline=metric.baseline,
        target=metric.target,
        start=pilot.started_on or pilot.planned_start,
        target_date=metric.target_date,
        end=pilot.planned_end,
        handover_opens=tl.handover_opens if tl else None,
        today=timezone.localdate(),
    )


def decline_told(decline: PilotDecline | None, *, today: date, settings_: RuleSettings) -> str:
    """Who is told of a decline after graduation, and who next (``degrading`` reminders)."""
    if decline is None or decline.found is None:
        return ""
    weeks = formats.plural(settings_.degrading_escalation_weeks, "week")
    told = "The business owner and the operations owner are reminded once for this decline"
    if rules.degradation_escalated(found=decline.found, today=today, rules=settings_):
        return f"{told}; it has lasted {weeks}: the sponsor and the portfolio leads are told too."
    on = formats.day(decline.found.escalated_on(settings_))
    return f"{told}; if it lasts {weeks} (on {on}), the sponsor and the portfolio leads are told."


def handover_note(alarm: rules.HandoverAlarm, tl: timeline.Timeline | None) -> str:
    """The sentence under "Handover not planned." (empty when the plan is not due yet)."""
    if alarm is rules.HandoverAlarm.NONE or tl is None:
        return ""
    days = tl.days_until_handover
    if days > 0:
        when = f"The window opens in {formats.plural(days, 'day')}"
    elif days == 0:
        when = "The window opens today"
    else:
        when = f"The window opened {formats.plural(-days, 'day')} ago"
    told = ": the portfolio leads have been told" if alarm is rules.HandoverAlarm.ESCALATED else ""
    return f"{when} and there is no knowledge-transfer task{told}."


def pilot_page_context(request: SignedInRequest, pilot: Pilot, **overrides: Any) -> dict[str, Any]:
    """Everything the pilot page shows, in a fixed number of queries."""
    today = timezone.localdate()
    ab = abilities(request, pilot)
    tl = pilot_timeline(pilot, today=today)
    statuses = pilot_metric_statuses(pilot, today=today)
    primary_status = next((s for s in statuses if s.metric.kind == MetricKind.PRIMARY), None)
    primary = primary_status.metric if primary_status else None
    checkin = checkin_panel(pilot, primary=primary_status, today=today)
    settings_ = rule_settings()
    # A graduated pilot's primary metric against its level at graduation (DEGRADING).
    decline = pilot_decline(pilot, primary, today=today, rules=settings_) if primary else None
    # The model's order: position, due date, id; overdue is set below.
    tasks = cast("list[ListedTask]", list(pilot.tasks.all()))
    for task in tasks:
        task.can_complete = ab.complete_task(task)
        task.can_confirm = ab.confirm_task(task)
        task.overdue = rules.task_overdue(
            status=task.status, due_on=task.due_on, today=today, rules=settings_
        )
        task.waiting_for = task_receiver_words(task, pilot.operations_owner)
        completed_on = (
            timezone.localdate(task.completed_at, timezone.get_default_timezone())
            if task.completed_at
            else None
        )
        task.waited = (today - completed_on).days if completed_on else 0
        task.unconfirmed = rules.task_unconfirmed(
            status=task.status, completed_on=completed_on, today=today, rules=settings_
        )
    missing = []
    if pilot.stage == Stage.DRAFT:
        missing = missing_with_links(pilot, submission_missing_items(pilot), may_edit=ab.edit)
    decisions = decisions_open_to(ab, pilot)
    infra = infrastructure_rows(pilot, today=today)
    checkpoint_decisions = pilot_checkpoint_decisions(pilot)
    checkpoint = pilot_checkpoint(pilot, today=today, tl=tl, decisions=checkpoint_decisions)
    drift = drift_of(pilot) if pilot.stage in Stage.APPROVED_OR_LATER else None
    closing = pilot.stage == Stage.RUNNING and "graduate" in decisions
    operation = operation_of(pilot, primary=primary, today=today)
    signer = signoff_role_for(ab.roles) if operation else None
    context = {
        "pilot": pilot,
        "ab": ab,
        "tl": tl,
        "bar": charts.timeline_bar(
            start=tl.start, end=tl.end, handover_opens=tl.handover_opens, today=today
        )
        if tl
        else None,
        "today": today,
        "cards": metric_cards(pilot, statuses, ab, overrides.pop("reading_forms", {})),
        "primary": primary,
        "primary_latest": next(
            (st.latest for st in statuses if st.metric.kind == MetricKind.PRIMARY), None
        ),
        "chart": metric_chart(pilot, primary, tl, decline) if primary else None,
        "decline": decline,
        "decline_sentence": formats.decline(
            primary.name, decline.found, primary.unit, settings_.degrading_readings
        )
        if primary and decline and decline.found
        else "",
        "decline_told": decline_told(decline, today=today, settings_=settings_),
        "tasks": tasks,
        "handover_note": handover_note(
            rules.handover_alarm(
                stage=pilot.stage, window=tl, task_count=len(tasks), today=today, rules=settings_
            ),
            tl,
        ),
        "decision_overdue": rules.decision_overdue(
            stage=pilot.stage, planned_end=pilot.planned_end, today=today, rules=settings_
        ),
        "tasks_done": sum(task.status == TaskStatus.DONE for task in tasks),
        "tasks_waiting": sum(task.status == TaskStatus.WAITING for task in tasks),
        "missing": missing,
        "decisions": decisions,
        "decision_steps": [TRANSITIONS[name] for name in decisions],
        "decision_form": DecisionForm(decisions=decisions) if decisions else None,
        "decline_form": DeclineForm() if ab.answer_nomination else None,
        "budget_decline_form": DeclineForm(prefix="budget") if ab.answer_budget else None,
        "budget_total": value.over_months(pilot.operating_plan.run_cost_per_month)
        if ab.answer_budget
        else None,
        "value": pilot_value(
            pilot,
            primary,
            primary_status.latest.value if primary_status and primary_status.latest else None,
        )
        # Shown once it says something: a priced metric, or an approved contract.
        if primary
        and (primary.value_per_unit is not None or pilot.stage in Stage.APPROVED_OR_LATER)
        else None,
        "events": readable_events(pilot_events(pilot)[:RECENT_EVENTS]),
        "members": list(pilot.memberships.all()),
        "drift": drift,
        "acknowledge_form": AcknowledgeForm()
        if drift and drift.fields and ab.acknowledge_contract
        else None,
        # The final decision weighs what was promised against what is delivered.
        "promise": promise_of(pilot, primary) if closing else None,
        "infrastructure": {answer.item: answer for answer in pilot.infrastructure.all()},
        "checkin": checkin,
        "checkin_form": CheckInForm() if ab.check_in and checkin.open else None,
        "infrastructure_rows": infra,
        # The approve form lists the waivers that approving the pilot approves.
        "pending_waivers": [row for row in infra if row.answer.waiver_pending]
        if "approve" in decisions
        else [],
        # The checkpoint section: shown from the lead days before the window opens, and
        # wherever a checkpoint decision was recorded.
        "checkpoint": checkpoint,
        "checkpoint_shown": bool(
            checkpoint_decisions or (checkpoint and (checkpoint.recordable or checkpoint.due))
        ),
        "checkpoint_decisions": checkpoint_decisions,
        "checkpoint_overdue": bool(checkpoint and checkpoint.overdue(today)),
        "continue_needs": missing_with_links(pilot, continue_missing_items(pilot), may_edit=ab.edit)
        if checkpoint
        else [],
        "checkpoint_form": CheckpointForm()
        if ab.checkpoint and checkpoint and checkpoint.recordable
        else None,
        # The "In operation" section of a graduated pilot: its value reviews.
        "operation": operation,
        "review_form": ValueReviewForm()
        if operation and operation.owed and not operation.waiting and Role.OWNER in ab.roles
        else None,
        "signer": signer,
        "signoff_form": SignOffForm()
        if operation
        and operation.waiting
        and signer
        and signer not in {s.role for s in operation.waiting.signoffs.all()}
        else None,
    }
    context.update(overrides)
    return context


@require_GET
def pilot_detail(request: SignedInRequest, reference: str) -> HttpResponse:
    pilot = pilot_for_page(request.user, reference=reference)
    return render(request, "pilots/pilot_detail.html", pilot_page_context(request, pilot))


HISTORY_PAGE_SIZE = 50


@require_GET
def pilot_history(request: SignedInRequest, reference: str) -> HttpResponse:
    """The whole audit history of a pilot, newest first, filtered by kind and person."""
    pilot = visible_pilot(request, reference)
    form = HistoryFilterForm(
        request.GET if ("kind" in request.GET or "person" in request.GET) else None,
        people=history_people(pilot),
    )
    filters = form.filters()
    page = Paginator(history_events(pilot, **filters), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "pilots/pilot_history.html",
        {
            "pilot": pilot,
            "page": page,
            "events": readable_events(page.object_list),
            "form": form,
            "filtered": any(filters.values()),
            "query": query.urlencode(),
        },
    )


@require_GET
def metric_detail(request: SignedInRequest, reference: str, metric_id: int) -> HttpResponse:
    """One metric: its chart and every reading, newest first."""
    pilot = visible_pilot(request, reference)
    metric = metric_of(pilot, metric_id)
    tl = pilot_timeline(pilot)
    page = Paginator(
        metric.readings.select_related("recorded_by").order_by("-observed_on"), 50
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "pilots/metric_detail.html",
        {
            "pilot": pilot,
            "metric": metric,
            "ab": abilities(request, pilot),
            "chart": metric_chart(pilot, metric, tl),
            "page": page,
        },
    )
