"""The transactional outbox: a write's tasks are recorded with it and relayed after commit."""

from __future__ import annotations

import threading
from datetime import timedelta
from unittest import mock

import pytest
from celery import current_app as celery_app
from django.db import connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from config.celery import app
from pilots.models import OutboxMessage
from pilots.services import audit, outbox
from tests.services import require_postgresql

REFUSED = OperationalError("Error 111 connecting to 127.0.0.1:6399. Connection refused.")


def pending():
    return OutboxMessage.objects.filter(relayed_at__isnull=True)


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_write_records_and_sends_nothing():
    def write_then_fail() -> None:
        with transaction.atomic():
            audit.refresh_after_commit(7)
            assert pending().count() == 1  # recorded in the write's own transaction
            raise RuntimeError("boom")

    with mock.patch.object(celery_app, "send_task") as send_task, pytest.raises(RuntimeError):
        write_then_fail()
    send_task.assert_not_called()
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_after_commit_the_rows_are_relayed_and_marked():
    with mock.patch.object(celery_app, "send_task") as send_task, transaction.atomic():
        audit.refresh_after_commit(7)
        audit.refresh_after_commit(7)  # the same pilot again: recorded once
        audit.refresh_after_commit(3)
        send_task.assert_not_called()
    send_task.assert_called_once_with("scorecards.recompute", kwargs={"pilot_ids": [3, 7]})
    assert OutboxMessage.objects.count() == 2
    assert not pending().exists()


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_the_write_succeeds_and_the_relay_sends_later():
    with mock.patch.object(celery_app, "send_task", side_effect=REFUSED):
        for pilot_id in (5, 6, 5):  # three writes, each its own transaction
            with transaction.atomic():
                audit.refresh_after_commit(pilot_id)
    rows = list(pending().order_by("pk"))
    assert [row.kwargs for row in rows] == [{"pilot_ids": [p]} for p in (5, 6, 5)]
    assert {row.attempts for row in rows} == {1}
    assert rows[0].last_error.startswith("OperationalError: Error 111")

    with mock.patch.object(celery_app, "send_task", side_effect=REFUSED):
        assert outbox.outbox_relay_pending().pending == 3  # still down: kept, counted
    assert {row.attempts for row in pending()} == {2}

    with mock.patch.object(celery_app, "send_task") as send_task:  # back
        outcome = outbox.outbox_relay_pending()
    # Pilot 5's refresh, pending twice, is sent once, merged with pilot 6's.
    send_task.assert_called_once_with("scorecards.recompute", kwargs={"pilot_ids": [5, 6]})
    assert (outcome.relayed, outcome.sent, outcome.pending) == (3, 1, 0)
    assert not pending().exists()


@pytest.mark.django_db(transaction=True)
def test_identical_tasks_are_sent_once_and_a_large_backlog_in_chunks():
    OutboxMessage.objects.bulk_create(
        [OutboxMessage(task="pilots.reminder_deliver", kwargs={"reminder_id": 1})] * 2
        + [
            OutboxMessage(task="scorecards.recompute", kwargs={"pilot_ids": [p]})
            for p in range(1, outbox.MERGE_CHUNK + 2)
        ]
    )
    with mock.patch.object(celery_app, "send_task") as send_task:
        outcome = outbox.outbox_relay_pending()
    calls = [(c.args[0], c.kwargs["kwargs"]) for c in send_task.call_args_list]
    assert calls == [
        ("scorecards.recompute", {"pilot_ids": list(range(1, outbox.MERGE_CHUNK + 1))}),
        ("scorecards.recompute", {"pilot_ids": [outbox.MERGE_CHUNK + 1]}),
        ("pilots.reminder_deliver", {"reminder_id": 1}),
    ]
    assert outcome.relayed == outbox.MERGE_CHUNK + 3


@pytest.mark.django_db(transaction=True)
def test_the_relay_purges_rows_relayed_more_than_a_day_ago():
    old = timezone.now() - outbox.KEEP_RELAYED - timedelta(minutes=1)
    OutboxMessage.objects.create(task="x", created_at=old, relayed_at=old)
    recent = OutboxMessage.objects.create(task="x", relayed_at=timezone.now())
    outbox.outbox_relay_pending()
    assert list(OutboxMessage.objects.values_list("pk", flat=True)) == [recent.pk]


def test_beat_relays_the_outbox_every_20_seconds_and_redelivers_every_minute():
    schedule = app.conf.beat_schedule
    assert schedule["outbox-relay"] == {"task": "pilots.outbox_relay", "schedule": 20.0}
    assert schedule["reminders-redeliver"]["schedule"] == 60.0


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_relays_running_at_once_send_each_row_once():
    """Four relays over the same backlog (PostgreSQL, SKIP LOCKED): no row is sent twice."""
    require_postgresql()
    OutboxMessage.objects.bulk_create(
        OutboxMessage(task="pilots.reminder_deliver", kwargs={"reminder_id": i}) for i in range(400)
    )
    sent: list[int] = []
    barrier = threading.Barrier(4)

    def send(name, kwargs):
        sent.append(kwargs["reminder_id"])

    def relay() -> None:
        try:
            barrier.wait(timeout=10)
            while outbox.outbox_relay(limit=50).relayed:
                pass
        finally:
            connection.close()

    with mock.patch.object(celery_app, "send_task", side_effect=send):
        threads = [threading.Thread(target=relay) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert sorted(sent) == list(range(400))
    assert not pending().exists()


def test_staff_see_what_waits_for_the_broker_in_the_admin_and_change_nothing(db, client):
    from tests import factories

    with mock.patch.object(celery_app, "send_task", side_effect=REFUSED):
        outbox.outbox_record("scorecards.recompute", [{"pilot_ids": [41]}])
        outbox.outbox_relay_pending()  # the beat job, with the broker still down
    row = OutboxMessage.objects.get()
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    page = client.get("/admin/pilots/outboxmessage/?relayed_at__isempty=1")
    assert page.status_code == 200
    html = page.content.decode()
    assert "scorecards.recompute" in html
    assert "OperationalError" in html  # why it waits
    assert client.get("/admin/pilots/outboxmessage/add/").status_code == 403
    client.post(f"/admin/pilots/outboxmessage/{row.pk}/delete/", {"post": "yes"})
    assert OutboxMessage.objects.filter(pk=row.pk).exists()


def test_the_admin_list_shows_the_start_of_a_long_error_and_its_page_all_of_it(db, client):
    from tests import factories

    error = "OperationalError: " + "connection refused by the broker " * 20
    row = OutboxMessage.objects.create(
        task="scorecards.recompute", kwargs={}, attempts=3, last_error=error[:500]
    )
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    listing = client.get("/admin/pilots/outboxmessage/").content.decode()
    assert error not in listing
    assert f"{error[:79]}…" in listing  # 80 characters with the ellipsis
    page = client.get(f"/admin/pilots/outboxmessage/{row.pk}/change/").content.decode()
    assert error[:500] in page
