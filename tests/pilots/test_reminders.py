"""Reminders: each kind fires on its day and not the day before, follows the local
day, stops when fixed, respects muting; the sweep sends each reminder once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from smtplib import SMTPServerDisconnected
from unittest import mock

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection

from pilots.enums import (
    MetricKind,
    OwnershipStatus,
    ReminderKind,
    ReminderStatus,
    Stage,
    TaskStatus,
)
from pilots.models import Pilot, Reminder, ReminderMute
from pilots.reminders import delivery, inbox, sweep
from pilots.reminders.rules import reminders_due
from pilots.reminders.sweep import period_of, reminders_sweep
from pilots.services import ownership
from tests import factories

K = ReminderKind

# The ``running`` fixture: started 5 Jan 2026, ends 5 Jul 2026 (181 days), so
# its handover window opens on 6 May (5 Jan + ceil(2 * 181 / 3) = 121 days),
# is "approaching" from 22 Apr (14 lead days) and escalates on 13 May (7 days in).
WINDOW_APPROACHING = date(2026, 4, 22)
WINDOW_OPENS = date(2026, 5, 6)
ESCALATION = date(2026, 5, 13)


def due(day: date, kind: str) -> set[str]:
    """Usernames a reminder of ``kind`` is due to on ``day``."""
    ids = {item.recipient_id for item in reminders_due(day) if item.kind == kind}
    return set(get_user_model().objects.filter(pk__in=ids).values_list("username", flat=True))


def read_reading(running: Pilot, day: date) -> None:
    factories.ReadingFactory(metric=running.metrics.get(kind=MetricKind.PRIMARY), observed_on=day)


@pytest.fixture
def lead2(db):
    return factories.lead_user("lead2")


# --- Each kind: the right day, not the day before, the right people -----------------------


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
    ownership.owner_nominate(pilot=running, by=sponsor, owner=newcomer)
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


# --- The sweep: records once per period, sends only what it recorded ---------------------


def test_sweep_emails_each_reminder_once_and_a_rerun_sends_nothing(running, lead):
    result = reminders_sweep(day=date(2026, 7, 6), deliver="inline")
    assert result.outcomes == {ReminderStatus.EMAILED: len(result.reminder_ids)}
    sent = sorted((m.to[0], m.subject) for m in mail.outbox)
    assert len(sent) == len(set(sent)) == len(result.reminder_ids) > 0
    again = reminders_sweep(day=date(2026, 7, 8), deliver="inline")  # same ISO week
    assert again.reminder_ids == []
    assert len(mail.outbox) == len(sent)
    assert Reminder.objects.filter(status=ReminderStatus.EMAILED).count() == len(sent)


def test_the_next_week_reminds_again_while_the_cause_remains(running, lead):
    first = reminders_sweep(day=date(2026, 7, 6), deliver="inline")
    next_week = reminders_sweep(day=date(2026, 7, 13), deliver="inline")
    assert period_of(date(2026, 7, 13)) == "2026-W29" != period_of(date(2026, 7, 6))
    assert len(next_week.reminder_ids) == len(first.reminder_ids)


def test_no_reminder_once_the_cause_is_fixed(running, member):
    read_reading(running, date(2026, 6, 1))
    reminders_sweep(day=date(2026, 6, 12), deliver="inline")
    read_reading(running, date(2026, 6, 15))
    later = reminders_sweep(day=date(2026, 6, 16), deliver="inline")  # next week
    assert K.METRIC_STALE not in {item.kind for item in later.new}


def test_a_reminder_fixed_before_its_email_goes_out_is_cancelled(running, member):
    read_reading(running, WINDOW_APPROACHING)
    with mock.patch.object(sweep, "enqueue_deliveries"):
        result = reminders_sweep(day=WINDOW_APPROACHING)
    factories.TaskFactory(pilot=running, assignee=member)
    outcomes = {delivery.reminder_deliver(reminder_id=pk) for pk in result.reminder_ids}
    assert outcomes == {ReminderStatus.CANCELLED}
    assert mail.outbox == []


def test_dry_run_writes_and_sends_nothing(running, lead):
    result = reminders_sweep(day=date(2026, 7, 6), dry_run=True)
    assert result.new
    assert not Reminder.objects.exists()
    assert mail.outbox == []


def test_sweep_queues_one_delivery_per_new_reminder_after_commit(
    running, lead, django_capture_on_commit_callbacks
):
    with mock.patch("pilots.tasks.reminder_deliver.delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            result = reminders_sweep(day=date(2026, 7, 6))
            assert delay.call_count == 0  # nothing leaves before the rows are committed
        assert delay.call_count == len(result.reminder_ids) == 3
    assert sorted(c.kwargs["reminder_id"] for c in delay.call_args_list) == result.reminder_ids
    assert all(c.args == () for c in delay.call_args_list)


def test_email_has_text_and_html_the_reason_and_a_direct_link(running, settings):
    settings.SITE_URL = "https://pilotgate.example.com"
    read_reading(running, WINDOW_APPROACHING)
    reminders_sweep(day=WINDOW_APPROACHING, deliver="inline")
    message = next(m for m in mail.outbox if m.to == [running.owner.email])
    assert running.reference in message.subject
    assert running.title in message.subject
    link = f"https://pilotgate.example.com/pilots/{running.reference}/tasks/new/"
    assert "opens in 14 days (6 May 2026)" in message.body
    assert link in message.body
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    assert f'href="{link}"' in html
    assert "opens in 14 days" in html
    assert "mute" not in message.body  # the handover reminder cannot be muted


@pytest.mark.parametrize(
    ("day", "when"),
    [(WINDOW_APPROACHING, "opens in 14 days"), (ESCALATION, "opened 7 days ago")],
)
def test_handover_subject_holds_whether_the_window_is_near_or_open(running, lead, day, when):
    """The subject said "window near" above a body saying it had opened days ago."""
    read_reading(running, day)
    reminders_sweep(day=day, deliver="inline")
    subject = f"{running.reference} {running.title}: "
    told = {(m.to[0], m.subject) for m in mail.outbox}
    assert told == {
        (running.owner.email, subject + "Handover not planned"),
        (running.sponsor.email, subject + "Handover not planned"),
        *(
            {(lead.email, subject + "Handover still not planned in the open window")}
            if day == ESCALATION
            else set()
        ),
    }
    assert all(when in m.body for m in mail.outbox)
    assert not any("near" in m.subject or "a week" in m.subject for m in mail.outbox)


def test_mutable_kinds_link_to_the_profile_to_mute_them(running, settings):
    settings.SITE_URL = "https://pilotgate.example.com"
    reminders_sweep(day=date(2026, 1, 16), deliver="inline")
    message = next(m for m in mail.outbox if "stale" in m.subject.lower())
    assert "https://pilotgate.example.com/account/" in message.body


def test_recipient_without_email_gets_the_inbox_only(running):
    running.owner.email = ""
    running.owner.save()
    read_reading(running, WINDOW_APPROACHING)
    result = reminders_sweep(day=WINDOW_APPROACHING, deliver="inline")
    assert result.outcomes == {ReminderStatus.IN_APP: 1, ReminderStatus.EMAILED: 1}
    assert [m.to for m in mail.outbox] == [[running.sponsor.email]]


# --- Delivery: claims, retries, failures ---------------------------------------------------


@pytest.fixture
def recorded(running) -> Reminder:
    """One recorded, not yet emailed reminder (the handover one, to the owner)."""
    read_reading(running, WINDOW_APPROACHING)  # the metric is fresh: only handover is due
    with mock.patch.object(sweep, "enqueue_deliveries"):
        result = reminders_sweep(day=WINDOW_APPROACHING)
    return Reminder.objects.get(pk__in=result.reminder_ids, recipient=running.owner)


def test_a_second_delivery_of_the_same_reminder_sends_nothing(recorded):
    assert delivery.reminder_deliver(reminder_id=recorded.pk) == ReminderStatus.EMAILED
    assert delivery.reminder_deliver(reminder_id=recorded.pk) == "skipped"
    assert len(mail.outbox) == 1


def test_a_live_claim_is_not_taken_but_an_abandoned_one_is(recorded):
    Reminder.objects.filter(pk=recorded.pk).update(
        status=ReminderStatus.SENDING, claimed_at=datetime.now(UTC) - timedelta(minutes=1)
    )
    assert delivery.reminder_deliver(reminder_id=recorded.pk) == "skipped"
    Reminder.objects.filter(pk=recorded.pk).update(
        claimed_at=datetime.now(UTC) - delivery.CLAIM_TIMEOUT - timedelta(seconds=1)
    )
    assert delivery.reminder_deliver(reminder_id=recorded.pk) == ReminderStatus.EMAILED
    assert len(mail.outbox) == 1


def failing_then_working(failures: int):
    """The test mail backend's send_messages raising an SMTP error ``failures`` times."""
    from django.core.mail.backends.locmem import EmailBackend

    real_send = EmailBackend.send_messages
    calls = {"n": 0}

    def send_messages(backend, messages):
        calls["n"] += 1
        if calls["n"] <= failures:
            raise SMTPServerDisconnected("Connection unexpectedly closed")
        return real_send(backend, messages)

    return mock.patch.object(EmailBackend, "send_messages", send_messages)


def test_smtp_failure_releases_the_claim_and_the_retry_delivers_once(recorded):
    with failing_then_working(1), pytest.raises(delivery.DeliveryFailed):
        delivery.reminder_deliver(reminder_id=recorded.pk)
    recorded.refresh_from_db()
    assert recorded.status == ReminderStatus.PENDING
    assert recorded.last_error.startswith("SMTPServerDisconnected")
    assert delivery.reminder_deliver(reminder_id=recorded.pk) == ReminderStatus.EMAILED
    recorded.refresh_from_db()
    assert (recorded.status, recorded.attempts, recorded.last_error) == ("emailed", 2, "")
    assert len(mail.outbox) == 1


def test_task_retries_with_backoff_on_smtp_failure_and_delivers_once(recorded):
    from celery.exceptions import Retry

    from pilots.reminders import tasks

    with (
        failing_then_working(1),
        mock.patch.object(tasks.reminder_deliver, "retry", side_effect=Retry) as retry,
        pytest.raises(Retry),
    ):
        tasks.reminder_deliver.run(reminder_id=recorded.pk)
    countdown = retry.call_args.kwargs["countdown"]
    assert tasks.RETRY_BASE_SECONDS // 2 <= countdown <= tasks.RETRY_BASE_SECONDS
    assert tasks.reminder_deliver.run(reminder_id=recorded.pk) == ReminderStatus.EMAILED
    assert tasks.reminder_deliver.run(reminder_id=recorded.pk) == "skipped"  # redelivered
    assert len(mail.outbox) == 1


def test_celery_retries_the_real_task_until_the_email_goes_out_once(recorded):
    """Through Celery's own retry (eager apply runs each retry at once)."""
    from pilots.reminders import tasks

    with failing_then_working(2):
        result = tasks.reminder_deliver.apply(kwargs={"reminder_id": recorded.pk})
    assert result.get() == ReminderStatus.EMAILED
    recorded.refresh_from_db()
    assert (recorded.status, recorded.attempts) == (ReminderStatus.EMAILED, 3)
    assert len(mail.outbox) == 1


def test_the_last_attempt_marks_the_reminder_failed_whoever_queued_it(recorded):
    """The database counts attempts, so a redelivered task (Celery's count at 0) stops too."""
    from pilots.reminders import tasks

    Reminder.objects.filter(pk=recorded.pk).update(attempts=delivery.MAX_ATTEMPTS - 1)
    with failing_then_working(99):
        assert tasks.reminder_deliver.run(reminder_id=recorded.pk) == ReminderStatus.FAILED
    recorded.refresh_from_db()
    assert (recorded.status, recorded.attempts) == (ReminderStatus.FAILED, delivery.MAX_ATTEMPTS)
    assert recorded.last_error.startswith("SMTPServerDisconnected")
    assert delivery.reminder_deliver(reminder_id=recorded.pk) == "skipped"
    assert mail.outbox == []


def test_an_error_after_the_server_accepted_the_email_is_not_a_failed_send(recorded):
    from django.core.mail.backends.locmem import EmailBackend

    with mock.patch.object(EmailBackend, "close", side_effect=SMTPServerDisconnected("QUIT")):
        assert delivery.reminder_deliver(reminder_id=recorded.pk) == ReminderStatus.EMAILED
    recorded.refresh_from_db()
    assert recorded.status == ReminderStatus.EMAILED
    assert len(mail.outbox) == 1


def test_retry_countdowns_double_and_stay_under_ten_minutes():
    from pilots.reminders import tasks

    for retries, ceiling in enumerate([30, 60, 120, 240, 480, 600, 600]):
        countdowns = {tasks.retry_countdown(retries) for _ in range(50)}
        assert ceiling // 2 <= min(countdowns)
        assert max(countdowns) <= ceiling


def test_redeliver_requeues_lost_reminders_once_per_interval(recorded, running):
    later = datetime.now(UTC) + delivery.REDELIVER_AFTER + timedelta(minutes=1)
    unsent = list(Reminder.objects.order_by("pk").values_list("pk", flat=True))
    assert len(unsent) == 2  # owner and sponsor, never queued
    assert delivery.reminders_redeliver() == []  # too fresh: its task is on its way
    assert delivery.reminders_redeliver(now=later) == unsent
    # Stamped: the next run (15 minutes on) leaves them to the tasks just queued.
    assert delivery.reminders_redeliver(now=later + timedelta(minutes=15)) == []
    assert delivery.reminder_deliver(reminder_id=recorded.pk) == ReminderStatus.EMAILED


def test_redeliver_releases_a_dead_claim_but_not_a_live_one(recorded):
    now = datetime.now(UTC)
    Reminder.objects.filter(pk=recorded.pk).update(
        status=ReminderStatus.SENDING, claimed_at=now - timedelta(minutes=1)
    )
    assert recorded.pk not in delivery.reminders_redeliver(now=now)
    recorded.refresh_from_db()
    assert recorded.status == ReminderStatus.SENDING  # a worker is on it
    dead = now + delivery.REDELIVER_AFTER
    assert recorded.pk in delivery.reminders_redeliver(now=dead)
    recorded.refresh_from_db()
    assert (recorded.status, recorded.claimed_at) == (ReminderStatus.PENDING, dead)


def test_redeliver_gives_up_on_reminders_out_of_attempts(recorded):
    later = datetime.now(UTC) + delivery.REDELIVER_AFTER + timedelta(minutes=1)
    Reminder.objects.filter(pk=recorded.pk).update(attempts=delivery.MAX_ATTEMPTS)
    assert recorded.pk not in delivery.reminders_redeliver(now=later)
    recorded.refresh_from_db()
    assert recorded.status == ReminderStatus.FAILED
    assert recorded.last_error.startswith("Gave up:")


def test_the_command_catches_up_the_weeks_failed_emails(running, lead, capsys):
    with failing_then_working(99), pytest.raises(CommandError, match="3 reminders could not"):
        call_command("send_reminders", "--date", "2026-07-06")
    assert Reminder.objects.filter(status=ReminderStatus.PENDING).count() == 3
    assert mail.outbox == []
    capsys.readouterr()
    call_command("send_reminders", "--date", "2026-07-07")  # the mail server is back
    out = capsys.readouterr().out
    assert "0 new recorded" in out
    assert "Delivered: 3 emailed." in out
    assert len(mail.outbox) == 3


def test_one_broken_reminder_does_not_hold_back_the_others(running, lead):
    real = delivery.reminder_email
    calls = []

    def broken_first(reminder):
        calls.append(reminder.pk)
        if len(calls) == 1:
            raise RuntimeError("template bug")
        return real(reminder)

    with mock.patch.object(delivery, "reminder_email", broken_first):
        result = reminders_sweep(day=date(2026, 7, 6), deliver="inline")
    assert result.outcomes == {"error": 1, ReminderStatus.EMAILED: 2}
    assert len(mail.outbox) == 2


def test_long_names_and_titles_fit_the_reminder(draft, sponsor):
    nominee = factories.UserFactory(username="n" * 150, first_name="F" * 150, last_name="L" * 150)
    Pilot.objects.filter(pk=draft.pk).update(owner=nominee, title="T" * 200)
    nominated_at(draft, datetime(2026, 6, 2, 9, 0, tzinfo=UTC))
    result = reminders_sweep(day=date(2026, 6, 5), deliver="inline")
    assert len(result.reminder_ids) == 2
    for reminder in Reminder.objects.all():
        assert len(reminder.reason) <= 300
    assert Reminder.objects.get(recipient=sponsor).reason.startswith("F" * 80 + " has not")


# --- Query count: set-based whatever the size -------------------------------------------


def sweep_queries(django_assert_num_queries, expected: int) -> int:
    with (
        mock.patch.object(sweep, "enqueue_deliveries"),
        django_assert_num_queries(expected),
    ):
        return len(reminders_sweep(day=date(2026, 7, 6)).reminder_ids)


# One query per rule (5), leads, mutes, deactivated users and the keys already
# recorded this week; then, inside a savepoint (2), the insert, which on PostgreSQL
# returns the rows it inserted and elsewhere is followed by a read of them.
def sweep_query_count() -> int:
    return 9 + 2 + (1 if connection.vendor == "postgresql" else 2)


@pytest.mark.parametrize("size", [3, 12])
def test_sweep_runs_a_fixed_number_of_queries(
    size, sponsor, owner, member, lead, django_assert_num_queries
):
    factories.due_portfolio(size, sponsor=sponsor, owner=owner, assignee=member)
    # Per pilot: task overdue (member, owner), metric stale (owner), decision (sponsor, lead).
    assert sweep_queries(django_assert_num_queries, sweep_query_count()) == 5 * size


@pytest.mark.services
@pytest.mark.parametrize("size", [10, 1000])
def test_sweep_query_count_is_the_same_for_10_and_1000_pilots(
    size, sponsor, owner, member, lead, django_assert_num_queries
):
    """On PostgreSQL the insert is one statement; SQLite splits it at 999 parameters."""
    from tests.services import require_postgresql

    require_postgresql()
    factories.due_portfolio(size, sponsor=sponsor, owner=owner, assignee=member)
    assert sweep_queries(django_assert_num_queries, sweep_query_count()) == 5 * size


# --- The management command ---------------------------------------------------------------


def test_command_sends_the_days_reminders_and_a_rerun_sends_none(running, lead, capsys):
    call_command("send_reminders", "--date", "2026-07-06")
    first = capsys.readouterr().out
    assert "2026-07-06 (2026-W28)" in first
    assert f"{running.reference}" in first
    assert "Delivered: 3 emailed." in first
    assert len(mail.outbox) == 3
    call_command("send_reminders", "--date", "2026-07-07")
    second = capsys.readouterr().out
    assert "0 new recorded; 3 already sent this week." in second
    assert "Delivered: none." in second
    assert len(mail.outbox) == 3


def test_command_dry_run_lists_without_writing(running, lead, capsys):
    call_command("send_reminders", "--date", "2026-07-06", "--dry-run")
    out = capsys.readouterr().out
    assert "3 new would send" in out
    assert "Dry run: nothing written, nothing sent." in out
    assert "Final decision overdue" in out
    assert "→ lead" in out
    assert not Reminder.objects.exists()
    assert mail.outbox == []


def test_command_rejects_a_malformed_date(db):
    with pytest.raises(CommandError, match="--date must be a day like"):
        call_command("send_reminders", "--date", "6/7/2026")


def test_command_queue_mode_hands_emails_to_workers(
    running, lead, capsys, django_capture_on_commit_callbacks
):
    with (
        mock.patch("pilots.tasks.reminder_deliver.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("send_reminders", "--date", "2026-07-06", "--queue")
    assert "Queued 3 emails for the Celery workers." in capsys.readouterr().out
    assert delay.call_count == 3
    assert mail.outbox == []
