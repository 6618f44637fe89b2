"""The leads' weekly portfolio digest: what the week changed and what waits for a decision.

Told by the rules that already decide it, read back from what they recorded
this week (no new rule here): risk worsened (the scorecards' notifications),
reviews, checkpoints and final decisions overdue (the sweep's reminders),
the proposed pilots in the review queue, and the gate decisions that
graduated or stopped a pilot. Four queries whatever the portfolio's size
(the review queue asks who the lead is). What waits for a decision leaves out the
pilots the lead sponsors or owns: an independent lead must decide those.
Recorded and delivered as a ``Digest`` of cadence ``portfolio``, one per
lead and ISO week, on Mondays at ``PILOTGATE_DIGEST_HOUR`` unless
``PILOTGATE_PORTFOLIO_DIGEST`` is off.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from pilots.enums import ReminderKind, Stage
from pilots.links import PilotLinks
from pilots.models import GateDecision, Pilot, Reminder
from pilots.selectors.pilots import review_queue

K = ReminderKind
# The reminders the week's digest reads back, by section.
SECTIONS = {
    K.RISK_WORSENED: "at_risk",
    K.REVIEW_OVERDUE: "reviews_overdue",
    K.CHECKPOINT_OVERDUE: "checkpoints_due",
    K.DECISION_OVERDUE: "decisions_due",
}
# The sections that ask the lead to decide: a lead who sponsors or owns the pilot may not
# (independent decisions), so it is left out of theirs; the news (risk, outcomes) is not.
DECIDING = frozenset({"reviews_overdue", "checkpoints_due", "decisions_due"})


def _own(pilot: Pilot, lead: User) -> bool:
    return lead.pk in (pilot.sponsor_id, pilot.owner_id)


@dataclass
class Line:
    pilot: Pilot
    text: str
    link: str


@dataclass
class PortfolioWeek:
    first_day: date
    last_day: date
    at_risk: list[Line] = field(default_factory=list)
    to_review: list[Line] = field(default_factory=list)
    reviews_overdue: list[Line] = field(default_factory=list)
    checkpoints_due: list[Line] = field(default_factory=list)
    decisions_due: list[Line] = field(default_factory=list)
    graduated: list[Line] = field(default_factory=list)
    stopped: list[Line] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(
            (
                self.at_risk,
                self.to_review,
                self.reviews_overdue,
                self.checkpoints_due,
                self.decisions_due,
                self.graduated,
                self.stopped,
            )
        )


def portfolio_week(lead: User, *, last_day: date) -> PortfolioWeek:
    """The seven days up to ``last_day`` for one lead, in four queries."""
    first_day = last_day - timedelta(days=6)
    week = PortfolioWeek(first_day=first_day, last_day=last_day)
    links = PilotLinks()
    seen: set[tuple[str, int]] = set()
    recorded = (
        Reminder.objects.filter(kind__in=list(SECTIONS), day__range=(first_day, last_day))
        .select_related("pilot")
        .order_by("-created_at", "-pk")
    )
    for reminder in recorded:  # newest first: a pilot's latest reason per section
        section = SECTIONS[ReminderKind(reminder.kind)]
        if section in DECIDING and _own(reminder.pilot, lead):
            continue
        if (section, reminder.pilot_id) not in seen:
            seen.add((section, reminder.pilot_id))
            line = Line(reminder.pilot, reminder.reason, reminder.link)
            getattr(week, section).append(line)
    for pilot in review_queue(lead).exclude(sponsor=lead).exclude(owner=lead):
        week.to_review.append(
            Line(
                pilot,
                f"Submitted {timezone.localdate(submitted):%-d %b %Y}."
                if (submitted := getattr(pilot, "submitted_at", None))  # review_queue's
                else "Waiting for a gate decision.",
                links.detail(pilot.reference or "", "decision"),
            )
        )
    closed = (
        GateDecision.objects.filter(
            to_stage__in=Stage.CLOSED, decided_at__date__range=(first_day, last_day)
        )
        .select_related("pilot")
        .order_by("decided_at", "pk")
    )
    for decision in closed:
        line = Line(
            decision.pilot, decision.rationale, links.detail(decision.pilot.reference or "")
        )
        (week.graduated if decision.to_stage == Stage.GRADUATED else week.stopped).append(line)
    return week
