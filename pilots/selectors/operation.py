"""Reads of the operating phase: a graduated pilot's value reviews and its "In operation"
section (the metric since graduation against the level at graduation and the approved
target, the reviews and what is owed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.http import Http404

from pilots import rules
from pilots.enums import MetricKind, Stage
from pilots.models import (
    ContractSnapshot,
    Metric,
    MetricReading,
    Pilot,
    ValueReview,
)
from pilots.selectors.pilots import rule_settings
from pilots.services.operation import (
    graduation_day,
    open_review,
    review_refused,
    review_signed,
    signed_reviews,
    signed_through,
    signed_through_subquery,
    value_reviews,
    value_reviews_queryset,
)

# Read here by the pages, the API, the reminders and the scorecards; defined beside the
# service whose rules they decide (services may not import selectors).
__all__ = [
    "Operation",
    "graduation_day",
    "open_review",
    "operation_of",
    "review_refused",
    "review_signed",
    "signed_reviews",
    "signed_through",
    "signed_through_subquery",
    "value_review_of",
    "value_reviews",
    "value_reviews_queryset",
]


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
