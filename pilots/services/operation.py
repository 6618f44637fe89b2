"""The operating phase: value reviews after graduation, their sign-offs, and retirement.

A graduated pilot is *in operation* (``pilots.rules.in_operation``) for the operation
months after its graduation. At each review day (90, 180, 365 days by default:
``PILOTGATE_VALUE_REVIEW_DAYS``) its business owner records a **value review**
(``value_review_record``): the primary metric's level, whether the system is still
used and still worth its cost, a narrative, and a proposal to sustain, improve or
retire it (retire needs the lessons learned, like a stop). The sponsor and an
independent portfolio lead (neither the sponsor nor the business owner) each sign it
off or refuse it with a reason (``value_review_sign``); a refused review is recorded
again. A review proposing "retire", once signed off by both, ends the operation:
``Pilot.operation_ended_on`` and ``operation_end_reason`` are set, in the same
transaction. Which review is owed is ``pilots.rules.value_review_owed``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from pilots import rules
from pilots.enums import (
    LessonOccasion,
    MetricKind,
    OwnershipStatus,
    ReminderKind,
    SignOffDecision,
    SignOffRole,
    Stage,
    ValueReviewProposal,
)
from pilots.errors import MissingItem, NotAllowed, TransitionRefused
from pilots.frame import formats
from pilots.models import (
    GateDecision,
    MetricReading,
    Pilot,
    PilotEvent,
    ValueReview,
    ValueReviewSignOff,
)
from pilots.permissions import Role, independent_decision_refusal, pilot_roles
from pilots.services.access import lock_pilot
from pilots.services.audit import event_record, plain
from pilots.services.lessons import LessonWords, record_lesson
from pilots.services.notifications import event_notify, portfolio_lead_ids
from pilots.services.settings import rule_settings

RECORD_ACTION = "record the value review"
SIGN_ACTION = "sign off the value review"
OWNER_RULE = "Only the pilot's accepted business owner records its value reviews."
SPONSOR_RULE = "Only the pilot's sponsor signs a value review off as sponsor."


# --- Reads the rules of the reviews decide on (re-exported by the selectors) ---------


def graduation_day(pilot: Pilot) -> date | None:
    """The local day a graduated pilot graduated (``closed_at`` of ``pilot_list``, else a
    query)."""
    if pilot.stage != Stage.GRADUATED:
        return None
    if hasattr(pilot, "closed_at"):
        at = pilot.closed_at
    else:
        at = (
            GateDecision.objects.filter(pilot=pilot, to_stage=Stage.GRADUATED)
            .order_by("-decided_at")
            .values_list("decided_at", flat=True)
            .first()
        )
    return timezone.localdate(at) if at else None


def _signed(role: str) -> Exists:
    return Exists(
        ValueReviewSignOff.objects.filter(
            review=OuterRef("pk"), role=role, decision=SignOffDecision.SIGN
        )
    )


def signed_reviews() -> QuerySet[ValueReview]:
    """Reviews signed off by both the sponsor and a lead (the filter, for any pilot)."""
    return ValueReview.objects.filter(_signed(SignOffRole.SPONSOR), _signed(SignOffRole.LEAD))


def signed_through_subquery() -> QuerySet[ValueReview, Any]:
    """The latest review day signed off, per pilot (``OuterRef("pk")``): an annotation."""
    return signed_reviews().filter(pilot=OuterRef("pk")).order_by("-due_day").values("due_day")[:1]


def signed_through(pilot: Pilot) -> int | None:
    """The latest review day of the pilot whose review is signed off (one query)."""
    return (
        signed_reviews()
        .filter(pilot=pilot)
        .order_by("-due_day")
        .values_list("due_day", flat=True)
        .first()
    )


def review_signed(review: ValueReview, signoffs: list[ValueReviewSignOff] | None = None) -> bool:
    """Signed off by the sponsor and a lead, neither refusing (its sign-offs: those given,
    else the review's, prefetched or read)."""
    answers = {
        s.role: s.decision for s in (review.signoffs.all() if signoffs is None else signoffs)
    }
    return answers.get(SignOffRole.SPONSOR) == SignOffDecision.SIGN and (
        answers.get(SignOffRole.LEAD) == SignOffDecision.SIGN
    )


def review_refused(review: ValueReview) -> bool:
    return any(s.decision == SignOffDecision.REFUSE for s in review.signoffs.all())


def value_reviews(pilot: Pilot) -> list[ValueReview]:
    """The pilot's value reviews, newest first, with their sign-offs and people (2 queries)."""
    return list(value_reviews_queryset(pilot))


def value_reviews_queryset(pilot: Pilot) -> QuerySet[ValueReview]:
    return (
        ValueReview.objects.filter(pilot=pilot)
        .select_related("recorded_by")
        .prefetch_related(
            Prefetch(
                "signoffs",
                queryset=ValueReviewSignOff.objects.select_related("by").order_by("at", "pk"),
            )
        )
        .order_by("-recorded_at", "-pk")
    )


def open_review(pilot: Pilot, reviews: list[ValueReview] | None = None) -> ValueReview | None:
    """The latest review when it still waits for a sign-off (not signed, not refused)."""
    reviews = value_reviews(pilot) if reviews is None else reviews
    latest = reviews[0] if reviews else None
    if latest is None or review_signed(latest) or review_refused(latest):
        return None
    return latest


# --- Writes ----------------------------------------------------------------------------


def owed_review(pilot: Pilot, *, today: date) -> rules.ValueReviewSlot | None:
    """The value review owed today by the pilot (``rules.value_review_owed``)."""
    return rules.value_review_owed(
        stage=pilot.stage,
        graduated_on=graduation_day(pilot),
        operation_ended_on=pilot.operation_ended_on,
        signed_through=signed_through(pilot),
        today=today,
        rules=rule_settings(),
    )


def _record_items(
    pilot: Pilot, today: date
) -> tuple[rules.ValueReviewSlot | None, list[MissingItem]]:
    if pilot.stage != Stage.GRADUATED:
        return None, [
            MissingItem(
                "stage",
                f"The pilot is {pilot.get_stage_display().lower()}; only a graduated pilot "
                "has value reviews.",
                "operation",
            )
        ]
    if pilot.operation_ended_on is not None:
        return None, [
            MissingItem(
                "operation_ended",
                f"The system was retired on {formats.day(pilot.operation_ended_on)}: its "
                "operation has ended.",
                "operation",
            )
        ]
    slot = owed_review(pilot, today=today)
    if slot is None:
        return None, [
            MissingItem(
                "not_due",
                "No value review is due today: the next is recorded from its due date.",
                "operation",
            )
        ]
    waiting = open_review(pilot)
    if waiting is not None and waiting.due_day == slot.due_day:
        return slot, [
            MissingItem(
                "waiting_for_signoff",
                f"The {slot.due_day}-day review recorded on "
                f"{formats.day(timezone.localdate(waiting.recorded_at))} waits for its "
                "sign-offs; it is recorded again only if it is refused.",
                "operation",
            )
        ]
    return slot, []


def _clean_review(
    *,
    narrative: str,
    proposal: str,
    lessons_learned: str,
    still_used: object,
    worth_cost: object,
    lessons_field: str = "lessons_learned",
) -> None:
    errors: dict[str, str] = {}
    if proposal not in ValueReviewProposal.values:
        errors["proposal"] = "Choose sustain, improve or retire."
    if not narrative.strip():
        errors["narrative"] = "Write the value realised, in a few sentences."
    if not isinstance(still_used, bool):
        errors["still_used"] = "Say whether the system is still used."
    if not isinstance(worth_cost, bool):
        errors["worth_cost"] = "Say whether it is still worth its cost."
    if proposal == ValueReviewProposal.RETIRE and not lessons_learned.strip():
        errors[lessons_field] = "Retiring needs the lessons learned."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def value_review_record(
    *,
    pilot: Pilot,
    by: User,
    still_used: bool,
    worth_cost: bool,
    narrative: str,
    proposal: str,
    metric_value: Decimal | None = None,
    lessons_learned: str = "",
    lesson: LessonWords | None = None,
    today: date | None = None,
) -> ValueReview:
    """The business owner's value review for the review day owed today.

    Its lesson goes to the lessons library (occasion "value review") in this
    transaction: ``lesson``, the structured one the web form asks, or else the
    ``lessons_learned`` text (the API's) as what failed. Optional, except to
    retire, which needs the lessons learned as a stop does.

    403 (``NotAllowed``) unless the accepted business owner; ``ValidationError`` for
    what was written; ``TransitionRefused`` when no review is owed (not graduated,
    retired, not due yet) or the owed one already waits for its sign-offs.
    ``metric_value`` defaults to the primary metric's latest reading.
    """
    today = today or timezone.localdate()
    lock_pilot(pilot)
    if Role.OWNER not in pilot_roles(by, pilot):
        raise NotAllowed(OWNER_RULE)
    words = lesson if lesson is not None and not lesson.is_blank else None
    if words is None and lessons_learned.strip():
        words = LessonWords(what_failed=lessons_learned.strip())
    lessons_learned = lessons_learned.strip() or (words.as_text() if words else "")
    _clean_review(
        narrative=narrative,
        proposal=proposal,
        lessons_learned=lessons_learned,
        still_used=still_used,
        worth_cost=worth_cost,
        lessons_field="lessons_learned" if lesson is None else "what_worked",
    )
    slot, missing = _record_items(pilot, today)
    if missing or slot is None:
        raise TransitionRefused(RECORD_ACTION, missing)
    if metric_value is None:
        metric_value = latest_primary_value(pilot)
    review = ValueReview(
        pilot=pilot,
        due_day=slot.due_day,
        due_on=slot.due_on,
        metric_value=metric_value,
        still_used=still_used,
        worth_cost=worth_cost,
        narrative=narrative.strip(),
        proposal=proposal,
        lessons_learned=lessons_learned.strip() if proposal == ValueReviewProposal.RETIRE else "",
        recorded_by=by,
    )
    review.full_clean()
    review.save()
    event = event_record(
        pilot=pilot,
        actor=by,
        action=PilotEvent.Action.VALUE_REVIEW_RECORDED,
        subject=f"{slot.due_day}-day value review: "
        f"{ValueReviewProposal(proposal).label.split(':')[0].lower()}",
        changes={
            "proposal": [None, proposal],
            "metric_value": [None, plain(metric_value)],
            "still_used": [None, still_used],
            "worth_cost": [None, worth_cost],
        },
        reason=narrative.strip(),
    )
    if words is not None:
        record_lesson(pilot=pilot, by=by, occasion=LessonOccasion.VALUE_REVIEW, words=words)
    event_notify(
        event=event,
        kind=ReminderKind.VALUE_REVIEW_RECORDED,
        to=signers_of(pilot),
    )
    return review


def latest_primary_value(pilot: Pilot) -> Decimal | None:
    """The primary metric's latest reading (one query), the review's default level."""
    return (
        MetricReading.objects.filter(metric__pilot=pilot, metric__kind=MetricKind.PRIMARY)
        .order_by("-observed_on", "-pk")
        .values_list("value", flat=True)
        .first()
    )


def signers_of(pilot: Pilot) -> list[int]:
    """Who signs a value review off: the sponsor, and the leads who are independent."""
    barred: set[int | None] = {pilot.sponsor_id}
    if pilot.owner_status in (OwnershipStatus.ACCEPTED, OwnershipStatus.PENDING):
        barred.add(pilot.owner_id)
    return [pilot.sponsor_id] + [lead for lead in portfolio_lead_ids() if lead not in barred]


SIGNER_RULE = (
    "Only the pilot's sponsor, or a portfolio lead who is neither its sponsor nor its "
    "business owner, signs its value reviews off."
)


def signoff_role_for(roles: frozenset[Role]) -> str | None:
    """As whom these roles sign a value review off: the sponsor as sponsor, an independent
    lead as lead; None for anyone else."""
    if Role.SPONSOR in roles:
        return SignOffRole.SPONSOR
    if signoff_refusal(roles, SignOffRole.LEAD) is None:
        return SignOffRole.LEAD
    return None


def signoff_refusal(roles: frozenset[Role], role: str) -> str | None:
    """None if these roles may sign a value review off as ``role``; else why not."""
    if role == SignOffRole.SPONSOR:
        return None if Role.SPONSOR in roles else SPONSOR_RULE
    return independent_decision_refusal(roles, "value_review")


@transaction.atomic
def value_review_sign(
    *,
    review: ValueReview,
    by: User,
    role: str,
    decision: str,
    reason: str = "",
    today: date | None = None,
) -> ValueReviewSignOff:
    """The sponsor's or an independent lead's sign-off of a recorded value review.

    ``decision``: sign, or refuse with a reason (the owner records the review again).
    A review proposing "retire" signed off by both ends the operation. 403 for the wrong
    person; ``ValidationError`` for the words; ``TransitionRefused`` when the review is
    no longer waiting (signed or refused already, or a newer review replaced it).
    """
    today = today or timezone.localdate()
    pilot = review.pilot
    lock_pilot(pilot)
    errors: dict[str, str] = {}
    if role not in SignOffRole.values:
        errors["role"] = "Sign as the sponsor or as a portfolio lead."
    if decision not in SignOffDecision.values:
        errors["decision"] = "Choose to sign it off or to refuse it."
    if decision == SignOffDecision.REFUSE and not reason.strip():
        errors["reason"] = "Say why you refuse it: the owner records the review again."
    if errors:
        raise ValidationError(errors)
    refusal = signoff_refusal(pilot_roles(by, pilot), role)
    if refusal:
        raise NotAllowed(refusal)
    missing = _sign_items(review, role)
    if missing:
        raise TransitionRefused(SIGN_ACTION, missing)
    signoff = ValueReviewSignOff(
        review=review, role=role, decision=decision, reason=reason.strip(), by=by
    )
    signoff.full_clean()
    signoff.save()
    label = SignOffRole(role).label.lower()
    signed = decision == SignOffDecision.SIGN
    event = event_record(
        pilot=pilot,
        actor=by,
        action=PilotEvent.Action.VALUE_REVIEW_SIGNED
        if signed
        else PilotEvent.Action.VALUE_REVIEW_REFUSED,
        subject=f"{review.due_day}-day value review "
        + (f"signed off by the {label}" if signed else f"refused by the {label}"),
        changes={f"{role}_signoff": [None, decision]},
        reason=reason.strip(),
    )
    owner = pilot.owner_id if pilot.owner_status == OwnershipStatus.ACCEPTED else None
    if not signed:
        event_notify(event=event, kind=ReminderKind.VALUE_REVIEW_REFUSED, to=[owner])
    elif review_signed(review, list(ValueReviewSignOff.objects.filter(review=review))):
        event_notify(
            event=event,
            kind=ReminderKind.VALUE_REVIEW_SIGNED,
            to=[owner, pilot.sponsor_id, pilot.operations_owner_id],
        )
        if review.proposal == ValueReviewProposal.RETIRE:
            _operation_end(pilot=pilot, review=review, by=by, today=today)
    return signoff


def _sign_items(review: ValueReview, role: str) -> list[MissingItem]:
    pilot = review.pilot
    if pilot.stage != Stage.GRADUATED or pilot.operation_ended_on is not None:
        return [
            MissingItem(
                "operation_ended",
                "The system is no longer in operation: its reviews are closed.",
                "operation",
            )
        ]
    latest = open_review(pilot)
    if latest is None or latest.pk != review.pk:
        return [
            MissingItem(
                "not_waiting",
                "This value review no longer waits for sign-off: it was signed off, "
                "refused, or recorded again.",
                "operation",
            )
        ]
    if ValueReviewSignOff.objects.filter(review=review, role=role).exists():
        return [
            MissingItem(
                "already_signed",
                f"The {SignOffRole(role).label.lower()} has answered this review already.",
                "operation",
            )
        ]
    return []


def _operation_end(*, pilot: Pilot, review: ValueReview, by: User, today: date) -> None:
    """A signed-off "retire" ends the operation, with the review's lessons learned."""
    previous = pilot.operation_ended_on
    pilot.operation_ended_on = today
    pilot.operation_end_reason = (
        f"Retired at the {review.due_day}-day value review: {review.narrative}"
    )
    pilot.full_clean()
    pilot.save(update_fields=["operation_ended_on", "operation_end_reason", "updated_at"])
    event_record(
        pilot=pilot,
        actor=by,
        action=PilotEvent.Action.OPERATION_ENDED,
        subject="Operation ended: the system is retired",
        changes={"operation_ended_on": [plain(previous), plain(today)]},
        reason=f"Lessons learned: {review.lessons_learned}",
    )
