"""Reminders of the operating phase: a value review owed, and one waiting for sign-off.

Registered in ``pilots.reminders.rules.KINDS``; each finder narrows with one query and
asks ``pilots.rules`` (``value_review_owed``, ``value_review_signoff_late``) whether
each candidate is due, as the pilot page and the scorecard's ``VALUE_REVIEW_DUE`` do.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from pilots import rules
from pilots.enums import (
    OwnershipStatus,
    ReminderKind,
    SignOffDecision,
    SignOffRole,
    Stage,
)
from pilots.frame import formats
from pilots.models import GateDecision, Pilot, ValueReview, ValueReviewSignOff
from pilots.reminders.due import LOCAL, Due, Sweep
from pilots.selectors.operation import signed_through_subquery


def _answered(role: str) -> Exists:
    return Exists(ValueReviewSignOff.objects.filter(review=OuterRef("pk"), role=role))


def _refused() -> Exists:
    return Exists(
        ValueReviewSignOff.objects.filter(review=OuterRef("pk"), decision=SignOffDecision.REFUSE)
    )


def _waiting() -> Q:
    """A review neither refused nor answered by both signers."""
    return ~Q(_refused()) & ~(Q(_answered(SignOffRole.SPONSOR)) & Q(_answered(SignOffRole.LEAD)))


def value_review_due(sweep: Sweep) -> list[Due]:
    """A graduated pilot's value review owed (due or overdue) and not recorded: to its
    accepted business owner. A recorded review waiting for sign-off is the signers'."""
    day = sweep.day
    graduated_at = GateDecision.objects.filter(
        pilot=OuterRef("pk"), to_stage=Stage.GRADUATED
    ).order_by("-decided_at")
    waiting = (
        ValueReview.objects.filter(pilot=OuterRef("pk"))
        .filter(_waiting())
        .order_by("-recorded_at", "-pk")
    )
    rows = (
        sweep.scope(Pilot.objects.all(), "pk")
        .filter(
            stage=Stage.GRADUATED,
            operation_ended_on__isnull=True,
            owner_status=OwnershipStatus.ACCEPTED,
        )
        .annotate(
            graduated_at=Subquery(graduated_at.values("decided_at")[:1]),
            signed_through=Subquery(signed_through_subquery()),
            waiting_day=Subquery(waiting.values("due_day")[:1]),
        )
        .values_list("pk", "reference", "owner_id", "graduated_at", "signed_through", "waiting_day")
        .order_by("pk")
    )
    due = []
    for pk, reference, owner, graduated_at_, signed_through, waiting_day in rows:
        if graduated_at_ is None:
            continue
        owed = rules.value_review_owed(
            stage=Stage.GRADUATED,
            graduated_on=timezone.localdate(graduated_at_, LOCAL()),
            operation_ended_on=None,
            signed_through=signed_through,
            today=day,
            rules=sweep.rules,
        )
        if owed is None or waiting_day == owed.due_day:
            continue
        overdue = owed.overdue(day)
        due.append(
            Due(
                pk,
                ReminderKind.VALUE_REVIEW_DUE,
                owner,
                f"The {owed.due_day}-day value review of {reference} was due on "
                f"{formats.day(owed.due_on)}"
                + (f" and is overdue since {formats.day(owed.overdue_on)}." if overdue else "."),
                "Record the value review: the metric's level, whether the system is still "
                "used and worth its cost, and your proposal to sustain, improve or retire it.",
                sweep.links.detail(reference, "operation"),
            )
        )
    return due


def value_review_signoff(sweep: Sweep) -> list[Due]:
    """A recorded value review waiting for a sign-off more than the grace days: to the
    sponsor if it has not answered, to the independent leads if no lead has."""
    day = sweep.day
    latest = ValueReview.objects.filter(pilot=OuterRef("pilot_id")).order_by("-recorded_at", "-pk")
    rows = (
        sweep.scope(ValueReview.objects.all(), "pilot_id")
        .filter(
            _waiting(),
            pilot__stage=Stage.GRADUATED,
            pilot__operation_ended_on__isnull=True,
            pk=Subquery(latest.values("pk")[:1]),
        )
        .annotate(
            sponsor_answered=_answered(SignOffRole.SPONSOR),
            lead_answered=_answered(SignOffRole.LEAD),
        )
        .values_list(
            "pilot_id",
            "pilot__reference",
            "due_day",
            "recorded_at",
            "sponsor_answered",
            "lead_answered",
            "pilot__sponsor_id",
            "pilot__owner_id",
            "pilot__owner_status",
        )
        .order_by("pilot_id")
    )
    due = []
    for row in rows:
        pk, reference, due_day, recorded_at, sponsor_answered, lead_answered = row[:6]
        sponsor, owner, owner_status = row[6:]
        recorded_on = timezone.localdate(recorded_at, LOCAL())
        if not rules.value_review_signoff_late(
            recorded_on=recorded_on, today=day, rules=sweep.rules
        ):
            continue
        reason = (
            f"The {due_day}-day value review of {reference}, recorded on "
            f"{formats.day(recorded_on)}, waits for your sign-off."
        )
        action = "Read the review, then sign it off or refuse it with a reason."
        link = sweep.links.detail(reference, "operation")
        recipients = [] if sponsor_answered else [sponsor]
        if not lead_answered:
            recipients += sweep.deciding_leads(
                sponsor=sponsor, owner=owner, owner_status=owner_status
            )
        for recipient in recipients:
            due.append(Due(pk, ReminderKind.VALUE_REVIEW_SIGNOFF, recipient, reason, action, link))
    return due
