"""The reminder rules: who must hear of what on a given day (``reminders_due``)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from pilots import timeline
from pilots.enums import (
    PORTFOLIO_LEADS_GROUP,
    Cadence,
    MetricKind,
    OwnershipStatus,
    ReminderKind,
    Stage,
    TaskStatus,
)
from pilots.frame import formats
from pilots.links import PilotLinks
from pilots.models import (
    GateDecision,
    KnowledgeTransferTask,
    Metric,
    MetricReading,
    Pilot,
    ReminderMute,
)

log = logging.getLogger(__name__)

# Every day of these rules is a day in the deployment's zone (TIME_ZONE), never
# whatever zone a request may have activated.
LOCAL = timezone.get_default_timezone


@dataclass(frozen=True)
class Due:
    """One reminder due on a day: the key plus what it says."""

    pilot_id: int
    kind: str
    recipient_id: int
    reason: str
    action: str
    link: str

    @property
    def key(self) -> tuple[int, str, int]:
        return (self.pilot_id, self.kind, self.recipient_id)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# --- The rules: one function per kind, one query each --------------------------------


def _scope(queryset, pilot_field: str, pilot_id: int | None):
    return queryset.filter(**{pilot_field: pilot_id}) if pilot_id is not None else queryset


def _handover(day: date, links: PilotLinks, leads: list[int], pilot_id: int | None) -> list[Due]:
    """No knowledge-transfer tasks as the window nears or is open; leads after a week in it."""
    lead_days = settings.PILOTGATE_HANDOVER_LEAD_DAYS
    escalate_after = settings.PILOTGATE_HANDOVER_ESCALATION_DAYS
    rows = (
        _scope(Pilot.objects, "pk", pilot_id)
        .annotate(start=Coalesce("started_on", "planned_start"))
        .filter(
            ~Exists(KnowledgeTransferTask.objects.filter(pilot=OuterRef("pk"))),
            stage__in=Stage.IN_FLIGHT,
            planned_end__gte=day,
            # The window opens after the start: no start within the lead time, no window.
            start__lte=day + timedelta(days=lead_days),
        )
        .values_list(
            "pk", "reference", "start", "planned_end", "sponsor_id", "owner_id", "owner_status"
        )
        .order_by("pk")
    )
    due: list[Due] = []
    for pk, reference, start, end, sponsor_id, owner_id, owner_status in rows:
        if end < start:
            continue
        opens = timeline.handover_window_opens(start, end)
        days_to_go = (opens - day).days
        if days_to_go > lead_days:
            continue
        if days_to_go > 0:
            when = f"opens in {_plural(days_to_go, 'day')} ({formats.day(opens)})"
        elif days_to_go == 0:
            when = "opens today"
        else:
            when = f"opened {_plural(-days_to_go, 'day')} ago ({formats.day(opens)})"
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
                        links.task_new(reference),
                    )
                )
        if -days_to_go >= escalate_after:
            for recipient in leads:
                due.append(
                    Due(
                        pk,
                        ReminderKind.HANDOVER_ESCALATION,
                        recipient,
                        f"{reference}'s handover window opened {_plural(-days_to_go, 'day')} "
                        "ago and it still has no knowledge-transfer tasks.",
                        "Ask the business owner and sponsor for a handover plan now, "
                        "or consider stopping the pilot.",
                        links.detail(reference, "handover"),
                    )
                )
    return due


def _tasks_overdue(day: date, links: PilotLinks, pilot_id: int | None) -> list[Due]:
    """Tasks not done past their due date (+ grace): to the assignee and the business owner."""
    last_due = day - timedelta(days=settings.PILOTGATE_TASK_OVERDUE_GRACE_DAYS + 1)
    rows = (
        _scope(KnowledgeTransferTask.objects, "pilot_id", pilot_id)
        .filter(pilot__stage__in=Stage.IN_FLIGHT, due_on__lte=last_due)
        .exclude(status=TaskStatus.DONE)
        .values_list(
            "pilot_id",
            "pilot__reference",
            "pilot__owner_id",
            "pilot__owner_status",
            "assignee_id",
            "title",
            "due_on",
        )
        .order_by("pilot_id", "due_on", "pk")
    )
    # (pilot, recipient) -> (reference, [(title, due_on), ...]), oldest first.
    overdue: dict[tuple[int, int], tuple[str, list[tuple[str, date]]]] = {}
    for pilot, reference, owner, owner_status, assignee, title, due_on in rows:
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
            f"{_plural(len(tasks), 'knowledge-transfer task')} of {reference} "
            f"{'is' if len(tasks) == 1 else 'are'} overdue; “{title[:80]}” was due "
            f"{_plural(late, 'day')} ago."
        )
        due.append(
            Due(
                pilot,
                ReminderKind.TASK_OVERDUE,
                recipient,
                reason,
                "Finish the task and add its evidence, or agree a new due date.",
                links.detail(reference, "handover"),
            )
        )
    return due


def _metric_stale(day: date, links: PilotLinks, pilot_id: int | None) -> list[Due]:
    """The primary metric without a reading within its cadence + grace: to the business owner.

    The same rule as ``timeline.is_stale``, written as a query: the reference
    day (latest reading, or the start when there is none) is before
    ``day - cadence - grace``.
    """
    grace = settings.PILOTGATE_STALE_GRACE_DAYS
    stale = Q(pk__in=[])
    for cadence, days in Cadence.DAYS.items():
        cutoff = day - timedelta(days=days + grace)
        stale |= Q(cadence=cadence, pilot__started_on__lt=cutoff) & (
            Q(last_on__isnull=True) | Q(last_on__lt=cutoff)
        )
    rows = (
        _scope(Metric.objects, "pilot_id", pilot_id)
        .filter(
            Q(pilot__stage=Stage.RUNNING)
            | Q(
                Exists(
                    GateDecision.objects.filter(
                        pilot=OuterRef("pilot"),
                        to_stage=Stage.GRADUATED,
                        decided_at__gte=timezone.make_aware(
                            datetime.combine(day - timeline.TRACKED_AFTER_GRADUATION, time.min),
                            LOCAL(),
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
            )
        )
        .filter(stale)
        .values_list(
            "pilot_id", "pilot__reference", "pilot__owner_id", "name", "last_on", "cadence"
        )
        .order_by("pilot_id")
    )
    due = []
    for pilot, reference, owner, name, last_on, cadence in rows:
        since = f"since {formats.day(last_on)}" if last_on else "since the pilot started"
        due.append(
            Due(
                pilot,
                ReminderKind.METRIC_STALE,
                owner,
                f"The primary metric “{name[:80]}” of {reference} has had no reading {since}; "
                f"it is reported {cadence}.",
                "Record the latest reading, or check the pipeline that pushes it.",
                links.detail(reference, "metrics"),
            )
        )
    return due


def _ownership_pending(day: date, links: PilotLinks, pilot_id: int | None) -> list[Due]:
    """A nomination unanswered for N local days: to the nominee and the sponsor."""
    waited = settings.PILOTGATE_OWNERSHIP_PENDING_DAYS
    # Nominated on local day N, due from day N + waited: nominated before the
    # start of local day ``day - waited + 1``.
    cutoff = timezone.make_aware(
        datetime.combine(day - timedelta(days=waited - 1), time.min), LOCAL()
    )
    rows = (
        _scope(Pilot.objects, "pk", pilot_id)
        .filter(owner_status=OwnershipStatus.PENDING, owner_nominated_at__lt=cutoff)
        .exclude(stage__in=Stage.CLOSED)
        .values_list(
            "pk",
            "reference",
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
    for pk, reference, owner, sponsor, nominated_at, first, last, username in rows:
        days = (day - timezone.localdate(nominated_at, LOCAL())).days
        nominee = (f"{first} {last}".strip() or username)[:80]
        due.append(
            Due(
                pk,
                ReminderKind.OWNERSHIP_PENDING,
                owner,
                f"You were nominated business owner of {reference} {_plural(days, 'day')} ago "
                "and have not answered yet.",
                "Accept ownership, or decline with a reason, so the pilot can go ahead.",
                links.detail(reference, "nomination"),
            )
        )
        if sponsor != owner:
            due.append(
                Due(
                    pk,
                    ReminderKind.OWNERSHIP_PENDING,
                    sponsor,
                    f"{nominee} has not answered the nomination as business owner of "
                    f"{reference} for {_plural(days, 'day')}.",
                    "Ask them to accept or decline, or nominate someone else.",
                    links.detail(reference, "people"),
                )
            )
    return due


def _decision_overdue(
    day: date, links: PilotLinks, leads: list[int], pilot_id: int | None
) -> list[Due]:
    """Running past the end date (+ grace) with no decision: to the sponsor and the leads."""
    last_end = day - timedelta(days=settings.PILOTGATE_DECISION_GRACE_DAYS + 1)
    rows = (
        _scope(Pilot.objects, "pk", pilot_id)
        .filter(stage=Stage.RUNNING, planned_end__lte=last_end)
        .values_list("pk", "reference", "planned_end", "sponsor_id")
        .order_by("pk")
    )
    due = []
    for pk, reference, end, sponsor in rows:
        reason = (
            f"{reference} ended on {formats.day(end)} ({_plural((day - end).days, 'day')} ago) "
            "and has no graduate or stop decision."
        )
        action = "Record the decision: graduate it into production, or stop it with the lessons."
        for recipient in dict.fromkeys([sponsor, *leads]):
            due.append(
                Due(
                    pk,
                    ReminderKind.DECISION_OVERDUE,
                    recipient,
                    reason,
                    action,
                    links.detail(reference, "decision"),
                )
            )
    return due


LEAD_KINDS = frozenset({ReminderKind.HANDOVER_ESCALATION, ReminderKind.DECISION_OVERDUE})


def portfolio_lead_ids() -> list[int]:
    """The active portfolio leads, who hear of escalations and overdue decisions."""
    return list(
        get_user_model()
        .objects.filter(is_active=True, groups__name=PORTFOLIO_LEADS_GROUP)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def reminders_due(
    day: date, *, pilot_id: int | None = None, kinds: Iterable[str] | None = None
) -> list[Due]:
    """Every reminder due on ``day``, less muted kinds and deactivated recipients.

    A fixed number of queries whatever the number of pilots. ``pilot_id`` and
    ``kinds`` narrow it (a delivery re-checks its own reminder this way).
    """
    wanted = set(kinds) if kinds is not None else set(ReminderKind.values)
    links = PilotLinks()
    User = get_user_model()
    # Only two rules write to leads; a delivery re-checking another kind skips the query.
    leads = portfolio_lead_ids() if wanted & LEAD_KINDS else []
    due: list[Due] = []
    if wanted & {ReminderKind.HANDOVER_UNPLANNED, ReminderKind.HANDOVER_ESCALATION}:
        due += _handover(day, links, leads, pilot_id)
    if ReminderKind.TASK_OVERDUE in wanted:
        due += _tasks_overdue(day, links, pilot_id)
    if ReminderKind.METRIC_STALE in wanted:
        due += _metric_stale(day, links, pilot_id)
    if ReminderKind.OWNERSHIP_PENDING in wanted:
        due += _ownership_pending(day, links, pilot_id)
    if ReminderKind.DECISION_OVERDUE in wanted:
        due += _decision_overdue(day, links, leads, pilot_id)

    muted = set(ReminderMute.objects.values_list("user_id", "kind"))
    inactive = set(User.objects.filter(is_active=False).values_list("pk", flat=True))
    kept: dict[tuple[int, str, int], Due] = {}
    for item in due:
        if (
            item.kind in wanted
            and item.recipient_id not in inactive
            and (item.recipient_id, item.kind) not in muted
        ):
            kept.setdefault(item.key, item)  # one per key (a sponsor who is also a lead)
    return list(kept.values())
