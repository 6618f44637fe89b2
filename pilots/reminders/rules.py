"""The reminder rules: who must hear of what on a given day (``reminders_due``).

``KINDS`` is the registry: each reminder kind with the rule that finds it, to
whom it goes, and whether its recipients may mute it. A finder narrows the
candidates with one query (the SQL is only a pre-filter) and asks
``pilots.rules`` whether each one is due, so a reminder never disagrees with
the pilot page or the scorecard.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from pilots import rules, timeline
from pilots.enums import (
    Cadence,
    Direction,
    InfrastructureAnswerValue,
    InfrastructureItem,
    MetricKind,
    OwnershipStatus,
    ReminderKind,
    Stage,
    TaskStatus,
)
from pilots.frame import formats
from pilots.frame.formats import plural
from pilots.links import PilotLinks
from pilots.models import (
    CheckpointDecision,
    GateDecision,
    InfrastructureAnswer,
    KnowledgeTransferTask,
    Metric,
    MetricReading,
    Pilot,
    Reminder,
    ReminderMute,
)
from pilots.reminders import ahead, operation
from pilots.reminders.due import LOCAL, Due, Sweep
from pilots.reminders.escalation import escalated
from pilots.rules import HandoverAlarm
from pilots.selectors.decay import graduation_series
from pilots.selectors.keepers import watched_pilots
from pilots.selectors.pilots import rule_settings
from pilots.services.notifications import portfolio_lead_ids

# --- The finders: one query each -----------------------------------------------------------


def _handover(sweep: Sweep) -> list[Due]:
    """No knowledge-transfer tasks as the window nears or is open; leads once escalated."""
    day = sweep.day
    rows = (
        sweep.scope(Pilot.objects.all(), "pk")
        .annotate(start=Coalesce("started_on", "planned_start"))
        .filter(
            ~Exists(KnowledgeTransferTask.objects.filter(pilot=OuterRef("pk"))),
            stage__in=Stage.IN_FLIGHT,
            planned_end__gte=day,
            # The window opens after the start: no start within the lead time, no window.
            start__lte=day + timedelta(days=sweep.rules.lead_days),
        )
        .values_list(
            "pk",
            "reference",
            "stage",
            "start",
            "planned_end",
            "sponsor_id",
            "owner_id",
            "owner_status",
        )
        .order_by("pk")
    )
    due: list[Due] = []
    for pk, reference, stage, start, end, sponsor_id, owner_id, owner_status in rows:
        if end < start:
            continue
        window = timeline.timeline(start=start, end=end, today=day, lead_days=sweep.rules.lead_days)
        alarm = rules.handover_alarm(
            stage=stage, window=window, task_count=0, today=day, rules=sweep.rules
        )
        if alarm is HandoverAlarm.NONE:
            continue
        opens = window.handover_opens
        days_to_go = window.days_until_handover
        if days_to_go > 0:
            when = f"opens in {plural(days_to_go, 'day')} ({formats.day(opens)})"
        elif days_to_go == 0:
            when = "opens today"
        else:
            when = f"opened {plural(-days_to_go, 'day')} ago ({formats.day(opens)})"
        reason = (
            f"The handover window of {reference} {when} and it has no knowledge-transfer tasks."
        )
        action = "Plan the handover: add knowledge-transfer tasks to the team that will run it."
        # The link adds a task: the sponsor and the owner who accepted may (a nominee
        # who has not answered may not, and one who declined no longer sees the pilot).
        owner = owner_id if owner_status == OwnershipStatus.ACCEPTED else None
        for recipient in (owner, sponsor_id):
            if recipient is not None:
                due.append(
                    Due(
                        pk,
                        ReminderKind.HANDOVER_UNPLANNED,
                        recipient,
                        reason,
                        action,
                        sweep.links.task_new(reference),
                    )
                )
        if alarm is HandoverAlarm.ESCALATED:
            for recipient in sweep.leads:
                due.append(
                    Due(
                        pk,
                        ReminderKind.HANDOVER_ESCALATION,
                        recipient,
                        f"{reference}'s handover window opened {plural(-days_to_go, 'day')} "
                        "ago and it still has no knowledge-transfer tasks.",
                        "Ask the business owner and sponsor for a handover plan now, "
                        "or consider stopping the pilot.",
                        sweep.links.detail(reference, "handover"),
                    )
                )
    return due


def _tasks_overdue(sweep: Sweep) -> list[Due]:
    """Tasks still the giver's past their due date (+ grace): to the assignee and the
    business owner."""
    day = sweep.day
    rows = (
        sweep.scope(KnowledgeTransferTask.objects.all(), "pilot_id")
        .filter(
            pilot__stage__in=Stage.IN_FLIGHT,
            due_on__lt=rules.overdue_if_due_before(today=day, rules=sweep.rules),
        )
        .filter(status__in=TaskStatus.OPEN)
        .values_list(
            "pilot_id",
            "pilot__reference",
            "pilot__owner_id",
            "pilot__owner_status",
            "assignee_id",
            "title",
            "status",
            "due_on",
        )
        .order_by("pilot_id", "due_on", "pk")
    )
    # (pilot, recipient) -> (reference, [(title, due_on), ...]), oldest first.
    overdue: dict[tuple[int, int], tuple[str, list[tuple[str, date]]]] = {}
    for pilot, reference, owner, owner_status, assignee, title, status, due_on in rows:
        if not rules.task_overdue(status=status, due_on=due_on, today=day, rules=sweep.rules):
            continue
        recipients = {assignee}
        if owner is not None and owner_status == OwnershipStatus.ACCEPTED:
            recipients.add(owner)
        for recipient in recipients:
            overdue.setdefault((pilot, recipient), (reference, []))[1].append((title, due_on))
    due = []
    for (pilot, recipient), (reference, tasks) in overdue.items():
        title, due_on = tasks[0]
        late = (day - due_on).days
        reason = (
            f"{plural(len(tasks), 'knowledge-transfer task')} of {reference} "
            f"{'is' if len(tasks) == 1 else 'are'} overdue; “{title[:80]}” was due "
            f"{plural(late, 'day')} ago."
        )
        due.append(
            Due(
                pilot,
                ReminderKind.TASK_OVERDUE,
                recipient,
                reason,
                "Finish the task and add its evidence, or agree a new due date.",
                sweep.links.detail(reference, "handover"),
            )
        )
    return due


def _tasks_unconfirmed(sweep: Sweep) -> list[Due]:
    """Tasks waiting for their receiver's confirmation more than the unconfirmed days: to
    the receiver (the named person, else the operations owner, else the portfolio leads).

    The query keeps the waiting tasks completed before the cutoff's local midnight;
    ``rules.task_unconfirmed`` decides on the local day of completion.
    """
    day = sweep.day
    cutoff = sweep.local_midnight(
        rules.unconfirmed_if_completed_before(today=day, rules=sweep.rules)
    )
    rows = (
        sweep.scope(KnowledgeTransferTask.objects.all(), "pilot_id")
        .filter(
            pilot__stage__in=Stage.IN_FLIGHT,
            status=TaskStatus.WAITING,
            completed_at__lt=cutoff,
        )
        .values_list(
            "pilot_id",
            "pilot__reference",
            "pilot__operations_owner_id",
            "receiver_id",
            "assignee_id",
            "completed_by_id",
            "title",
            "status",
            "completed_at",
        )
        .order_by("pilot_id", "completed_at", "pk")
    )
    # (pilot, recipient) -> (reference, [(title, completed_on), ...]), oldest first.
    waiting: dict[tuple[int, int], tuple[str, list[tuple[str, date]]]] = {}
    for pilot, reference, operations, receiver, assignee, completed_by, title, status, at in rows:
        completed_on = timezone.localdate(at, LOCAL())
        if not rules.task_unconfirmed(
            status=status, completed_on=completed_on, today=day, rules=sweep.rules
        ):
            continue
        named = receiver if receiver is not None else operations
        recipients = [named] if named is not None else sweep.leads
        for recipient in recipients:
            if recipient in (assignee, completed_by):
                continue  # a giver cannot confirm their own task
            waiting.setdefault((pilot, recipient), (reference, []))[1].append((title, completed_on))
    due = []
    for (pilot, recipient), (reference, tasks) in waiting.items():
        title, completed_on = tasks[0]
        waited = (day - completed_on).days
        count = plural(len(tasks), "knowledge-transfer task")
        due.append(
            Due(
                pilot,
                ReminderKind.TASK_UNCONFIRMED,
                recipient,
                f"{count} of {reference} {'waits' if len(tasks) == 1 else 'wait'} for your "
                f"confirmation; “{title[:80]}” was completed {plural(waited, 'day')} ago.",
                "Check the evidence, then confirm receipt, or decline saying what is missing.",
                sweep.links.detail(reference, "handover"),
            )
        )
    return due


def _metric_stale(sweep: Sweep) -> list[Due]:
    """The primary metric without a reading within its cadence + grace: to the business owner.

    The query keeps the metrics that may be stale (followed, reference day before the
    cadence's cutoff); ``rules.metric_stale`` decides.
    """
    day = sweep.day
    maybe_stale = Q(pk__in=[])
    for cadence, days in Cadence.DAYS.items():
        cutoff = day - timedelta(days=days + sweep.rules.stale_grace_days)
        maybe_stale |= Q(cadence=cadence, pilot__started_on__lt=cutoff) & (
            Q(last_on__isnull=True) | Q(last_on__lt=cutoff)
        )
    graduated_at = (
        GateDecision.objects.filter(pilot=OuterRef("pilot"), to_stage=Stage.GRADUATED)
        .order_by("-decided_at")
        .values("decided_at")[:1]
    )
    rows = (
        sweep.scope(Metric.objects.all(), "pilot_id")
        .filter(
            Q(pilot__stage=Stage.RUNNING)
            | Q(
                Exists(
                    GateDecision.objects.filter(
                        pilot=OuterRef("pilot"),
                        to_stage=Stage.GRADUATED,
                        decided_at__gte=sweep.local_midnight(
                            day - timeline.TRACKED_AFTER_GRADUATION
                        ),
                    )
                ),
                pilot__stage=Stage.GRADUATED,
            ),
            kind=MetricKind.PRIMARY,
            pilot__owner_status=OwnershipStatus.ACCEPTED,
        )
        # The latest reading through the (metric, observed_on) unique index: one
        # index row per metric, not an aggregate over the whole reading history.
        .annotate(
            last_on=Subquery(
                MetricReading.objects.filter(metric=OuterRef("pk"))
                .order_by("-observed_on")
                .values("observed_on")[:1]
            ),
            graduated_at=Subquery(graduated_at),
        )
        .filter(maybe_stale)
        .values_list(
            "pilot_id",
            "pilot__reference",
            "pilot__stage",
            "pilot__started_on",
            "graduated_at",
            "pilot__owner_id",
            "name",
            "last_on",
            "cadence",
            "pilot__operation_ended_on",
        )
        .order_by("pilot_id")
    )
    due = []
    for row in rows:
        pilot, reference, stage, started_on, graduated_at, owner, name, last_on, cadence = row[:9]
        if not rules.metric_stale(
            stage=stage,
            graduated_on=timezone.localdate(graduated_at, LOCAL()) if graduated_at else None,
            started_on=started_on,
            last_reading_on=last_on,
            cadence_days=Cadence.DAYS[cadence],
            today=day,
            rules=sweep.rules,
            operation_ended_on=row[9],
        ):
            continue
        since = f"since {formats.day(last_on)}" if last_on else "since the pilot started"
        due.append(
            Due(
                pilot,
                ReminderKind.METRIC_STALE,
                owner,
                f"The primary metric “{name[:80]}” of {reference} has had no reading {since}; "
                f"it is reported {cadence}.",
                "Record the latest reading, or check the pipeline that pushes it.",
                sweep.links.detail(reference, "metrics"),
            )
        )
    return due


def _segment_breach(sweep: Sweep) -> list[Due]:
    """A critical-segment metric beyond its guardrail (or behind its own trajectory when it
    has none), on a running pilot: to the business owner.

    The query keeps the segment metrics of running pilots with an accepted owner and a
    reading, with their latest reading; ``rules.segment_breach`` decides.
    """
    latest = MetricReading.objects.filter(metric=OuterRef("pk")).order_by("-observed_on")
    rows = (
        sweep.scope(Metric.objects.all(), "pilot_id")
        .filter(
            kind=MetricKind.CRITICAL_SEGMENT,
            pilot__stage=Stage.RUNNING,
            pilot__owner_status=OwnershipStatus.ACCEPTED,
        )
        .exclude(direction="")
        .annotate(
            last_on=Subquery(latest.values("observed_on")[:1]),
            last_value=Subquery(latest.values("value")[:1]),
        )
        .filter(last_on__isnull=False)
        .values_list(
            "pk",
            "pilot_id",
            "pilot__reference",
            "pilot__stage",
            "pilot__started_on",
            "pilot__owner_id",
            "name",
            "unit",
            "direction",
            "guardrail",
            "baseline",
            "target",
            "target_date",
            "last_on",
            "last_value",
        )
        .order_by("pilot_id", "pk")
    )
    due = []
    for (
        pk,
        pilot,
        reference,
        stage,
        started_on,
        owner,
        name,
        unit,
        direction,
        guardrail,
        baseline,
        target,
        target_date,
        last_on,
        last_value,
    ) in rows:
        if not rules.segment_breach(
            stage=stage,
            increasing=direction == Direction.INCREASE,
            guardrail=guardrail,
            baseline=baseline,
            target=target,
            started_on=started_on,
            target_date=target_date,
            latest_value=last_value,
            latest_on=last_on,
        ):
            continue
        line = "its guardrail" if guardrail is not None else "its trajectory (its guardrail)"
        due.append(
            Due(
                pilot,
                ReminderKind.SEGMENT_BREACH,
                owner,
                f"The critical segment “{name[:80]}” of {reference} read "
                f"{formats.quantity(last_value, unit)} on {formats.day(last_on)}, beyond {line}.",
                "Look into the segment and record what is being done about it; the overall "
                "number may hide it.",
                sweep.links.detail(reference, f"metric-{pk}"),
            )
        )
    return due


def _waiver_expired(sweep: Sweep) -> list[Due]:
    """An approved or running pilot's infrastructure waiver past its last day with the item
    still not in place: to the sponsor, once a week, naming every such item.

    The query keeps the answers not "yes" whose waiver ended before the day;
    ``rules.waiver_expired`` decides.
    """
    rows = (
        sweep.scope(InfrastructureAnswer.objects.all(), "pilot_id")
        .filter(pilot__stage__in=Stage.IN_FLIGHT, waiver_expires_on__lt=sweep.day)
        .exclude(answer=InfrastructureAnswerValue.YES)
        .values_list(
            "pilot_id",
            "pilot__reference",
            "pilot__stage",
            "pilot__sponsor_id",
            "item",
            "answer",
            "waiver_expires_on",
        )
        .order_by("pilot_id", "item")
    )
    expired: dict[tuple[int, str, int], list[str]] = {}
    for pilot, reference, stage, sponsor, item, answer, expires_on in rows:
        if rules.waiver_expired(stage=stage, answer=answer, expires_on=expires_on, today=sweep.day):
            expired.setdefault((pilot, reference, sponsor), []).append(
                f"“{InfrastructureItem(item).label}” (expired on {formats.day(expires_on)})"
            )
    return [
        Due(
            pilot,
            ReminderKind.WAIVER_EXPIRED,
            sponsor,
            f"The infrastructure waiver of {reference} for {', '.join(items)} has run out and "
            f"{'the item is' if len(items) == 1 else 'the items are'} still not in place.",
            "Put the item in place and answer “Yes” with evidence, or renew the waiver (a new "
            "reason and expiry date) for a portfolio lead to approve.",
            sweep.links.step(reference, "infrastructure"),
        )
        for (pilot, reference, sponsor), items in expired.items()
    ]


def _ownership_pending(sweep: Sweep) -> list[Due]:
    """A nomination unanswered for N local days: to the nominee and the sponsor."""
    day = sweep.day
    # Nominated on local day N, due from day N + waited: nominated before the
    # start of local day ``day - waited + 1``.
    cutoff = sweep.local_midnight(day - timedelta(days=sweep.rules.ownership_pending_days - 1))
    rows = (
        sweep.scope(Pilot.objects.all(), "pk")
        .filter(owner_status=OwnershipStatus.PENDING, owner_nominated_at__lt=cutoff)
        .exclude(stage__in=Stage.CLOSED)
        .values_list(
            "pk",
            "reference",
            "stage",
            "owner_status",
            "owner_id",
            "sponsor_id",
            "owner_nominated_at",
            "owner__first_name",
            "owner__last_name",
            "owner__username",
        )
        .order_by("pk")
    )
    due = []
    for row in rows:
        pk, reference, stage, owner_status, owner, sponsor, nominated_at = row[:7]
        first, last, username = row[7:]
        nominated_on = timezone.localdate(nominated_at, LOCAL())
        if not rules.ownership_reminder_due(
            owner_status=owner_status,
            stage=stage,
            nominated_on=nominated_on,
            today=day,
            rules=sweep.rules,
        ):
            continue
        days = (day - nominated_on).days
        nominee = (f"{first} {last}".strip() or username)[:80]
        due.append(
            Due(
                pk,
                ReminderKind.OWNERSHIP_PENDING,
                owner,
                f"You were nominated business owner of {reference} {plural(days, 'day')} ago "
                "and have not answered yet.",
                "Accept ownership, or decline with a reason, so the pilot can go ahead.",
                sweep.links.detail(reference, "nomination"),
            )
        )
        if sponsor != owner:
            due.append(
                Due(
                    pk,
                    ReminderKind.OWNERSHIP_PENDING,
                    sponsor,
                    f"{nominee} has not answered the nomination as business owner of "
                    f"{reference} for {plural(days, 'day')}.",
                    "Ask them to accept or decline, or nominate someone else.",
                    sweep.links.detail(reference, "people"),
                )
            )
    return due


def _decision_overdue(sweep: Sweep) -> list[Due]:
    """Past the end (+ grace) with no graduate or stop decision: to the sponsor and the leads.

    Running pilots, and approved ones that never started (stop them or plan new dates).
    The leads asked are those who may decide (independence: not the pilot's sponsor
    or its business owner, accepted or nominated); the sponsor is asked to chase them.
    """
    day = sweep.day
    rows = (
        sweep.scope(Pilot.objects.all(), "pk")
        .filter(
            stage__in=Stage.IN_FLIGHT,
            planned_end__lt=rules.decision_overdue_if_end_before(today=day, rules=sweep.rules),
        )
        .values_list("pk", "reference", "stage", "planned_end", "sponsor_id", "owner_id")
        .order_by("pk")
    )
    due = []
    for pk, reference, stage, end, sponsor, owner in rows:
        if not rules.decision_overdue(stage=stage, planned_end=end, today=day, rules=sweep.rules):
            continue
        ago = plural((day - end).days, "day")
        if stage == Stage.RUNNING:
            reason = (
                f"{reference} ended on {formats.day(end)} ({ago} ago) "
                "and has no graduate or stop decision."
            )
            action = (
                "Record the decision: graduate it into production, or stop it with the lessons."
            )
        else:
            reason = (
                f"{reference} was approved but never started, and its planned end "
                f"passed on {formats.day(end)} ({ago} ago)."
            )
            action = "Stop it with the lessons, or plan new dates and start it."
        link = sweep.links.detail(reference, "decision")
        due.append(
            Due(
                pk,
                ReminderKind.DECISION_OVERDUE,
                sponsor,
                reason,
                "Ask an independent portfolio lead to record the decision"
                + (", or plan new dates and start it." if stage != Stage.RUNNING else "."),
                link,
            )
        )
        for lead in sweep.leads:
            if lead not in (sponsor, owner):
                due.append(Due(pk, ReminderKind.DECISION_OVERDUE, lead, reason, action, link))
    return due


def _checkpoint_overdue(sweep: Sweep) -> list[Due]:
    """A running pilot in its open window with no checkpoint decision for the grace days:
    to the portfolio leads who may take it (not the pilot's sponsor or business owner).

    The query keeps the running pilots whose end is ahead and whose window could have
    been open for the grace days (started at least that long ago), with their latest
    checkpoint decision; ``rules.checkpoint`` decides.
    """
    day = sweep.day
    latest = CheckpointDecision.objects.filter(pilot=OuterRef("pk")).order_by("-decided_at", "-pk")
    rows = (
        sweep.scope(Pilot.objects.all(), "pk")
        .filter(
            stage=Stage.RUNNING,
            planned_end__gte=day,
            started_on__lte=day - timedelta(days=sweep.rules.checkpoint_grace_days),
        )
        .annotate(
            decided_for=Subquery(latest.values("window_opened_on")[:1]),
            decided_at=Subquery(latest.values("decided_at")[:1]),
        )
        .values_list(
            "pk",
            "reference",
            "stage",
            "started_on",
            "planned_end",
            "decided_for",
            "decided_at",
            "sponsor_id",
            "owner_id",
            "owner_status",
        )
        .order_by("pk")
    )
    due = []
    for row in rows:
        pk, reference, stage, start, end, decided_for, decided_at = row[:7]
        sponsor, owner, owner_status = row[7:]
        if end < start:
            continue
        found = rules.checkpoint(
            stage=stage,
            window=timeline.timeline(
                start=start, end=end, today=day, lead_days=sweep.rules.lead_days
            ),
            decided_for=decided_for,
            decided_on=timezone.localdate(decided_at, LOCAL()) if decided_at else None,
            today=day,
            rules=sweep.rules,
        )
        if found is None or found.overdue_on is None or not found.overdue(day):
            continue
        reason = (
            f"The handover window of {reference} opened on {formats.day(found.window_opens)} "
            "and no portfolio lead has decided to continue, extend or stop it; overdue since "
            f"{formats.day(found.overdue_on)}."
        )
        # Independence: the sponsor and the business owner may not decide, so are not asked.
        for recipient in sweep.deciding_leads(
            sponsor=sponsor, owner=owner, owner_status=owner_status
        ):
            due.append(
                Due(
                    pk,
                    ReminderKind.CHECKPOINT_OVERDUE,
                    recipient,
                    reason,
                    "Take the checkpoint decision: continue (with the handover plan and "
                    "operations' acceptance), extend with a reason, or stop it.",
                    sweep.links.detail(reference, "checkpoint"),
                )
            )
    return due


def _degrading(sweep: Sweep) -> list[Due]:
    """A graduated pilot in operation whose primary metric has fallen back from its level at
    graduation (``rules.degradation``): to the business owner and the operations owner once
    per decline; to the sponsor and the portfolio leads once it has lasted the escalation
    weeks. The period is the decline's (``Degradation.period``): the daily sweep finds the
    same one again and records nothing, a new decline after a recovery is told again.

    Three queries: the series (``graduation_series``, two) and the pilots' people.
    """
    day = sweep.day
    series = graduation_series(
        today=day,
        rules=sweep.rules,
        pilot_ids=[sweep.pilot_id] if sweep.pilot_id is not None else None,
    )
    rows = (
        sweep.scope(Metric.objects.all(), "pilot_id")
        .filter(
            Exists(
                GateDecision.objects.filter(
                    pilot=OuterRef("pilot"),
                    to_stage=Stage.GRADUATED,
                    decided_at__gte=sweep.local_midnight(day - timeline.TRACKED_AFTER_GRADUATION),
                )
            ),
            kind=MetricKind.PRIMARY,
            pilot__stage=Stage.GRADUATED,
        )
        .values_list(
            "pilot_id",
            "pilot__reference",
            "pilot__stage",
            "pilot__sponsor_id",
            "pilot__owner_id",
            "pilot__owner_status",
            "pilot__operations_owner_id",
            "name",
            "unit",
            "direction",
            "baseline",
            "target",
            "pilot__operation_ended_on",
        )
        .order_by("pilot_id")
    )
    due: list[Due] = []
    for row in rows:
        pilot, reference, stage, sponsor, owner, owner_status, operations = row[:7]
        name, unit, direction, baseline, target, operation_ended_on = row[7:]
        found = series.get(pilot)
        if found is None or not direction:
            continue
        decline = rules.degradation(
            stage=stage,
            graduated_on=found.graduated_on,
            increasing=direction == Direction.INCREASE,
            baseline=baseline,
            target=target,
            at_graduation=found.at_graduation,
            after_graduation=found.after_graduation,
            today=day,
            rules=sweep.rules,
            operation_ended_on=operation_ended_on,
        )
        if decline is None:
            continue
        reason = f"{reference}: " + formats.decline(
            name[:80], decline, unit, sweep.rules.degrading_readings
        )
        link = sweep.links.detail(reference, "metrics")
        owners = [owner if owner_status == OwnershipStatus.ACCEPTED else None, operations]
        for recipient in dict.fromkeys(r for r in owners if r is not None):
            due.append(
                Due(
                    pilot,
                    ReminderKind.DEGRADING,
                    recipient,
                    reason,
                    "Find out why (data, process, model or use) and record a check-in with "
                    "what is being done; if it lasts "
                    f"{plural(sweep.rules.degrading_escalation_weeks, 'week')}, the sponsor "
                    "and the portfolio leads are told.",
                    link,
                    decline.period,
                )
            )
        if not rules.degradation_escalated(found=decline, today=day, rules=sweep.rules):
            continue
        weeks = (day - decline.since).days // 7
        for recipient in [
            sponsor,
            *sweep.deciding_leads(sponsor=sponsor, owner=owner, owner_status=owner_status),
        ]:
            due.append(
                Due(
                    pilot,
                    ReminderKind.DEGRADING_ESCALATED,
                    recipient,
                    f"{reason[:-1]}, {plural(weeks, 'week')} without a recovery.",
                    "Take it up with the business owner and the operations owner: fix it, "
                    "fund the work, or consider retiring the system.",
                    link,
                    decline.period,
                )
            )
    return due


def _orphaned(sweep: Sweep) -> list[Due]:
    """A followed pilot whose keeper is deactivated or idle (``rules.orphaned``): to the
    sponsor and the portfolio leads (the leads only when the sponsor is the one gone), once
    per episode.

    An episode starts at the latest touch (or taking of the role) of the keepers who are
    gone: a reminder recorded since then told of this episode already, whatever the week.
    """
    watched = watched_pilots(pilot_ids=[sweep.pilot_id] if sweep.pilot_id is not None else None)
    told: dict[tuple[int, int], date] = {}
    for pilot_id, recipient_id, day in (
        Reminder.objects.filter(kind=ReminderKind.ORPHANED, pilot_id__in=list(watched))
        .values_list("pilot_id", "recipient_id", "day")
        .order_by("day")
    ):
        told[(pilot_id, recipient_id)] = day
    due = []
    for pilot in watched.values():
        gone = pilot.orphanings(today=sweep.day, rules_=sweep.rules)
        if not gone:
            continue
        starts = [
            day for o in gone for day in (o.keeper.last_touch, o.keeper.since) if day is not None
        ]
        episode = max(starts) if starts else None
        sponsor_gone = any(o.keeper.user_id == pilot.sponsor_id for o in gone)
        recipients = dict.fromkeys(([] if sponsor_gone else [pilot.sponsor_id]) + list(sweep.leads))
        reason = f"{pilot.reference} is orphaned: " + "; ".join(o.sentence for o in gone) + "."
        for recipient in recipients:
            last = told.get((pilot.pilot_id, recipient))
            if last is not None and (episode is None or last >= episode):
                continue  # told of this episode already
            due.append(
                Due(
                    pilot.pilot_id,
                    ReminderKind.ORPHANED,
                    recipient,
                    reason,
                    "Name a successor (the pilot page's succession), who must accept the role.",
                    sweep.links.detail(pilot.reference, "succession"),
                )
            )
    return due


# --- The registry ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """A reminder kind: the rule that finds it, to whom it goes, and whether it may be muted."""

    kind: ReminderKind
    # None: the escalation, which reads what the other finders found (``escalation``).
    find: Callable[[Sweep], list[Due]] | None
    due_when: str
    recipients: str
    to_leads: bool = False
    # Its reminders, unanswered for the escalation days, go one level up.
    escalates: bool = False

    @property
    def mutable(self) -> bool:
        return self.kind in ReminderKind.MUTABLE


def _registry(*kinds: Kind) -> dict[str, Kind]:
    return {kind.kind.value: kind for kind in kinds}


# Every reminder kind, in the order of the README's table (tested against it).
# Two kinds may share a finder: it runs once and yields both.
KINDS = _registry(
    Kind(
        ReminderKind.HANDOVER_UNPLANNED,
        _handover,
        "the handover window opens within the lead days, or is open, and the pilot "
        "(approved or running) has no knowledge-transfer task",
        "business owner (once accepted), sponsor",
    ),
    Kind(
        ReminderKind.HANDOVER_ESCALATION,
        _handover,
        "the same, the escalation days into the open window",
        "portfolio leads",
        to_leads=True,
    ),
    Kind(
        ReminderKind.TASK_OVERDUE,
        _tasks_overdue,
        "a knowledge-transfer task is not done and its due date + grace has passed",
        "assignee, business owner",
        escalates=True,
    ),
    Kind(
        ReminderKind.METRIC_STALE,
        _metric_stale,
        "the primary metric has no reading within its cadence + grace (running, or "
        "graduated in the last 12 months)",
        "business owner",
        escalates=True,
    ),
    Kind(
        ReminderKind.OWNERSHIP_PENDING,
        _ownership_pending,
        "the nominated owner has not answered for the pending days",
        "nominee, sponsor",
    ),
    Kind(
        ReminderKind.DECISION_OVERDUE,
        _decision_overdue,
        "running (or approved and never started) past the end date + grace, with no "
        "graduate or stop decision",
        "sponsor, portfolio leads",
        to_leads=True,
    ),
    Kind(
        ReminderKind.SEGMENT_BREACH,
        _segment_breach,
        "a critical-segment metric of a running pilot is beyond its guardrail, or behind its "
        "own trajectory when it has none",
        "business owner",
        escalates=True,
    ),
    Kind(
        ReminderKind.WAIVER_EXPIRED,
        _waiver_expired,
        "an approved or running pilot's infrastructure waiver is past its expiry date and the "
        "item is still not “yes”",
        "sponsor",
        escalates=True,
    ),
    Kind(
        ReminderKind.CHECKPOINT_OVERDUE,
        _checkpoint_overdue,
        "a running pilot's handover window has been open for the checkpoint grace days "
        "with no portfolio lead's checkpoint decision for it",
        "portfolio leads who may decide (not its sponsor or business owner)",
        to_leads=True,
    ),
    Kind(
        ReminderKind.TASK_UNCONFIRMED,
        _tasks_unconfirmed,
        "a knowledge-transfer task completed by its giver has waited for its receiver's "
        "confirmation for more than the unconfirmed days",
        "receiver (the person named, else the operations owner, else portfolio leads)",
        to_leads=True,
    ),
    Kind(
        ReminderKind.TASK_DUE_SOON,
        ahead.tasks_due_soon,
        "a knowledge-transfer task still the giver's is due within the due-soon days",
        "assignee",
    ),
    Kind(
        ReminderKind.PILOT_ENDING,
        ahead.pilot_ending,
        "a running pilot's planned end is within the ending days",
        "sponsor, business owner (once accepted)",
    ),
    Kind(
        ReminderKind.TARGET_DATE_NEAR,
        ahead.target_date_near,
        "a running pilot's primary metric's target date is within the target-date days and "
        "its latest reading has not reached the target",
        "business owner",
    ),
    Kind(
        ReminderKind.START_OVERDUE,
        ahead.start_overdue,
        "an approved pilot's planned start + grace has passed without a start (until its end)",
        "sponsor",
        escalates=True,
    ),
    Kind(
        ReminderKind.REVIEW_OVERDUE,
        ahead.review_overdue,
        "a submitted pilot has waited for its gate decision more than the review days",
        "portfolio leads who may decide (not the pilot's sponsor or business owner)",
        to_leads=True,
    ),
    Kind(
        ReminderKind.DEGRADING,
        _degrading,
        "a graduated pilot in operation (12 months) whose primary metric has fallen back from "
        "its level at graduation (``DEGRADING``); once per decline",
        "business owner (once accepted), operations owner",
    ),
    Kind(
        ReminderKind.DEGRADING_ESCALATED,
        _degrading,
        "the same decline has lasted the escalation weeks; once per decline",
        "sponsor, portfolio leads who may decide",
        to_leads=True,
    ),
    Kind(
        ReminderKind.VALUE_REVIEW_DUE,
        operation.value_review_due,
        "a graduated pilot's value review day (90, 180, 365 days after graduation) has come "
        "and no review for it is recorded or signed off",
        "business owner",
    ),
    Kind(
        ReminderKind.VALUE_REVIEW_SIGNOFF,
        operation.value_review_signoff,
        "a recorded value review has waited for its sign-off more than the grace days",
        "sponsor, portfolio leads who may sign (not the pilot's sponsor or business owner)",
        to_leads=True,
    ),
    Kind(
        ReminderKind.ORPHANED,
        _orphaned,
        "a running (or in operation) pilot's business owner, operations owner, sponsor or "
        "giver of an open task is deactivated, or an owner has not touched it for the "
        "orphaned days; once per episode",
        "sponsor (unless the sponsor is the one gone), portfolio leads",
        to_leads=True,
    ),
    Kind(
        ReminderKind.REMINDER_ESCALATED,
        None,
        "a reminder of an escalating kind was recorded the escalation days ago and its cause "
        "still holds: the business owner's goes to the sponsor, the sponsor's (and an "
        "escalation the sponsor left as long) to the leads",
        "sponsor, portfolio leads who may decide",
        to_leads=True,
    ),
)


def reminders_due(
    day: date, *, pilot_id: int | None = None, kinds: Iterable[str] | None = None
) -> list[Due]:
    """Every reminder due on ``day``, less muted kinds and deactivated recipients.

    A fixed number of queries whatever the number of pilots. ``pilot_id`` and
    ``kinds`` narrow it (a delivery re-checks its own reminder this way).
    """
    wanted = [KINDS[kind] for kind in (kinds if kinds is not None else KINDS) if kind in KINDS]
    # Only some kinds write to leads; a delivery re-checking another kind skips the query.
    leads = portfolio_lead_ids() if any(kind.to_leads for kind in wanted) else []
    sweep = Sweep(
        day=day, rules=rule_settings(), links=PilotLinks(), leads=leads, pilot_id=pilot_id
    )
    wanted_kinds = {kind.kind for kind in wanted}
    escalate = ReminderKind.REMINDER_ESCALATED in wanted_kinds
    # The escalation asks whether the escalating kinds are still due: their finders run.
    running = wanted + ([kind for kind in KINDS.values() if kind.escalates] if escalate else [])
    due: list[Due] = []
    for find in dict.fromkeys(kind.find for kind in running if kind.find is not None):
        due += find(sweep)
    if escalate:
        # Before mutes and deactivations: a cause still holds whoever stopped hearing of it.
        due += escalated(
            sweep, due, escalating=[kind.kind.value for kind in KINDS.values() if kind.escalates]
        )

    muted = set(ReminderMute.objects.values_list("user_id", "kind"))
    inactive = set(get_user_model().objects.filter(is_active=False).values_list("pk", flat=True))
    kept: dict[tuple[int, str, int], Due] = {}
    for item in due:
        if (
            item.kind in wanted_kinds
            and item.recipient_id not in inactive
            and (item.recipient_id, item.kind) not in muted
        ):
            kept.setdefault(item.key, item)  # one per key (a sponsor who is also a lead)
    return list(kept.values())
