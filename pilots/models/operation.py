"""The operating phase: value reviews after graduation, and their sign-offs.

Both are history, written once (append-only): the business owner records a
review (``pilots.services.operation.value_review_record``); the sponsor and an
independent portfolio lead each sign it off or refuse it with a reason
(``value_review_sign``). A refused review is answered by a new one for the same
due day. Whether a review is due, overdue or done is ``pilots.rules.value_review_owed``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from pilots.enums import SignOffDecision, SignOffRole, ValueReviewProposal
from pilots.models.history import AppendOnly
from pilots.models.pilot import Pilot

User = settings.AUTH_USER_MODEL

NARRATIVE_MAX = 2000


class ValueReview(AppendOnly):
    """A post-implementation review of a graduated pilot, by its business owner.

    ``due_day``: the review's day after graduation (90, 180, 365 by default);
    ``due_on``: that day's date, kept as it was when the review was recorded.
    """

    pilot = models.ForeignKey(Pilot, on_delete=models.PROTECT, related_name="value_reviews")
    due_day = models.PositiveSmallIntegerField(help_text="Days after graduation it was due.")
    due_on = models.DateField(help_text="The day it was due.")
    metric_value = models.DecimalField(
        "metric level",
        max_digits=18,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="The primary metric's level now (the latest reading by default).",
    )
    still_used = models.BooleanField(help_text="Is the system still used in the business?")
    worth_cost = models.BooleanField(help_text="Is it still worth its run cost?")
    narrative = models.TextField(
        max_length=NARRATIVE_MAX, help_text="The value realised, in the owner's words."
    )
    proposal = models.CharField(max_length=10, choices=ValueReviewProposal.choices)
    lessons_learned = models.TextField(
        blank=True, help_text="Retire only: what the organisation learned from running it."
    )
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pilot", "-recorded_at", "-id"]
        get_latest_by = "recorded_at"
        constraints = [
            models.CheckConstraint(
                condition=Q(proposal__in=ValueReviewProposal.values),
                name="value_review_proposal_valid",
            ),
            models.CheckConstraint(condition=~Q(narrative=""), name="value_review_has_narrative"),
            models.CheckConstraint(
                condition=~Q(proposal=ValueReviewProposal.RETIRE) | ~Q(lessons_learned=""),
                name="value_review_retire_has_lessons",
                violation_error_message="Retiring needs the lessons learned.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pilot}: {self.due_day}-day value review"


class ValueReviewSignOff(AppendOnly):
    """The sponsor's or a portfolio lead's sign-off of a value review (or refusal, why)."""

    review = models.ForeignKey(ValueReview, on_delete=models.PROTECT, related_name="signoffs")
    role = models.CharField(max_length=10, choices=SignOffRole.choices)
    decision = models.CharField(max_length=10, choices=SignOffDecision.choices)
    reason = models.TextField(blank=True)
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["review", "at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "role"], name="value_signoff_once_per_role"),
            models.CheckConstraint(
                condition=Q(role__in=SignOffRole.values), name="value_signoff_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(decision__in=SignOffDecision.values),
                name="value_signoff_decision_valid",
            ),
            models.CheckConstraint(
                condition=~Q(decision=SignOffDecision.REFUSE) | ~Q(reason=""),
                name="value_signoff_refusal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.review}: {self.get_role_display()} {self.get_decision_display().lower()}"
