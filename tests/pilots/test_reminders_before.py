"""Reminders before a date, the gate's time limit and escalation: each fires on its day
and not the day before, to exactly the right people, once a week, and stops when fixed.

The ``running`` fixture runs 5 Jan to 5 Jul 2026, its primary metric (10 → 40, weekly)
aims at 5 Jul; ``approved`` is planned for the same dates and not started.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from pilots.enums import MetricKind, ReminderKind, ReminderStatus, TaskStatus
from pilots.models import Pilot, Reminder, ReminderMute
from pilots.reminders import delivery, inbox, sweep
from pilots.reminders.rules import KINDS, reminders_due
from pilots.reminders.sweep import reminders_sweep
from pilots.services import gates, handover, ownership
from tests import factories
from tests.pilots.reminder_helpers import K, due, read_reading

END = date(2026, 7, 5)


def only(day: date, kind: str):
    """The one reminder of ``kind`` due on ``day``."""
    (item,) = [item for item in reminders_due(day) if item.kind == kind]
    return item


# --- A task due soon: to its assignee, from the due-soon days before ----------------------


def test_task_due_soon_to_its_assignee_from_three_days_before(running, member):
    task = factories.TaskFactory(
        pilot=running, assignee=member, due_on=date(2026, 6, 10), title="Runbook"
    )
    assert due(date(2026, 6, 6), K.TASK_DUE_SOON) == set()
    assert due(date(2026, 6, 7), K.TASK_DUE_SOON) == {"member"}
    assert due(date(2026, 6, 10), K.TASK_DUE_SOON) == {"member"}  # due today
    assert due(date(2026, 6, 11), K.TASK_DUE_SOON) == set()  # overdue from here
    assert due(date(2026, 6, 11), K.TASK_OVERDUE) == {"member", "owner"}
    item = only(date(2026, 6, 7), K.TASK_DUE_SOON)
    assert item.reason == (
        f"Your knowledge-transfer task “Runbook” of {running.reference} is due in 3 days "
        "(10 Jun 2026)."
    )
    assert item.link == f"/pilots/{running.reference}/#handover"
    assert "due tomorrow" in only(date(2026, 6, 9), K.TASK_DUE_SOON).reason
    assert "due today" in only(date(2026, 6, 10), K.TASK_DUE_SOON).reason
    assert task.status == TaskStatus.TODO


def test_task_due_soon_names_the_soonest_and_stops_once_completed(running, member):
    first = factories.TaskFactory(
        pilot=running, assignee=member, due_on=date(2026, 6, 9), title="Access"
    )
    factories.TaskFactory(pilot=running, assignee=member, due_on=date(2026, 6, 10))
    item = only(date(2026, 6, 8), K.TASK_DUE_SOON)
    assert "“Access”" in item.reason
    assert "(2 tasks due soon)" in item.reason
    handover.task_complete(task=first, by=member, evidence_url="https://wiki.example.com/a")
    assert "(2 tasks" not in only(date(2026, 6, 8), K.TASK_DUE_SOON).reason


def test_task_due_soon_days_is_a_setting(running, member, settings):
    factories.TaskFactory(pilot=running, assignee=member, due_on=date(2026, 6, 10))
    settings.PILOTGATE_TASK_DUE_SOON_DAYS = 0
    assert due(date(2026, 6, 9), K.TASK_DUE_SOON) == set()
    assert due(date(2026, 6, 10), K.TASK_DUE_SOON) == {"member"}


# --- The pilot's end near: to the sponsor and the business owner --------------------------


def test_pilot_ending_to_sponsor_and_owner_from_fourteen_days_before(running, lead):
    assert due(END - timedelta(days=15), K.PILOT_ENDING) == set()
    assert due(END - timedelta(days=14), K.PILOT_ENDING) == {"sponsor", "owner"}
    assert due(END, K.PILOT_ENDING) == {"sponsor", "owner"}
    assert due(END + timedelta(days=1), K.PILOT_ENDING) == set()  # decision overdue now
    item = next(i for i in reminders_due(END - timedelta(days=14)) if i.kind == K.PILOT_ENDING)
    assert item.reason == (
        f"{running.reference} ends in 14 days (5 Jul 2026): the graduate or stop decision is "
        "due then."
    )
    assert item.link == f"/pilots/{running.reference}/#decision"


def test_pilot_ending_days_is_a_setting_and_a_closed_pilot_gets_none(running, lead, settings):
    settings.PILOTGATE_PILOT_ENDING_DAYS = 2
    assert due(END - timedelta(days=3), K.PILOT_ENDING) == set()
    assert due(END - timedelta(days=2), K.PILOT_ENDING) == {"sponsor", "owner"}
    gates.pilot_stop(pilot=running, by=lead, rationale="No uplift.", lessons_learned="Sparse.")
    assert due(END - timedelta(days=2), K.PILOT_ENDING) == set()


def test_pilot_ending_not_for_an_approved_pilot_never_started(approved):
    assert due(END - timedelta(days=3), K.PILOT_ENDING) == set()


# --- The target date near: to the business owner, while the target is not reached --------


def test_target_date_near_to_the_owner_while_short_of_the_target(running):
    read_reading(running, date(2026, 6, 15))  # 12, the target is 40
    assert due(END - timedelta(days=15), K.TARGET_DATE_NEAR) == set()
    assert due(END - timedelta(days=14), K.TARGET_DATE_NEAR) == {"owner"}
    assert due(END, K.TARGET_DATE_NEAR) == {"owner"}
    assert due(END + timedelta(days=1), K.TARGET_DATE_NEAR) == set()
    item = only(END - timedelta(days=14), K.TARGET_DATE_NEAR)
    metric = running.metrics.get(kind=MetricKind.PRIMARY)
    assert item.reason == (
        f"The primary metric “{metric.name}” of {running.reference} should reach 40 cases a "
        "day in 14 days (5 Jul 2026); the latest reading is 12 cases a day."
    )
    assert item.link == f"/pilots/{running.reference}/#metrics"


def test_target_date_near_stops_once_the_target_is_reached(running):
    metric = running.metrics.get(kind=MetricKind.PRIMARY)
    factories.ReadingFactory(metric=metric, observed_on=date(2026, 6, 20), value=Decimal("41"))
    assert due(END - timedelta(days=10), K.TARGET_DATE_NEAR) == set()


def test_target_date_near_follows_the_setting_and_says_when_no_reading(running, settings):
    settings.PILOTGATE_TARGET_DATE_DAYS = 1
    assert due(END - timedelta(days=2), K.TARGET_DATE_NEAR) == set()
    assert "should reach 40 cases a day tomorrow (5 Jul 2026); it has no reading yet." in (
        only(END - timedelta(days=1), K.TARGET_DATE_NEAR).reason
    )


# --- The planned start passed without a start: to the sponsor -----------------------------


def test_start_overdue_to_the_sponsor_the_day_after_the_planned_start(approved, lead):
    start = approved.planned_start
    assert due(start, K.START_OVERDUE) == set()
    assert due(start + timedelta(days=1), K.START_OVERDUE) == {"sponsor"}
    assert due(END, K.START_OVERDUE) == {"sponsor"}
    assert due(END + timedelta(days=1), K.START_OVERDUE) == set()  # the decision is overdue
    assert "sponsor" in due(END + timedelta(days=1), K.DECISION_OVERDUE)
    item = only(start + timedelta(days=3), K.START_OVERDUE)
    assert item.reason == (
        f"{approved.reference} was planned to start on 5 Jan 2026 (3 days ago) and has not started."
    )
    assert item.link == f"/pilots/{approved.reference}/#decision"


def test_start_overdue_grace_is_a_setting_and_a_start_ends_it(approved, sponsor, settings):
    settings.PILOTGATE_START_GRACE_DAYS = 2
    assert due(date(2026, 1, 7), K.START_OVERDUE) == set()
    assert due(date(2026, 1, 8), K.START_OVERDUE) == {"sponsor"}
    gates.pilot_start(pilot=approved, by=sponsor, today=date(2026, 1, 8))
    assert due(date(2026, 1, 8), K.START_OVERDUE) == set()


# --- A gate decision waiting too long: to the independent leads ---------------------------


@pytest.fixture
def submitted(draft, sponsor) -> Pilot:
    """``draft`` submitted for review on 2 Jun 2026 at 00:30 London time (1 Jun in UTC)."""
    with time_machine.travel(datetime(2026, 6, 1, 23, 30, tzinfo=UTC), tick=False):
        gates.pilot_submit(pilot=draft, by=sponsor)
    return draft


def test_review_overdue_to_the_leads_after_five_local_days(submitted, lead, lead2):
    assert due(date(2026, 6, 7), K.REVIEW_OVERDUE) == set()  # five local days: in time
    assert due(date(2026, 6, 8), K.REVIEW_OVERDUE) == {"lead", "lead2"}
    item = next(i for i in reminders_due(date(2026, 6, 8)) if i.kind == K.REVIEW_OVERDUE)
    assert item.reason == (
        f"{submitted.reference} was submitted for review on 2 Jun 2026 and has waited 6 days "
        "for a gate decision."
    )
    assert item.link == f"/pilots/{submitted.reference}/#decision"


def test_review_overdue_not_to_a_lead_who_sponsors_or_is_nominated(submitted, lead, lead2):
    Pilot.objects.filter(pk=submitted.pk).update(owner=lead2)
    assert due(date(2026, 6, 8), K.REVIEW_OVERDUE) == {"lead"}


def test_review_overdue_stops_with_the_decision_and_follows_the_setting(
    submitted, owner, lead, settings
):
    settings.PILOTGATE_REVIEW_DAYS = 1
    assert due(date(2026, 6, 3), K.REVIEW_OVERDUE) == set()
    assert due(date(2026, 6, 4), K.REVIEW_OVERDUE) == {"lead"}
    gates.pilot_reject(pilot=submitted, by=lead, reason="Measure the baseline again.")
    assert due(date(2026, 6, 4), K.REVIEW_OVERDUE) == set()


# --- Escalation: unanswered for the grace days, one level up, while it holds ---------------

# ``running`` with a reading on 1 Jun: its weekly metric is stale from Fri 12 Jun (W24).
STALE = date(2026, 6, 12)


def sweep_on(day: date):
    with mock.patch.object(sweep, "enqueue_deliveries"):
        return reminders_sweep(day=day)


@pytest.fixture
def stale(running, lead, lead2):
    read_reading(running, date(2026, 6, 1))
    first = sweep_on(STALE)
    assert (K.METRIC_STALE, running.owner_id) in {(i.kind, i.recipient_id) for i in first.new}
    return running


def test_the_owners_unanswered_reminder_reaches_the_sponsor_after_seven_days(stale):
    assert due(STALE + timedelta(days=6), K.REMINDER_ESCALATED) == set()
    assert due(STALE + timedelta(days=7), K.REMINDER_ESCALATED) == {"sponsor"}
    item = only(STALE + timedelta(days=7), K.REMINDER_ESCALATED)
    assert item.reason == (
        f"{stale.owner.get_full_name()}, business owner of {stale.reference}, was reminded on "
        "12 Jun 2026 and it still holds: primary metric stale."
    )
    assert item.link == f"/pilots/{stale.reference}/#metrics"  # where the owner fixes it


def test_no_escalation_once_the_cause_is_fixed(stale):
    read_reading(stale, STALE + timedelta(days=5))
    assert due(STALE + timedelta(days=7), K.REMINDER_ESCALATED) == set()


def test_a_reminder_too_old_belongs_to_an_earlier_episode(stale):
    """Weeks later, with no reminder since, an old one does not escalate at once."""
    assert due(STALE + timedelta(days=14), K.REMINDER_ESCALATED) == set()


def test_the_sponsors_unanswered_escalation_reaches_the_independent_leads(stale):
    sweep_on(STALE + timedelta(days=7))  # Fri 19 Jun: owner again, and the sponsor
    assert due(STALE + timedelta(days=13), K.REMINDER_ESCALATED) == {"sponsor"}
    assert due(STALE + timedelta(days=14), K.REMINDER_ESCALATED) == {"sponsor", "lead", "lead2"}
    to_lead = next(
        i
        for i in reminders_due(STALE + timedelta(days=14))
        if i.kind == K.REMINDER_ESCALATED and i.recipient_id != stale.sponsor_id
    )
    assert to_lead.reason == (
        f"{stale.sponsor.get_full_name()}, sponsor of {stale.reference}, was told on 19 Jun 2026 "
        "that the business owner had not acted, and it still holds: primary metric stale."
    )
    assert to_lead.link == f"/pilots/{stale.reference}/"


def test_escalation_days_is_a_setting(stale, settings):
    settings.PILOTGATE_REMINDER_ESCALATION_DAYS = 3
    assert due(STALE + timedelta(days=2), K.REMINDER_ESCALATED) == set()
    assert due(STALE + timedelta(days=3), K.REMINDER_ESCALATED) == {"sponsor"}


def test_the_sponsors_own_reminder_escalates_to_the_leads(approved, lead, lead2):
    sweep_on(date(2026, 1, 6))  # start overdue, to the sponsor
    assert due(date(2026, 1, 12), K.REMINDER_ESCALATED) == set()
    assert due(date(2026, 1, 13), K.REMINDER_ESCALATED) == {"lead", "lead2"}
    assert "was reminded on 6 Jan 2026 and it still holds: planned start passed" in (
        next(i for i in reminders_due(date(2026, 1, 13)) if i.kind == K.REMINDER_ESCALATED).reason
    )


def test_an_assignees_reminder_does_not_escalate_but_the_owners_does(running, member, lead):
    read_reading(running, date(2026, 6, 8))
    factories.TaskFactory(pilot=running, assignee=member, due_on=date(2026, 6, 10))
    sweep_on(date(2026, 6, 11))  # task overdue: member and owner
    escalated = [i for i in reminders_due(date(2026, 6, 18)) if i.kind == K.REMINDER_ESCALATED]
    assert [(i.recipient_id, i.link) for i in escalated] == [
        (running.sponsor_id, f"/pilots/{running.reference}/#handover")
    ]
    assert "knowledge-transfer task overdue" in escalated[0].reason


def test_only_escalating_kinds_escalate(running, lead):
    """The handover reminders have their own escalation; the before-date ones are notices."""
    escalating = {name for name, kind in KINDS.items() if kind.escalates}
    assert escalating == {
        K.TASK_OVERDUE,
        K.METRIC_STALE,
        K.SEGMENT_BREACH,
        K.WAIVER_EXPIRED,
        K.START_OVERDUE,
    }


def test_escalation_is_recorded_once_a_week_and_a_second_sweep_sends_nothing(stale):
    day = STALE + timedelta(days=7)
    first = reminders_sweep(day=day, deliver="inline")
    escalations = [i for i in first.new if i.kind == K.REMINDER_ESCALATED]
    assert [i.recipient_id for i in escalations] == [stale.sponsor_id]
    to_sponsor = [m for m in mail.outbox if "Reminder unanswered" in m.subject]
    assert [m.to for m in to_sponsor] == [[stale.sponsor.email]]
    sent = len(mail.outbox)
    again = reminders_sweep(day=day + timedelta(days=1), deliver="inline")
    assert again.new == []
    assert len(mail.outbox) == sent
    assert Reminder.objects.filter(kind=K.REMINDER_ESCALATED).count() == 1


def test_an_escalation_fixed_before_its_email_is_cancelled(stale):
    result = sweep_on(STALE + timedelta(days=7))
    (escalation,) = Reminder.objects.filter(pk__in=result.reminder_ids, kind=K.REMINDER_ESCALATED)
    read_reading(stale, STALE + timedelta(days=7))
    assert delivery.reminder_deliver(reminder_id=escalation.pk) == ReminderStatus.CANCELLED


def test_a_muted_cause_still_escalates(stale):
    """The owner muting the kind does not answer it: the sponsor still hears."""
    inbox.reminder_mutes_set(user=stale.owner, kinds=[K.METRIC_STALE])
    assert due(STALE + timedelta(days=7), K.REMINDER_ESCALATED) == {"sponsor"}


# --- Each new kind: once a week, and what may be muted ------------------------------------


def test_each_new_kind_is_recorded_once_a_week(running, approved_elsewhere, member, lead):
    factories.TaskFactory(pilot=running, assignee=member, due_on=date(2026, 6, 24))
    day = date(2026, 6, 22)  # Monday, W26
    first = sweep_on(day)
    kinds = {i.kind for i in first.new}
    assert {K.TASK_DUE_SOON, K.PILOT_ENDING, K.TARGET_DATE_NEAR, K.START_OVERDUE} <= kinds
    assert sweep_on(day + timedelta(days=1)).new == []
    # Sunday, the same week: the task is overdue by now, nothing new of the new kinds.
    assert {i.kind for i in sweep_on(day + timedelta(days=6)).new} == {K.TASK_OVERDUE}
    next_week = {i.kind for i in sweep_on(day + timedelta(days=7)).new}
    assert {K.PILOT_ENDING, K.TARGET_DATE_NEAR, K.START_OVERDUE} <= next_week


@pytest.fixture
def approved_elsewhere(sponsor, lead) -> Pilot:
    """Another pilot, approved for 1 Jun to 31 Dec 2026 and never started."""
    owner = factories.UserFactory(username="owner_elsewhere")
    pilot = factories.PilotFactory(
        sponsor=sponsor, planned_start=date(2026, 6, 1), planned_end=date(2026, 12, 31)
    )
    factories.complete_registration(pilot, owner=owner)
    gates.pilot_submit(pilot=pilot, by=sponsor)
    ownership.ownership_accept(pilot=pilot, by=owner)
    gates.pilot_approve(pilot=pilot, by=lead, rationale="Credible.", today=date(2026, 5, 1))
    return pilot


@pytest.mark.parametrize("kind", [K.REVIEW_OVERDUE, K.REMINDER_ESCALATED])
def test_the_gate_limit_and_the_escalation_cannot_be_muted(owner, kind):
    with pytest.raises(ValidationError, match="cannot be muted"):
        inbox.reminder_mutes_set(user=owner, kinds=[kind])
    assert not ReminderMute.objects.exists()


@pytest.mark.parametrize(
    "kind", [K.TASK_DUE_SOON, K.PILOT_ENDING, K.TARGET_DATE_NEAR, K.START_OVERDUE]
)
def test_the_notices_before_a_date_may_be_muted(running, kind):
    inbox.reminder_mutes_set(user=running.sponsor, kinds=[kind])
    assert set(ReminderMute.objects.values_list("kind", flat=True)) == {kind}
    assert kind in ReminderKind.MUTABLE
