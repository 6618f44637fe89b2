"""Reminder rules: each kind fires on its day and not the day before, to the right people,
follows the local day, stops when fixed, and respects muting."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from unittest import mock

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError

from pilots.enums import (
    PORTFOLIO_LEADS_GROUP,
    CheckpointChoice,
    InfrastructureAnswerValue,
    InfrastructureItem,
    MetricKind,
    OwnershipStatus,
    ReminderKind,
    ReminderStatus,
    Stage,
    TaskStatus,
)
from pilots.models import InfrastructureAnswer, Pilot, Reminder, ReminderMute
from pilots.reminders import delivery, inbox, sweep
from pilots.reminders.rules import reminders_due
from pilots.reminders.sweep import reminders_sweep
from pilots.services import checkpoints, ownership, registration
from tests import factories
from tests.pilots.reminder_helpers import (
    ESCALATION,
    WINDOW_APPROACHING,
    WINDOW_OPENS,
    K,
    due,
    read_reading,
)

# --- Each kind: the right day, not the day before, the right people -----------------------


def test_checkpoint_overdue_to_the_leads_who_may_decide_after_the_grace_days(running, lead, lead2):
    assert due(WINDOW_OPENS, K.CHECKPOINT_OVERDUE) == set()
    assert due(WINDOW_OPENS + timedelta(days=6), K.CHECKPOINT_OVERDUE) == set()
    assert due(WINDOW_OPENS + timedelta(days=7), K.CHECKPOINT_OVERDUE) == {"lead", "lead2"}
    assert due(date(2026, 7, 5), K.CHECKPOINT_OVERDUE) == {"lead", "lead2"}  # last day
    assert due(date(2026, 7, 6), K.CHECKPOINT_OVERDUE) == set()  # ended: decision overdue
    (item,) = [i for i in reminders_due(ESCALATION) if i.kind == K.CHECKPOINT_OVERDUE][:1]
    assert item.reason == (
        f"The handover window of {running.reference} opened on 6 May 2026 and no portfolio "
        "lead has decided to continue, extend or stop it; overdue since 13 May 2026."
    )
    assert item.link == f"/pilots/{running.reference}/#checkpoint"


def test_checkpoint_overdue_not_to_a_lead_who_sponsors_or_owns_the_pilot(running, lead, lead2):
    Pilot.objects.filter(pk=running.pk).update(sponsor=lead2)
    assert due(ESCALATION, K.CHECKPOINT_OVERDUE) == {"lead"}
    Pilot.objects.filter(pk=running.pk).update(owner=lead)
    assert due(ESCALATION, K.CHECKPOINT_OVERDUE) == set()


def test_checkpoint_overdue_grace_is_a_setting(running, lead, settings):
    settings.PILOTGATE_CHECKPOINT_GRACE_DAYS = 2
    assert due(WINDOW_OPENS + timedelta(days=1), K.CHECKPOINT_OVERDUE) == set()
    assert due(WINDOW_OPENS + timedelta(days=2), K.CHECKPOINT_OVERDUE) == {"lead"}


def test_checkpoint_overdue_stops_with_a_decision_and_returns_in_the_extended_window(running, lead):
    with time_machine.travel(datetime(2026, 5, 6, 10, tzinfo=UTC), tick=False):
        checkpoints.checkpoint_record(
            pilot=running,
            by=lead,
            decision=CheckpointChoice.EXTEND,
            rationale="The receiving team starts in September.",
            new_end=date(2026, 9, 5),
        )
    assert due(ESCALATION, K.CHECKPOINT_OVERDUE) == set()
    # The new window opens on 16 Jun 2026: overdue from 23 Jun.
    assert due(date(2026, 6, 22), K.CHECKPOINT_OVERDUE) == set()
    assert due(date(2026, 6, 23), K.CHECKPOINT_OVERDUE) == {"lead"}


def test_handover_unplanned_from_lead_days_before_the_window(running, lead):
    assert due(WINDOW_APPROACHING - timedelta(days=1), K.HANDOVER_UNPLANNED) == set()
    assert due(WINDOW_APPROACHING, K.HANDOVER_UNPLANNED) == {"owner", "sponsor"}
    assert due(WINDOW_OPENS, K.HANDOVER_UNPLANNED) == {"owner", "sponsor"}
    assert due(date(2026, 7, 5), K.HANDOVER_UNPLANNED) == {"owner", "sponsor"}  # last day
    assert due(date(2026, 7, 6), K.HANDOVER_UNPLANNED) == set()  # ended: decision overdue


def test_handover_reason_says_when_the_window_opens(running):
    (item,) = [i for i in reminders_due(WINDOW_APPROACHING) if i.kind == K.HANDOVER_UNPLANNED][:1]
    assert item.reason == (
        f"The handover window of {running.reference} opens in 14 days (6 May 2026) "
        "and it has no knowledge-transfer tasks."
    )
    assert item.link == f"/pilots/{running.reference}/tasks/new/"


def test_handover_link_goes_only_to_people_who_may_add_a_task(running, sponsor, client):
    """Its link adds a task: a newly nominated owner may not yet (403), so is not told."""
    newcomer = factories.UserFactory(username="newcomer")
    ownership.owner_nominate(pilot=running, by=sponsor, owner=newcomer, reason="Moved on.")
    assert due(WINDOW_APPROACHING, K.HANDOVER_UNPLANNED) == {"sponsor"}
    (item,) = [i for i in reminders_due(WINDOW_APPROACHING) if i.kind == K.HANDOVER_UNPLANNED]
    client.force_login(newcomer)
    assert client.get(item.link).status_code == 403
    client.force_login(sponsor)
    assert client.get(item.link).status_code == 200


def test_handover_escalates_to_leads_seven_days_into_the_window(running, lead, lead2):
    assert due(ESCALATION - timedelta(days=1), K.HANDOVER_ESCALATION) == set()
    assert due(ESCALATION, K.HANDOVER_ESCALATION) == {"lead", "lead2"}
    assert due(ESCALATION, K.HANDOVER_UNPLANNED) == {"owner", "sponsor"}  # still told too


def test_escalation_delay_is_a_setting(running, lead, settings):
    settings.PILOTGATE_HANDOVER_ESCALATION_DAYS = 2
    assert due(WINDOW_OPENS + timedelta(days=1), K.HANDOVER_ESCALATION) == set()
    assert due(WINDOW_OPENS + timedelta(days=2), K.HANDOVER_ESCALATION) == {"lead"}


def test_handover_lead_days_is_a_setting(running, settings):
    settings.PILOTGATE_HANDOVER_LEAD_DAYS = 3
    assert due(WINDOW_OPENS - timedelta(days=4), K.HANDOVER_UNPLANNED) == set()
    assert due(WINDOW_OPENS - timedelta(days=3), K.HANDOVER_UNPLANNED) == {"owner", "sponsor"}


def test_approved_pilot_not_yet_started_is_reminded_from_its_planned_dates(approved):
    assert due(WINDOW_APPROACHING - timedelta(days=1), K.HANDOVER_UNPLANNED) == set()
    assert due(WINDOW_APPROACHING, K.HANDOVER_UNPLANNED) == {"owner", "sponsor"}


def test_handover_stops_once_a_task_exists_whatever_its_state(running, member):
    factories.TaskFactory(pilot=running, assignee=member, status=TaskStatus.TODO)
    assert due(ESCALATION, K.HANDOVER_UNPLANNED) == set()
    assert due(ESCALATION, K.HANDOVER_ESCALATION) == set()


def test_drafts_get_no_handover_reminder(draft):
    assert due(ESCALATION, K.HANDOVER_UNPLANNED) == set()


@pytest.mark.parametrize("stage", [Stage.STOPPED, Stage.GRADUATED])
def test_closed_pilots_get_no_handover_task_or_decision_reminder(running, lead, member, stage):
    factories.TaskFactory(pilot=running, assignee=member, due_on=date(2026, 6, 1))
    assert due(date(2026, 7, 6), K.TASK_OVERDUE)
    assert due(date(2026, 7, 6), K.DECISION_OVERDUE)
    running.tasks.all().delete()
    Pilot.objects.filter(pk=running.pk).update(
        stage=stage, operations_accepted_at=datetime(2026, 7, 1, tzinfo=UTC)
    )
    factories.TaskFactory(pilot=running, assignee=member, due_on=date(2026, 6, 1))
    kinds = {item.kind for item in reminders_due(date(2026, 7, 6))}
    assert kinds & {K.HANDOVER_UNPLANNED, K.TASK_OVERDUE, K.DECISION_OVERDUE} == set()


def graduate(pilot: Pilot, on: datetime) -> None:
    from pilots.models import GateDecision

    Pilot.objects.filter(pk=pilot.pk).update(stage=Stage.GRADUATED, operations_accepted_at=on)
    GateDecision.objects.create(
        pilot=pilot,
        decided_by=pilot.sponsor,
        decided_at=on,
        from_stage=Stage.RUNNING,
        to_stage=Stage.GRADUATED,
        rationale="In production.",
    )


def test_metric_stale_is_chased_for_a_year_after_graduation(running):
    graduate(running, datetime(2026, 7, 6, 10, tzinfo=UTC))
    read_reading(running, date(2026, 7, 6))
    assert due(date(2026, 7, 16), K.METRIC_STALE) == set()
    assert due(date(2026, 7, 17), K.METRIC_STALE) == {"owner"}
    assert due(date(2027, 7, 6), K.METRIC_STALE) == {"owner"}  # a year to the day
    assert due(date(2027, 7, 7), K.METRIC_STALE) == set()


def test_task_overdue_the_day_after_its_due_date(running, member):
    factories.TaskFactory(pilot=running, assignee=member, due_on=date(2026, 6, 10))
    assert due(date(2026, 6, 10), K.TASK_OVERDUE) == set()
    assert due(date(2026, 6, 11), K.TASK_OVERDUE) == {"member", "owner"}


def test_task_overdue_grace_is_a_setting(running, member, settings):
    settings.PILOTGATE_TASK_OVERDUE_GRACE_DAYS = 2
    factories.TaskFactory(pilot=running, assignee=member, due_on=date(2026, 6, 10))
    assert due(date(2026, 6, 12), K.TASK_OVERDUE) == set()
    assert due(date(2026, 6, 13), K.TASK_OVERDUE) == {"member", "owner"}


def test_task_overdue_groups_a_pilots_tasks_in_one_reminder(running, member, ops):
    factories.TaskFactory(pilot=running, assignee=member, due_on=date(2026, 6, 1), title="Runbook")
    factories.TaskFactory(pilot=running, assignee=ops, due_on=date(2026, 6, 3), title="Rota")
    items = {
        i.recipient_id: i for i in reminders_due(date(2026, 6, 11)) if i.kind == K.TASK_OVERDUE
    }
    assert set(items) == {member.pk, ops.pk, running.owner_id}
    assert items[running.owner_id].reason.startswith(
        f"2 knowledge-transfer tasks of {running.reference} are overdue; “Runbook” was due 10 days"
    )
    assert items[ops.pk].reason.startswith("1 knowledge-transfer task of")


def test_task_overdue_stops_when_done(running, member):
    task = factories.TaskFactory(pilot=running, assignee=member, due_on=date(2026, 6, 10))
    from pilots.services import handover

    handover.task_complete(task=task, by=member, evidence_url="https://example.com/runbook")
    assert due(date(2026, 6, 11), K.TASK_OVERDUE) == set()


def test_metric_stale_after_cadence_plus_grace(running):
    read_reading(running, date(2026, 6, 1))  # weekly: 7 days + 3 grace
    assert due(date(2026, 6, 11), K.METRIC_STALE) == set()
    assert due(date(2026, 6, 12), K.METRIC_STALE) == {"owner"}


def test_metric_stale_counts_from_the_start_without_readings(running):
    assert due(date(2026, 1, 15), K.METRIC_STALE) == set()
    assert due(date(2026, 1, 16), K.METRIC_STALE) == {"owner"}


def test_metric_stale_follows_the_cadence(running):
    running.metrics.filter(kind=MetricKind.PRIMARY).update(cadence="monthly")
    read_reading(running, date(2026, 6, 1))  # 31 days + 3 grace
    assert due(date(2026, 7, 5), K.METRIC_STALE) == set()
    assert due(date(2026, 7, 6), K.METRIC_STALE) == {"owner"}


def test_metric_stale_stops_when_a_reading_is_recorded(running):
    read_reading(running, date(2026, 6, 1))
    assert due(date(2026, 6, 12), K.METRIC_STALE) == {"owner"}
    read_reading(running, date(2026, 6, 12))
    assert due(date(2026, 6, 12), K.METRIC_STALE) == set()


def test_only_the_primary_metric_is_chased(running):
    read_reading(running, date(2026, 6, 10))
    factories.MetricFactory(pilot=running, kind=MetricKind.MODEL, name="F1")  # never read
    assert due(date(2026, 6, 12), K.METRIC_STALE) == set()


def nominated_at(pilot: Pilot, moment: datetime) -> None:
    Pilot.objects.filter(pk=pilot.pk).update(owner_nominated_at=moment)


def test_ownership_pending_three_local_days_after_the_nomination(draft):
    nominated_at(draft, datetime(2026, 6, 2, 9, 0, tzinfo=UTC))
    assert due(date(2026, 6, 4), K.OWNERSHIP_PENDING) == set()
    assert due(date(2026, 6, 5), K.OWNERSHIP_PENDING) == {"owner", "sponsor"}


def test_ownership_pending_counts_local_days_not_utc_days(draft):
    # 23:30 UTC on 1 June is 00:30 on 2 June in London (BST): a 2 June nomination.
    nominated_at(draft, datetime(2026, 6, 1, 23, 30, tzinfo=UTC))
    assert due(date(2026, 6, 4), K.OWNERSHIP_PENDING) == set()
    assert due(date(2026, 6, 5), K.OWNERSHIP_PENDING) == {"owner", "sponsor"}


def test_ownership_pending_reasons_differ_for_nominee_and_sponsor(draft, owner, sponsor):
    nominated_at(draft, datetime(2026, 6, 2, 9, 0, tzinfo=UTC))
    items = {
        i.recipient_id: i for i in reminders_due(date(2026, 6, 5)) if i.kind == K.OWNERSHIP_PENDING
    }
    assert items[owner.pk].reason.startswith("You were nominated business owner")
    assert items[owner.pk].link.endswith("#nomination")
    assert "has not answered the nomination" in items[sponsor.pk].reason


def test_ownership_pending_stops_when_accepted(draft, owner):
    from pilots.services import ownership

    nominated_at(draft, datetime(2026, 6, 2, 9, 0, tzinfo=UTC))
    ownership.ownership_accept(pilot=Pilot.objects.get(pk=draft.pk), by=owner)
    assert Pilot.objects.get(pk=draft.pk).owner_status == OwnershipStatus.ACCEPTED
    assert due(date(2026, 6, 5), K.OWNERSHIP_PENDING) == set()


def test_decision_overdue_the_day_after_the_end(running, lead):
    assert due(date(2026, 7, 5), K.DECISION_OVERDUE) == set()
    assert due(date(2026, 7, 6), K.DECISION_OVERDUE) == {"sponsor", "lead"}


def test_decision_overdue_asks_only_leads_who_may_decide(running, lead, owner):
    """A lead who owns the pilot may not decide it: not asked to; the sponsor chases."""
    from django.contrib.auth.models import Group

    owner.groups.add(Group.objects.get_or_create(name=PORTFOLIO_LEADS_GROUP)[0])
    assert due(date(2026, 7, 6), K.DECISION_OVERDUE) == {"sponsor", "lead"}
    (to_sponsor,) = [
        item
        for item in reminders_due(date(2026, 7, 6))
        if item.kind == K.DECISION_OVERDUE and item.recipient_id == running.sponsor_id
    ]
    assert to_sponsor.action == "Ask an independent portfolio lead to record the decision."


def test_decision_overdue_stops_with_the_decision(running, lead, sponsor):
    from pilots.services import gates

    gates.pilot_stop(
        pilot=running, by=lead, rationale="No uplift.", lessons_learned="Data too sparse."
    )
    assert Pilot.objects.get(pk=running.pk).stage == Stage.STOPPED
    assert due(date(2026, 7, 6), K.DECISION_OVERDUE) == set()


def test_deactivated_people_get_nothing(running, lead):
    lead.is_active = False
    lead.save()
    assert due(date(2026, 7, 6), K.DECISION_OVERDUE) == {"sponsor"}


# --- The local day: the sweep's default day follows TIME_ZONE ------------------------------

FIRST_DAYS = [
    (K.HANDOVER_UNPLANNED, WINDOW_APPROACHING),
    (K.HANDOVER_ESCALATION, ESCALATION),
    (K.TASK_OVERDUE, date(2026, 6, 11)),
    (K.METRIC_STALE, date(2026, 6, 12)),
    (K.OWNERSHIP_PENDING, date(2026, 6, 5)),
    (K.DECISION_OVERDUE, date(2026, 7, 6)),
    # Before the date: 14 days before the end (5 Jul), and its primary's target date.
    (K.PILOT_ENDING, date(2026, 6, 21)),
    (K.TARGET_DATE_NEAR, date(2026, 6, 21)),
]


@pytest.fixture
def every_kind(running, lead):
    """``running`` and a pending nomination, each kind first due on its FIRST_DAYS day (BST)."""
    read_reading(running, date(2026, 6, 1))
    other = factories.PilotFactory(sponsor=running.sponsor, receiving_team="Ops")
    factories.complete_registration(other, owner=factories.UserFactory(username="nominee"))
    nominated_at(other, datetime(2026, 6, 2, 9, 0, tzinfo=UTC))
    return running


@pytest.mark.parametrize(("kind", "first_day"), FIRST_DAYS)
def test_each_kind_fires_at_local_midnight_not_utc_midnight(every_kind, member, kind, first_day):
    if kind == K.TASK_OVERDUE:  # (a task would stop the handover reminders of the others)
        factories.TaskFactory(pilot=every_kind, assignee=member, due_on=date(2026, 6, 10))
    eve = datetime.combine(first_day, datetime.min.time(), tzinfo=UTC) - timedelta(minutes=61)
    with time_machine.travel(eve, tick=False):  # 23:59 the evening before, London time
        assert not [n for n in reminders_sweep(dry_run=True).new if n.kind == kind]
    with time_machine.travel(eve + timedelta(minutes=31), tick=False):  # 00:30 local, 23:30 UTC
        result = reminders_sweep(dry_run=True)
        assert result.day == first_day
        assert [n for n in result.new if n.kind == kind]


# --- Muting ------------------------------------------------------------------------------


def test_muted_kinds_are_not_sent_to_that_user(running):
    read_reading(running, date(2026, 6, 1))
    inbox.reminder_mutes_set(user=running.owner, kinds=[K.METRIC_STALE])
    assert due(date(2026, 6, 12), K.METRIC_STALE) == set()
    inbox.reminder_mutes_set(user=running.owner, kinds=[])
    assert due(date(2026, 6, 12), K.METRIC_STALE) == {"owner"}


@pytest.mark.parametrize(
    ("kind", "first_day"), [(k, d) for k, d in FIRST_DAYS if k in ReminderKind.MUTABLE]
)
def test_each_mutable_kind_respects_muting_and_only_for_who_muted_it(
    every_kind, member, kind, first_day
):
    if kind == K.TASK_OVERDUE:
        factories.TaskFactory(pilot=every_kind, assignee=member, due_on=date(2026, 6, 10))
    recipients = {i.recipient_id for i in reminders_due(first_day) if i.kind == kind}
    assert len(recipients) >= 1
    muter, *others = sorted(recipients)
    inbox.reminder_mutes_set(user=get_user_model()(pk=muter), kinds=[kind])
    after = {i.recipient_id for i in reminders_due(first_day) if i.kind == kind}
    assert after == set(others)


@pytest.mark.parametrize("kind", [K.HANDOVER_UNPLANNED, K.HANDOVER_ESCALATION, K.DECISION_OVERDUE])
def test_critical_kinds_cannot_be_muted(owner, kind):
    with pytest.raises(ValidationError, match="cannot be muted"):
        inbox.reminder_mutes_set(user=owner, kinds=[K.METRIC_STALE, kind])
    assert not ReminderMute.objects.exists()


def test_muting_after_recording_cancels_the_unsent_email(running):
    read_reading(running, date(2026, 6, 1))
    with mock.patch.object(sweep, "enqueue_deliveries"):
        result = reminders_sweep(day=date(2026, 6, 12))
    inbox.reminder_mutes_set(user=running.owner, kinds=[K.METRIC_STALE])
    (stale,) = Reminder.objects.filter(pk__in=result.reminder_ids, kind=K.METRIC_STALE)
    assert delivery.reminder_deliver(reminder_id=stale.pk) == ReminderStatus.CANCELLED
    stale.refresh_from_db()
    assert stale.status == ReminderStatus.CANCELLED
    inbox.reminder_mutes_set(user=running.owner, kinds=[])
    assert delivery.reminder_deliver(reminder_id=stale.pk) == "skipped"  # cancelled for good
    assert mail.outbox == []


# --- Segment breach --------------------------------------------------------------------------


def segment_of(running: Pilot, value: str, **changes) -> None:
    """A critical segment from 10 to 40 over the pilot (line on 1 Jun ≈ 34.4), read 1 Jun."""
    metric = factories.MetricFactory(
        pilot=running, kind=MetricKind.CRITICAL_SEGMENT, name="P1 routed in time", **changes
    )
    factories.ReadingFactory(metric=metric, observed_on=date(2026, 6, 1), value=Decimal(value))


def test_segment_breach_goes_to_the_business_owner_behind_its_trajectory(running):
    segment_of(running, "20")
    (item,) = [i for i in reminders_due(date(2026, 6, 2)) if i.kind == K.SEGMENT_BREACH]
    metric = running.metrics.get(kind=MetricKind.CRITICAL_SEGMENT)

    assert due(date(2026, 6, 2), K.SEGMENT_BREACH) == {"owner"}
    assert item.link == f"/pilots/{running.reference}/#metric-{metric.pk}"
    assert "“P1 routed in time”" in item.reason
    assert "read 20% on" in item.reason


def test_segment_breach_follows_the_guardrail_when_set(running):
    segment_of(running, "20", guardrail=Decimal("15"))  # behind the line, above the floor
    assert due(date(2026, 6, 2), K.SEGMENT_BREACH) == set()
    running.metrics.filter(kind=MetricKind.CRITICAL_SEGMENT).update(guardrail=Decimal("21"))
    assert due(date(2026, 6, 2), K.SEGMENT_BREACH) == {"owner"}


def test_no_segment_breach_on_track_or_for_other_metric_kinds(running):
    segment_of(running, "38")
    factories.ReadingFactory(
        metric=factories.MetricFactory(pilot=running, kind=MetricKind.BUSINESS, name="B"),
        observed_on=date(2026, 6, 1),
        value=Decimal("10"),
    )
    assert due(date(2026, 6, 2), K.SEGMENT_BREACH) == set()


def test_the_sweep_records_a_segment_breach_once_a_week(running):
    segment_of(running, "20")
    first = reminders_sweep(day=date(2026, 6, 2), deliver="inline")
    again = reminders_sweep(day=date(2026, 6, 3), deliver="inline")

    assert [n.kind for n in first.new if n.kind == K.SEGMENT_BREACH] == [K.SEGMENT_BREACH]
    assert [n for n in again.new if n.kind == K.SEGMENT_BREACH] == []
    assert Reminder.objects.filter(kind=K.SEGMENT_BREACH).count() == 1


# --- Waiver expired -------------------------------------------------------------------------


def expired_waiver(pilot: Pilot, expires_on: date) -> None:
    """Monitoring "no" under a waiver granted at approval, ending ``expires_on``."""
    InfrastructureAnswer.objects.filter(pilot=pilot, item=InfrastructureItem.MONITORING).update(
        answer=InfrastructureAnswerValue.NO,
        evidence_url="",
        waiver_reason="The team watches the dashboard daily.",
        waiver_expires_on=expires_on,
        waiver_requested_at=datetime(2026, 1, 2, tzinfo=UTC),
        waiver_approved_at=datetime(2026, 1, 2, tzinfo=UTC),
    )


def test_waiver_expired_goes_to_the_sponsor_the_day_after_its_last_day(running):
    expired_waiver(running, date(2026, 3, 1))

    assert due(date(2026, 3, 1), K.WAIVER_EXPIRED) == set()
    assert due(date(2026, 3, 2), K.WAIVER_EXPIRED) == {"sponsor"}
    (item,) = [i for i in reminders_due(date(2026, 3, 2)) if i.kind == K.WAIVER_EXPIRED]
    assert item.reason == (
        f"The infrastructure waiver of {running.reference} for “Monitored and alerted like a "
        "production service” (expired on 1 Mar 2026) has run out and the item is still not "
        "in place."
    )
    assert item.link == f"/pilots/{running.reference}/register/infrastructure/"


def test_waiver_expired_stops_once_the_item_is_yes(running, sponsor):
    expired_waiver(running, date(2026, 3, 1))
    registration.infrastructure_answer(
        pilot=running,
        by=sponsor,
        item=InfrastructureItem.MONITORING,
        answer=InfrastructureAnswerValue.YES,
        evidence_url="https://alerts.example.com/pilot",
        reason="Alerting is live on the platform.",
    )

    assert due(date(2026, 3, 2), K.WAIVER_EXPIRED) == set()
    assert ReminderKind.WAIVER_EXPIRED not in ReminderKind.MUTABLE
