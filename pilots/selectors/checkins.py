"""Reads of the owner's check-ins: the pilot page's section and the API's list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone

from pilots import rules, timeline
from pilots.enums import Cadence
from pilots.models import CheckIn, Pilot
from pilots.selectors.metrics import MetricStatus
from pilots.selectors.pilots import graduated_on, rule_settings

RECENT_CHECKINS = 5


def pilot_checkins(pilot: Pilot) -> QuerySet[CheckIn]:
    """A pilot's check-ins, newest first, with their authors."""
    return (
        CheckIn.objects.filter(pilot=pilot).select_related("author").order_by("-created_at", "-pk")
    )


@dataclass(frozen=True)
class CheckInPanel:
    """What the pilot page's check-in section says."""

    recent: list[CheckIn]  # newest first
    more: bool  # older check-ins than these exist (the history has every one)
    open: bool  # check-ins are taken now (``rules.followed``)
    due_on: date | None  # the next check-in's day (followed, with a primary metric)
    overdue: bool  # that day has passed
    current: bool  # the latest still speaks for the owner (``rules.checkin_current``)
    diverges: bool  # ``rules.checkin_divergence``, as the scorecard's CONFIDENCE_DIVERGES
    trajectory: timeline.Trajectory  # the primary metric's, from its status on the page

    @property
    def latest(self) -> CheckIn | None:
        return self.recent[0] if self.recent else None

    @property
    def trajectory_words(self) -> str:
        """What the metric says, as the scorecard's CONFIDENCE_DIVERGES words it."""
        return rules.TRAJECTORY_WORDS.get(self.trajectory, "")


def checkin_panel(pilot: Pilot, *, primary: MetricStatus | None, today: date) -> CheckInPanel:
    """The check-in section of the pilot page: one query (the recent check-ins)."""
    recent = list(pilot_checkins(pilot)[: RECENT_CHECKINS + 1])
    more = len(recent) > RECENT_CHECKINS
    recent = recent[:RECENT_CHECKINS]
    latest = recent[0] if recent else None
    latest_on = timezone.localdate(latest.created_at) if latest else None
    settings_ = rule_settings()
    is_open = rules.followed(
        stage=pilot.stage,
        graduated_on=graduated_on(pilot),
        today=today,
        operation_ended_on=pilot.operation_ended_on,
    )
    cadence_days = Cadence.DAYS[primary.metric.cadence] if primary else None
    due_on = None
    if is_open and cadence_days is not None:
        due_on = rules.checkin_due_on(
            last_checkin_on=latest_on, started_on=pilot.started_on, cadence_days=cadence_days
        )
    trajectory = primary.trajectory if primary else timeline.Trajectory.NO_DATA
    current = cadence_days is not None and rules.checkin_current(
        checked_in_on=latest_on, cadence_days=cadence_days, today=today, rules=settings_
    )
    diverges = (
        latest is not None
        and cadence_days is not None
        and rules.checkin_divergence(
            stage=pilot.stage,
            confidence=latest.confidence,
            checked_in_on=latest_on,
            trajectory=trajectory,
            cadence_days=cadence_days,
            today=today,
            rules=settings_,
        )
    )
    return CheckInPanel(
        recent=recent,
        more=more,
        open=is_open,
        due_on=due_on,
        overdue=due_on is not None and due_on < today,
        current=current,
        diverges=diverges,
        trajectory=trajectory,
    )
