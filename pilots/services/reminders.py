"""Reminders: who must hear about what on a given day, told exactly once.

The rules (``PRODUCT.md``, "Reminders"), each evaluated for one local day:

=====================  ==========================================  =========================
kind                   due when                                    to
=====================  ==========================================  =========================
handover_unplanned     window opens within lead days, or is open,  business owner (once
                       and the pilot has no knowledge-transfer     accepted), sponsor
                       tasks (approved or running)
handover_escalation    the same, escalation days into the window   portfolio leads
task_overdue           a task not done, due date + grace passed    assignee, business owner
metric_stale           the primary metric has no reading within    business owner
                       its cadence + grace (running, or graduated
                       in the last 12 months)
ownership_pending      nominated owner silent for N local days     nominee, sponsor
decision_overdue       running, end date + grace passed            sponsor, portfolio leads
=====================  ==========================================  =========================

How a sweep delivers exactly once:

1. ``reminders_due`` finds every (pilot, kind, recipient) due on the day with a
   fixed number of queries, whatever the size of the portfolio (one per rule,
   plus leads, mutes and deactivated accounts).
2. ``reminders_sweep`` inserts them for the period (the ISO week) with
   ``ON CONFLICT DO NOTHING`` against the unique constraint, tagged with this
   sweep's id, and reads back only the rows this sweep inserted. A second sweep
   of the same week (beat twice, a retry, an operator's catch-up) inserts
   nothing and so sends nothing.
3. Each new row is emailed by ``reminder_deliver``, which first *claims* it with
   a conditional ``UPDATE … WHERE status = 'pending'``: of two deliveries of
   the same reminder only one claims it. No lock is held while SMTP talks. An
   SMTP failure releases the claim for a retry; a worker killed mid-send
   leaves a stale claim that ``reminders_redeliver`` re-queues later.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from smtplib import SMTPException
from typing import Literal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from pilots import formats, timeline
from pilots.enums import (
    PORTFOLIO_LEADS_GROUP,
    Cadence,
    MetricKind,
    OwnershipStatus,
    ReminderKind,
    ReminderStatus,
    Stage,
    TaskStatus,
)
from pilots.links import PilotLinks
from pilots.models import (
    GateDecision,
    KnowledgeTransferTask,
    Metric,
    MetricReading,
    Pilot,
    Reminder,
    ReminderMute,
)
from pilots.permissions import AnyUser

log = logging.getLogger(__name__)

# Every day of these rules is a day in the deployment's zone (TIME_ZONE), never
# whatever zone a request may have activated.
LOCAL = timezone.get_default_timezone


# A claim older than this is abandoned (its worker died): longer than the
# delivery task's hard time limit (``pilots.tasks``), so a live send is never
# claimed twice.
CLAIM_TIMEOUT = timedelta(minutes=5)
# A reminder still not emailed this long after its last attempt is re-queued
# by ``reminders_redeliver``: longer than the longest retry countdown.
REDELIVER_AFTER = timedelta(minutes=30)
# Attempts to email one reminder before it is marked failed.
MAX_ATTEMPTS = 6


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


def period_of(day: date) -> str:
    """The period a reminder is sent at most once in: the ISO week (``2026-W48``)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


REASON_LENGTH = Reminder._meta.get_field("reason").max_length


def _fit(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


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


# --- The sweep ---------------------------------------------------------------------------


@dataclass
class SweepResult:
    day: date
    period: str
    due: int
    dry_run: bool
    # Reminders this sweep recorded (or, in a dry run, would record).
    new: list[Due] = field(default_factory=list)
    reminder_ids: list[int] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)


Delivery = Literal["queue", "inline"]


def reminders_sweep(
    *, day: date | None = None, dry_run: bool = False, deliver: Delivery = "queue"
) -> SweepResult:
    """Record the reminders due on ``day`` (default: today, local) and deliver the new ones.

    ``deliver="queue"`` hands each new reminder to a Celery task after commit
    (beat's daily run); ``"inline"`` emails them in this process (the
    management command: works with no worker running). A dry run writes
    nothing and reports what a real run would record.
    """
    day = day or timezone.localdate(timezone=LOCAL())
    period = period_of(day)
    due = reminders_due(day)
    result = SweepResult(day=day, period=period, due=len(due), dry_run=dry_run)
    # Most days of a week re-find what Monday recorded: leave those out before
    # inserting. ON CONFLICT below still settles two sweeps racing each other.
    recorded = set(
        Reminder.objects.filter(period=period).values_list("pilot_id", "kind", "recipient_id")
    )
    due = sorted((item for item in due if item.key not in recorded), key=lambda item: item.key)
    if dry_run or not due:
        result.new = due if dry_run else []
        if deliver == "inline" and not dry_run:
            _deliver_inline(result)
        return result

    with transaction.atomic():
        by_key = {item.key: item for item in due}
        for pk, *key in _record(due, period=period, day=day):
            result.reminder_ids.append(pk)
            result.new.append(by_key[tuple(key)])
        if deliver == "queue" and result.reminder_ids:
            ids = list(result.reminder_ids)
            transaction.on_commit(lambda: enqueue_deliveries(ids), robust=True)
    log.info(
        "reminder sweep %s (%s): %d due, %d new", day, period, result.due, len(result.reminder_ids)
    )
    if deliver == "inline":
        _deliver_inline(result)
    return result


def _record(due: list[Due], *, period: str, day: date) -> list[tuple[int, int, str, int]]:
    """Insert the reminders, skipping any already recorded; return the rows *this* call inserted.

    On PostgreSQL one ``INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING
    RETURNING``: the conflict decides, and RETURNING names only our rows. Elsewhere
    (SQLite, for development) ``bulk_create(ignore_conflicts=True)`` with a sweep id
    on every row, then a read of the rows carrying it.
    """
    sweep = uuid.uuid4()
    now = timezone.now()
    # Texts fit their columns whatever the names and titles in them.
    due = [
        Due(
            item.pilot_id,
            item.kind,
            item.recipient_id,
            _fit(item.reason, REASON_LENGTH),
            _fit(item.action, REASON_LENGTH),
            item.link[:REASON_LENGTH],
        )
        for item in due
    ]
    if connection.vendor == "postgresql":
        meta = Reminder._meta
        column = {f.name: connection.ops.quote_name(f.column) for f in meta.concrete_fields}
        per_row = ("pilot", "kind", "recipient", "reason", "action", "link")
        per_sweep = ("period", "day", "sweep", "created_at", "status", "attempts", "last_error")
        table = connection.ops.quote_name(meta.db_table)
        names = ", ".join(column[name] for name in (*per_row, *per_sweep))
        constants = ", ".join(["%s"] * len(per_sweep))
        returning = ", ".join(column[name] for name in ("id", "pilot", "kind", "recipient"))
        arrays = "%s::bigint[], %s::text[], %s::bigint[], %s::text[], %s::text[], %s::text[]"
        # Only the model's own quoted table and column names are formatted in.
        sql = (
            f"INSERT INTO {table} ({names}) SELECT t.*, {constants} "  # noqa: S608
            f"FROM unnest({arrays}) AS t ON CONFLICT DO NOTHING RETURNING {returning}"
        )
        columns = list(
            zip(
                *((d.pilot_id, d.kind, d.recipient_id, d.reason, d.action, d.link) for d in due),
                strict=True,
            )
        )
        params = [period, day, sweep, now, ReminderStatus.PENDING.value, 0, "", *map(list, columns)]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return sorted(cursor.fetchall())
    Reminder.objects.bulk_create(
        [
            Reminder(
                pilot_id=item.pilot_id,
                kind=item.kind,
                recipient_id=item.recipient_id,
                period=period,
                day=day,
                sweep=sweep,
                reason=item.reason,
                action=item.action,
                link=item.link,
                created_at=now,
            )
            for item in due
        ],
        ignore_conflicts=True,
    )
    return list(
        Reminder.objects.filter(sweep=sweep)
        .order_by("pk")
        .values_list("pk", "pilot_id", "kind", "recipient_id")
    )


def enqueue_deliveries(reminder_ids: list[int]) -> None:
    """One delivery task per reminder (after the sweep's commit, and on redelivery)."""
    from pilots.tasks import reminder_deliver as deliver_task  # tasks import this module

    for reminder_id in reminder_ids:
        deliver_task.delay(reminder_id=reminder_id)


def _deliver_inline(result: SweepResult) -> None:
    """Email this sweep's new reminders here, then the week's earlier ones still unsent.

    The second part is the catch-up after an outage: reminders recorded earlier
    this week whose email failed, or whose task was lost, go out now (the claim
    keeps each to one email even if a worker is on it too). One reminder's
    error never stops the others.
    """
    earlier = (
        Reminder.objects.filter(period=result.period)
        .filter(
            Q(status=ReminderStatus.PENDING)
            | Q(status=ReminderStatus.SENDING, claimed_at__lt=timezone.now() - CLAIM_TIMEOUT)
        )
        .exclude(pk__in=result.reminder_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for reminder_id in [*result.reminder_ids, *earlier]:
        try:
            outcome = reminder_deliver(reminder_id=reminder_id)
        except DeliveryFailed as exc:
            log.warning("reminder %s: email failed (%s)", reminder_id, exc)
            outcome = ReminderStatus.FAILED if exc.final else "retry"
        except Exception:  # one broken reminder must not hold back the rest
            log.exception("reminder %s: delivery failed", reminder_id)
            outcome = "error"
        result.outcomes[outcome] = result.outcomes.get(outcome, 0) + 1


# --- Delivery ----------------------------------------------------------------------------


class DeliveryFailed(Exception):
    """The email could not be handed to the mail server.

    ``final``: that was the last attempt and the reminder is now failed;
    otherwise it is pending again and ``attempts`` tells how many were made.
    """

    def __init__(self, message: str, *, attempts: int, final: bool) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.final = final


def reminder_deliver(*, reminder_id: int) -> str:
    """Email one recorded reminder unless another delivery has it; return the outcome.

    Outcomes: ``emailed``, ``in_app`` (the recipient has no email address),
    ``cancelled`` (the cause was fixed, or the kind muted, before it went
    out) or ``skipped`` (already delivered, or being delivered, elsewhere).
    Raises ``DeliveryFailed`` when the mail server refused or could not be
    reached: the reminder is then pending again, or failed after
    ``MAX_ATTEMPTS`` attempts however they were queued.
    """
    now = timezone.now()
    claimed = (
        Reminder.objects.filter(pk=reminder_id)
        .filter(
            Q(status=ReminderStatus.PENDING)
            | Q(status=ReminderStatus.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT)
        )
        .update(status=ReminderStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return "skipped"
    reminder = Reminder.objects.select_related("pilot", "recipient").get(pk=reminder_id)
    mine = Reminder.objects.filter(pk=reminder_id, status=ReminderStatus.SENDING, claimed_at=now)

    still_due = {
        item.key
        for item in reminders_due(reminder.day, pilot_id=reminder.pilot_id, kinds=[reminder.kind])
    }
    if (reminder.pilot_id, reminder.kind, reminder.recipient_id) not in still_due:
        mine.update(status=ReminderStatus.CANCELLED)
        return ReminderStatus.CANCELLED
    if not reminder.recipient.email:
        mine.update(status=ReminderStatus.IN_APP)
        return ReminderStatus.IN_APP

    message = reminder_email(reminder)
    server = get_connection()  # timeouts: EMAIL_TIMEOUT, well inside the task's time limit
    try:
        server.open()
        server.send_messages([message])
    except (SMTPException, OSError) as exc:
        _close_quietly(server)
        final = reminder.attempts >= MAX_ATTEMPTS
        mine.update(
            status=ReminderStatus.FAILED if final else ReminderStatus.PENDING,
            last_error=f"{type(exc).__name__}: {exc}"[:500],
        )
        raise DeliveryFailed(str(exc), attempts=reminder.attempts, final=final) from exc
    mine.update(status=ReminderStatus.EMAILED, emailed_at=timezone.now(), last_error="")
    # The server has accepted the message: an error while saying goodbye is not a
    # failed delivery, and must not lead to a second email.
    _close_quietly(server)
    return ReminderStatus.EMAILED


def _close_quietly(server) -> None:
    try:
        server.close()
    except (SMTPException, OSError) as exc:
        log.warning("closing the mail connection failed after delivery: %s", exc)


def reminders_redeliver(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Release reminders whose delivery was lost (never queued, worker killed); return their ids.

    Stuck means pending or sending, untouched for ``REDELIVER_AFTER`` (longer than
    any retry countdown and any task's time limit). Those out of attempts are
    marked failed; the others are set pending and stamped, so the next run does
    not queue them again while their new task is on its way.
    """
    now = now or timezone.now()
    cut = now - REDELIVER_AFTER
    stuck = Q(status__in=[ReminderStatus.PENDING, ReminderStatus.SENDING]) & (
        Q(claimed_at__lt=cut) | Q(claimed_at__isnull=True, created_at__lt=cut)
    )
    Reminder.objects.filter(stuck, attempts__gte=MAX_ATTEMPTS).update(
        status=ReminderStatus.FAILED, last_error="Gave up: no delivery after repeated attempts."
    )
    batch = Reminder.objects.filter(stuck).order_by("pk").values("pk")[:limit]
    # Conditional on still being stuck: a row a worker claims meanwhile is left alone.
    Reminder.objects.filter(stuck, pk__in=Subquery(batch)).update(
        status=ReminderStatus.PENDING, claimed_at=now
    )
    return list(
        Reminder.objects.filter(status=ReminderStatus.PENDING, claimed_at=now)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def reminder_email(reminder: Reminder) -> EmailMultiAlternatives:
    """The email: plain text and HTML, the pilot, the reason, what to do and a direct link."""
    pilot = reminder.pilot
    context = {
        "reminder": reminder,
        "pilot": pilot,
        "recipient": reminder.recipient,
        "url": settings.SITE_URL + reminder.link,
        "profile_url": settings.SITE_URL + reverse("pilots:profile"),
        "mutable": reminder.kind in ReminderKind.MUTABLE,
    }
    subject = f"{pilot.reference} {pilot.title}: {reminder.get_kind_display()}"
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split())[:200],
        body=render_to_string("emails/reminder.txt", context),
        to=[reminder.recipient.email],
    )
    message.attach_alternative(render_to_string("emails/reminder.html", context), "text/html")
    return message


# --- The inbox and muting -----------------------------------------------------------------


def reminder_mark_read(*, user: AnyUser, reminder_id: int) -> bool:
    """Mark one of the user's own reminders read; False if it is not theirs (or already read)."""
    return bool(
        Reminder.objects.filter(pk=reminder_id, recipient_id=user.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    )


def reminders_mark_all_read(*, user: AnyUser) -> int:
    """Mark every unread reminder in the user's inbox read; return how many."""
    return (
        Reminder.objects.filter(recipient_id=user.pk, read_at__isnull=True)
        .exclude(status=ReminderStatus.CANCELLED)
        .update(read_at=timezone.now())
    )


def reminder_mutes_set(*, user: AnyUser, kinds: Iterable[str]) -> set[str]:
    """Replace the user's muted kinds; only non-critical kinds may be muted."""
    kinds = set(kinds)
    refused = kinds - ReminderKind.MUTABLE
    if refused:
        labels = ", ".join(
            sorted(ReminderKind(k).label if k in ReminderKind.values else k for k in refused)
        )
        raise ValidationError({"kinds": f"These reminders cannot be muted: {labels}."})
    with transaction.atomic():
        ReminderMute.objects.filter(user_id=user.pk).exclude(kind__in=kinds).delete()
        ReminderMute.objects.bulk_create(
            [ReminderMute(user_id=user.pk, kind=kind) for kind in sorted(kinds)],
            ignore_conflicts=True,
        )
    return kinds
