"""The reminder sweep and delivery: each reminder recorded once per week, emailed once
(claims, retries, failures), in a fixed number of queries; and the send_reminders command."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from smtplib import SMTPServerDisconnected
from unittest import mock

import pytest
from celery import current_app as celery_app
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from kombu.exceptions import OperationalError

from pilots import tasks
from pilots.enums import (
    ReminderStatus,
)
from pilots.models import OutboxMessage, Pilot, Reminder
from pilots.reminders import delivery, sweep
from pilots.reminders.sweep import period_of, reminders_sweep
from pilots.services.outbox import RelayOutcome
from tests import factories
from tests.pilots.reminder_helpers import (
    ESCALATION,
    WINDOW_APPROACHING,
    K,
    forget_notifications,
    read_reading,
)

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
    again = [item.key[1:] for item in next_week.new if item.kind != K.REMINDER_ESCALATED]
    assert sorted(again) == sorted(item.key[1:] for item in first.new)
    # ...and what the owner left unanswered for a week now reaches the sponsor too.
    assert [(i.kind, i.recipient_id) for i in next_week.new if i.kind == K.REMINDER_ESCALATED] == [
        (K.REMINDER_ESCALATED, running.sponsor_id)
    ]


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
    forget_notifications()
    result = reminders_sweep(day=date(2026, 7, 6), dry_run=True)
    assert result.new
    assert not Reminder.objects.exists()
    assert mail.outbox == []


def test_sweep_records_one_delivery_per_new_reminder_and_relays_it_after_commit(
    running, lead, django_capture_on_commit_callbacks
):
    forget_notifications()
    with mock.patch.object(celery_app, "send_task") as send_task:
        with django_capture_on_commit_callbacks(execute=True):
            result = reminders_sweep(day=date(2026, 7, 6))
            assert send_task.call_count == 0  # nothing leaves before the rows are committed
            # ...but the tasks are recorded with the reminders, in the same transaction.
            assert (
                sorted(
                    OutboxMessage.objects.filter(task=sweep.DELIVER_TASK).values_list(
                        "kwargs__reminder_id", flat=True
                    )
                )
                == result.reminder_ids
            )
        assert send_task.call_count == len(result.reminder_ids) == 3
    assert sorted(c.kwargs["kwargs"]["reminder_id"] for c in send_task.call_args_list) == (
        result.reminder_ids
    )
    assert {c.args for c in send_task.call_args_list} == {("pilots.reminder_deliver",)}
    deliveries = OutboxMessage.objects.filter(task=sweep.DELIVER_TASK)
    assert not deliveries.filter(relayed_at__isnull=True).exists()
    assert result.relay is not None
    assert result.relay.outcome == RelayOutcome(relayed=3, sent=3)


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
            {
                (lead.email, subject + "Handover still not planned in the open window"),
                # 7 days into the window, no checkpoint decision either.
                (lead.email, subject + "Checkpoint decision overdue"),
            }
            if day == ESCALATION
            else set()
        ),
    }
    handover = [m for m in mail.outbox if "Checkpoint" not in m.subject]
    assert all(when in m.body for m in handover)
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
    forget_notifications()
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


def test_a_dead_claim_is_released_once_the_claim_times_out_not_half_an_hour_later(recorded):
    """A worker killed mid-send: the next redelivery run after the claim time-out takes it."""
    assert timedelta(minutes=2) == delivery.CLAIM_TIMEOUT
    claimed = datetime.now(UTC)
    Reminder.objects.filter(pk=recorded.pk).update(
        status=ReminderStatus.SENDING, claimed_at=claimed
    )
    just_alive = claimed + delivery.CLAIM_TIMEOUT - timedelta(seconds=1)
    assert recorded.pk not in delivery.reminders_redeliver(now=just_alive)
    dead = claimed + delivery.CLAIM_TIMEOUT + timedelta(seconds=1)
    assert recorded.pk in delivery.reminders_redeliver(now=dead)
    recorded.refresh_from_db()
    assert (recorded.status, recorded.claimed_at) == (ReminderStatus.PENDING, dead)


def test_the_redelivery_task_queues_what_it_releases_through_the_outbox(
    recorded, django_capture_on_commit_callbacks
):
    Reminder.objects.filter(pk=recorded.pk).update(
        status=ReminderStatus.SENDING, claimed_at=datetime.now(UTC) - timedelta(minutes=3)
    )
    with (
        mock.patch.object(celery_app, "send_task") as send_task,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert tasks.reminders_redeliver.run() == 1
    send_task.assert_called_once_with(
        "pilots.reminder_deliver", kwargs={"reminder_id": recorded.pk}
    )
    assert (
        OutboxMessage.objects.filter(
            task="pilots.reminder_deliver", relayed_at__isnull=False
        ).count()
        == 1
    )


def test_redeliver_gives_up_on_reminders_out_of_attempts(recorded):
    later = datetime.now(UTC) + delivery.REDELIVER_AFTER + timedelta(minutes=1)
    Reminder.objects.filter(pk=recorded.pk).update(attempts=delivery.MAX_ATTEMPTS)
    assert recorded.pk not in delivery.reminders_redeliver(now=later)
    recorded.refresh_from_db()
    assert recorded.status == ReminderStatus.FAILED
    assert recorded.last_error.startswith("Gave up:")


def test_the_command_catches_up_the_weeks_failed_emails(running, lead, capsys):
    forget_notifications()
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
    Pilot.objects.filter(pk=draft.pk).update(owner_nominated_at=datetime(2026, 6, 2, 9, tzinfo=UTC))
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


# One query per finder (17, the value reviews' two included: the escalation's reads the
# reminders recorded the escalation days ago; the decline after graduation's three: its
# two series and the pilots' people; the orphaned finder's 4: started pilots, last
# touches, open tasks' givers, who was told), leads, mutes, deactivated users and the
# keys already recorded this week; then, inside a savepoint (2), the insert, which on
# PostgreSQL returns the rows it inserted and elsewhere is followed by a read of them.
def sweep_query_count() -> int:
    return 28 + 2 + (1 if connection.vendor == "postgresql" else 2)


# Up to 11 pilots (55 rows): SQLite splits an insert at 999 parameters, and a
# reminder row has 17 columns; PostgreSQL's test below compares 10 and 1000.
@pytest.mark.parametrize("size", [3, 11])
def test_sweep_runs_a_fixed_number_of_queries(
    size, sponsor, owner, member, lead, django_assert_num_queries, settings
):
    settings.PILOTGATE_ORPHANED_AFTER_DAYS = 10_000  # no owner here is idle that long
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
    forget_notifications()
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


@pytest.mark.django_db(transaction=True)
def test_command_queue_mode_hands_emails_to_workers(running, lead, capsys):
    with mock.patch.object(celery_app, "send_task") as send_task:
        call_command("send_reminders", "--date", "2026-07-06", "--queue")
    assert "Queued 3 emails for the Celery workers." in capsys.readouterr().out
    assert send_task.call_count == 3
    assert mail.outbox == []
    assert not OutboxMessage.objects.filter(relayed_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_command_queue_mode_says_so_and_fails_when_the_broker_is_down(running, lead, capsys):
    """It counts what the broker took, not what it meant to queue; nothing is lost."""
    refused = OperationalError("Error 111 connecting to 127.0.0.1:6399. Connection refused.")
    with (
        mock.patch.object(celery_app, "send_task", side_effect=refused),
        pytest.raises(CommandError) as error,
    ):
        call_command("send_reminders", "--date", "2026-07-06", "--queue")
    assert "Queued" not in capsys.readouterr().out
    assert str(error.value).startswith(
        "Recorded 3 emails in the outbox but handed only 0 to the broker: the broker is "
        "unreachable (OperationalError: Error 111"
    )
    assert "the outbox relay queues them when the broker returns" in str(error.value)
    pending = OutboxMessage.objects.filter(relayed_at__isnull=True)
    assert pending.count() == 3
    assert set(pending.values_list("attempts", flat=True)) == {1}

    with mock.patch.object(celery_app, "send_task") as send_task:  # the broker is back
        assert tasks.outbox_relay.run() == {"relayed": 3, "sent": 3, "pending": 0}
    assert send_task.call_count == 3
    assert not pending.exists()
