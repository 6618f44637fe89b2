"""Reads of the operating phase: a graduated pilot's value reviews and its "In operation"
section (the metric since graduation against the level at graduation and the approved
target, the reviews and what is owed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404

from pilots import rules
from pilots.enums import MetricKind, SignOffDecision, SignOffRole, Stage
from pilots.models import (
    ContractSnapshot,
    Metric,
    MetricReading,
    Pilot,
    ValueReview,
    ValueReviewSignOff,
)
from pilots.selectors.pilots import graduated_on, rule_settings


def graduation_day(pilot: Pilot) -> date | None:
    """The local day the pilot graduated (``closed_at`` of ``pilot_list``, else a query)."""
    return graduated_on(pilot)


def _signed(role: str) -> Exists:
    return Exists(
        ValueReviewSignOff.objects.filter(
            review=OuterRef("pk"), role=role, decision=SignOffDecision.SIGN
        )
    )


def signed_reviews() -> QuerySet[ValueReview]:
    """Reviews signed off by both the sponsor and a lead (the filter, for any pilot)."""
    return ValueReview.objects.filter(_signed(SignOffRole.SPONSOR), _signed(SignOffRole.LEAD))


def signed_through_subquery() -> QuerySet[ValueReview]:
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


def value_review_of(pilot: Pilot, review_id: int) -> ValueReview:
    """One review of the pilot, with its sign-offs, or 404."""
    try:
        review = value_reviews_queryset(pilot).get(pk=review_id)
    except ValueReview.DoesNotExist:
        raise Http404("No such value review on this pilot.") from None
    review.pilot = pilot
    return review


@dataclass(frozen=True)
class Operation:
    """What the pilot page's "In operation" section shows."""

    graduated_on: date
    until: date  # the last day of the operation months
    ended_on: date | None  # retired early
    active: bool  # rules.in_operation today
    primary: Metric | None
    at_graduation: Decimal | None  # the primary's level at graduation (last reading by then)
    latest: Decimal | None  # its latest reading since graduation
    latest_on: date | None
    readings_since: int  # readings after graduation
    approved_target: object  # the approved contract's target for the primary, or None
    reviews: list[ValueReview]
    schedule: list[rules.ValueReviewSlot]
    owed: rules.ValueReviewSlot | None
    waiting: ValueReview | None  # recorded, waiting for its sign-offs
    overdue: bool

    @property
    def signed_days(self) -> set[int]:
        return {r.due_day for r in self.reviews if review_signed(r)}


def operation_of(pilot: Pilot, *, primary: Metric | None, today: date) -> Operation | None:
    """The "In operation" section of a graduated pilot (None otherwise): at most 5 queries
    (reviews, their sign-offs, the level at graduation, the readings since, the target)."""
    graduated = graduation_day(pilot)
    if pilot.stage != Stage.GRADUATED or graduated is None:
        return None
    settings_ = rule_settings()
    reviews = value_reviews(pilot)
    signed = [r.due_day for r in reviews if review_signed(r)]
    owed = rules.value_review_owed(
        stage=pilot.stage,
        graduated_on=graduated,
        operation_ended_on=pilot.operation_ended_on,
        signed_through=max(signed) if signed else None,
        today=today,
        rules=settings_,
    )
    at_graduation = latest = latest_on = None
    since = 0
    target = None
    if primary is not None and primary.kind == MetricKind.PRIMARY:
        at_graduation = (
            MetricReading.objects.filter(metric=primary, observed_on__lte=graduated)
            .order_by("-observed_on", "-pk")
            .values_list("value", flat=True)
            .first()
        )
        after = list(
            MetricReading.objects.filter(metric=primary, observed_on__gt=graduated)
            .order_by("-observed_on", "-pk")
            .values_list("observed_on", "value")
        )
        since = len(after)
        if after:
            latest_on, latest = after[0]
        snapshot = (
            ContractSnapshot.objects.filter(pilot=pilot).order_by("-version").values("data").first()
        )
        if snapshot:
            target = snapshot["data"].get(f"metric.{primary.pk}.target", {}).get("value")
    return Operation(
        graduated_on=graduated,
        until=rules.operation_until(graduated_on=graduated, rules=settings_),
        ended_on=pilot.operation_ended_on,
        active=rules.in_operation(
            stage=pilot.stage,
            graduated_on=graduated,
            operation_ended_on=pilot.operation_ended_on,
            today=today,
            rules=settings_,
        ),
        primary=primary,
        at_graduation=at_graduation,
        latest=latest,
        latest_on=latest_on,
        readings_since=since,
        approved_target=target,
        reviews=reviews,
        schedule=rules.value_review_schedule(graduated_on=graduated, rules=settings_),
        owed=owed,
        waiting=open_review(pilot, reviews),
        overdue=owed is not None and owed.overdue(today),
    )
