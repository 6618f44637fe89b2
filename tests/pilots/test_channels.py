"""Slack and Teams channels: each event reaches each matching channel exactly once, through
a real HTTP POST to a local receiver (never a real service, never a mock of HTTP)."""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from pilots.enums import ChannelDeliveryStatus, ChannelKind, ReminderKind
from pilots.models import Channel, ChannelDelivery, OutboxMessage, PilotEvent
from pilots.reminders import channels, delivery
from pilots.reminders import tasks as reminder_tasks
from pilots.services import ownership, registration
from pilots.services.channels import channel_notices_record
from scorecards.services import scorecards_recompute
from tests import factories
from tests.pilots.reminder_helpers import forget_notifications
from tests.services import require_postgresql

S = ChannelDeliveryStatus
DELIVER = "pilots.channel_deliver"


class Receiver:
    """An incoming-webhook stand-in on 127.0.0.1: records each POST, answers ``statuses``
    in turn (then 200)."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.posts.append((self.path, json.loads(body)))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok" if status == 200 else b"server error")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def paths(self) -> list[str]:
        return sorted(path for path, _ in self.posts)


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    settings.PILOTGATE_WEBHOOK_ALLOW_HTTP = True
    settings.SITE_URL = "https://pilotgate.example.com"
    receiver = Receiver()
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


def channel(receiver: Receiver, name: str, unit=None, **fields) -> Channel:
    return Channel.objects.create(
        name=name,
        kind=fields.pop("kind", ChannelKind.SLACK),
        webhook_url=f"{receiver.base}/{name}",
        business_unit=unit,
        **fields,
    )


def queued() -> list[int]:
    return sorted(
        OutboxMessage.objects.filter(task=DELIVER).values_list("kwargs__delivery_id", flat=True)
    )


def deliver_queued() -> list[str]:
    """Run each queued delivery task (as a worker would), then forget the queue."""
    outcomes = [channels.channel_deliver(delivery_id=pk) for pk in queued()]
    OutboxMessage.objects.filter(task=DELIVER).delete()
    return outcomes


@pytest.fixture
def fresh(draft):
    forget_notifications()
    ChannelDelivery.objects.all().delete()
    OutboxMessage.objects.filter(task=DELIVER).delete()
    return draft


def test_each_event_reaches_each_matching_channel_once(fresh, sponsor, owner, receiver):
    unit = fresh.business_unit
    channel(receiver, "unit", unit)
    channel(receiver, "portfolio", kind=ChannelKind.TEAMS)
    channel(receiver, "muted", unit, active=False)
    channel(receiver, "elsewhere", factories.BusinessUnitFactory())

    ownership.ownership_accept(pilot=fresh, by=owner)
    assert deliver_queued() == ["sent", "sent"]
    assert receiver.paths() == ["/portfolio", "/unit"]
    event = PilotEvent.objects.latest("at", "pk")
    link = "https://pilotgate.example.com" + reverse("pilots:detail", args=[fresh.reference])
    sentence = f"{owner.get_full_name()} accepted the business ownership of {fresh.reference}"
    slack = dict(receiver.posts)["/unit"]
    assert slack["text"].startswith(sentence)
    assert f"<{link}#people|{fresh.reference} {fresh.title}>" in slack["text"]
    teams = dict(receiver.posts)["/portfolio"]
    assert teams["@type"] == "MessageCard"
    assert teams["text"].startswith(sentence)
    assert teams["potentialAction"][0]["targets"] == [{"os": "default", "uri": link + "#people"}]
    assert set(ChannelDelivery.objects.values_list("period", "status")) == {
        (f"E{event.pk}", S.SENT)
    }


def test_an_event_recorded_again_is_not_sent_again(fresh, sponsor, owner, receiver):
    channel(receiver, "unit", fresh.business_unit)
    ownership.ownership_accept(pilot=fresh, by=owner)
    event = PilotEvent.objects.latest("at", "pk")
    again = channel_notices_record(
        pilot=fresh, kind=ReminderKind.OWNERSHIP_ACCEPTED, period=f"E{event.pk}", text="x", link="/"
    )
    assert again == []  # ON CONFLICT DO NOTHING: no row, no task
    assert deliver_queued() == ["sent"]
    assert len(receiver.posts) == 1


def test_a_second_delivery_of_the_same_row_sends_nothing(fresh, owner, receiver):
    channel(receiver, "unit", fresh.business_unit)
    ownership.ownership_accept(pilot=fresh, by=owner)
    (pk,) = queued()
    assert channels.channel_deliver(delivery_id=pk) == "sent"
    assert channels.channel_deliver(delivery_id=pk) == "skipped"
    assert len(receiver.posts) == 1


def test_a_refused_post_is_retried_then_sent(fresh, owner, receiver):
    channel(receiver, "unit", fresh.business_unit)
    receiver.statuses = [500]
    ownership.ownership_accept(pilot=fresh, by=owner)
    (pk,) = queued()
    with pytest.raises(delivery.DeliveryFailed) as failed:
        channels.channel_deliver(delivery_id=pk)
    assert not failed.value.final
    row = ChannelDelivery.objects.get(pk=pk)
    assert (row.status, row.attempts) == (S.PENDING, 1)
    assert row.last_error.startswith("HTTP 500")
    assert channels.channel_deliver(delivery_id=pk) == "sent"  # the retry
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (S.SENT, 2, "")
    assert len(receiver.posts) == 2


def test_the_task_retries_with_backoff_and_gives_up_keeping_the_error(fresh, owner, receiver):
    channel(receiver, "unit", fresh.business_unit)
    receiver.statuses = [500] * delivery.MAX_ATTEMPTS
    ownership.ownership_accept(pilot=fresh, by=owner)
    (pk,) = queued()
    ChannelDelivery.objects.filter(pk=pk).update(attempts=delivery.MAX_ATTEMPTS - 1)
    assert reminder_tasks.channel_deliver.apply(kwargs={"delivery_id": pk}).get() == "failed"
    row = ChannelDelivery.objects.get(pk=pk)
    assert row.status == S.FAILED
    assert row.last_error == "HTTP 500 Internal Server Error: server error"


def test_a_send_lost_with_its_worker_is_released_by_the_redelivery_job(fresh, owner, receiver):
    channel(receiver, "unit", fresh.business_unit)
    ownership.ownership_accept(pilot=fresh, by=owner)
    (pk,) = queued()
    OutboxMessage.objects.filter(task=DELIVER).delete()
    long_ago = timezone.now() - delivery.CLAIM_TIMEOUT - timedelta(seconds=1)
    ChannelDelivery.objects.filter(pk=pk).update(status=S.SENDING, claimed_at=long_ago)
    assert reminder_tasks.reminders_redeliver.apply().get() >= 1
    assert queued() == [pk]
    assert deliver_queued() == ["sent"]
    assert len(receiver.posts) == 1


def test_a_worse_risk_is_told_to_the_channels(running, receiver):
    channel(receiver, "unit", running.business_unit)
    scorecards_recompute(pilot_ids=[running.pk], today=running.planned_start)
    ChannelDelivery.objects.all().delete()
    OutboxMessage.objects.filter(task=DELIVER).delete()
    scorecards_recompute(pilot_ids=[running.pk], today=running.planned_end + timedelta(days=10))
    assert deliver_queued() == ["sent"]
    (_, body), *_ = receiver.posts
    assert body["text"].startswith(f"The risk of {running.reference} {running.title} rose from ")


def test_nothing_is_recorded_without_channels(fresh, owner):
    ownership.ownership_accept(pilot=fresh, by=owner)
    assert not ChannelDelivery.objects.exists()
    assert queued() == []


# --- The webhook URL ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "allow_http", "valid"),
    [
        ("https://hooks.slack.com/services/T0/B0/secret", False, True),
        ("http://127.0.0.1:9/hook", False, False),
        ("http://127.0.0.1:9/hook", True, True),
        ("ftp://example.com/hook", True, False),
        ("file:///etc/passwd", True, False),
        ("https://", False, False),
        ("hooks.slack.com/services/x", False, False),
    ],
)
def test_the_webhook_url_must_be_https_unless_http_is_allowed(settings, url, allow_http, valid):
    settings.PILOTGATE_WEBHOOK_ALLOW_HTTP = allow_http
    candidate = Channel(name="c", kind=ChannelKind.SLACK, webhook_url=url)
    if valid:
        candidate.clean_fields()
    else:
        with pytest.raises(ValidationError):
            candidate.clean_fields()


def test_a_url_no_longer_allowed_is_not_posted_to(fresh, owner, receiver, settings):
    channel(receiver, "unit", fresh.business_unit)
    ownership.ownership_accept(pilot=fresh, by=owner)
    settings.PILOTGATE_WEBHOOK_ALLOW_HTTP = False
    with pytest.raises(delivery.DeliveryFailed):
        deliver_queued()
    assert receiver.posts == []


# --- The admin ---------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, db):
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    return client


def test_the_admin_list_masks_the_webhook_url(admin_client, receiver):
    secret = channel(receiver, "portfolio")
    listing = admin_client.get(reverse("admin:pilots_channel_changelist")).content.decode()
    assert "http://127.0.0.1/…" in listing
    assert secret.webhook_url not in listing
    assert "The whole portfolio" in listing
    page = admin_client.get(reverse("admin:pilots_channel_change", args=[secret.pk]))
    assert secret.webhook_url not in page.content.decode()


def test_the_admin_adds_a_channel_and_keeps_the_url_when_left_empty(admin_client, settings):
    settings.PILOTGATE_WEBHOOK_ALLOW_HTTP = False
    add = reverse("admin:pilots_channel_add")
    form = {"name": "Ops", "kind": "slack", "webhook_url": "http://hooks.example.com/x"}
    refused = admin_client.post(add, {**form, "active": "on"})
    assert "it starts with https://" in refused.content.decode()
    url = "https://hooks.example.com/services/secret"
    admin_client.post(add, {**form, "webhook_url": url, "active": "on"})
    saved = Channel.objects.get()
    assert (saved.webhook_url, saved.business_unit, saved.active) == (url, None, True)
    change = reverse("admin:pilots_channel_change", args=[saved.pk])
    admin_client.post(change, {**form, "webhook_url": "", "name": "Ops 2"})
    saved.refresh_from_db()
    assert (saved.name, saved.webhook_url, saved.active) == ("Ops 2", url, False)


def test_the_test_button_posts_now_and_reports_success_or_the_error(admin_client, receiver):
    ok = channel(receiver, "ok", kind=ChannelKind.TEAMS)
    broken = channel(receiver, "broken")
    receiver.statuses = [500]  # "broken" comes first (by name)
    response = admin_client.post(
        reverse("admin:pilots_channel_changelist"),
        {"action": "send_test_message", "_selected_action": [ok.pk, broken.pk]},
        follow=True,
    )
    notes = [str(message) for message in response.context["messages"]]
    assert notes == [
        "broken: the test message failed: HTTP 500 Internal Server Error: server error",
        "ok: the test message was sent.",
    ]
    assert receiver.paths() == ["/broken", "/ok"]
    assert dict(receiver.posts)["/ok"]["text"] == channels.TEST_TEXT
    assert not ChannelDelivery.objects.exists()


def test_the_test_button_reports_an_unreachable_webhook(admin_client, receiver):
    gone = Channel.objects.create(name="gone", kind="slack", webhook_url="http://127.0.0.1:9/x")
    response = admin_client.post(
        reverse("admin:pilots_channel_changelist"),
        {"action": "send_test_message", "_selected_action": [gone.pk]},
        follow=True,
    )
    (note,) = [str(message) for message in response.context["messages"]]
    assert note.startswith("gone: the test message failed: URLError: ")
    assert "127.0.0.1:9/x" not in note


# --- Two workers at once (PostgreSQL) ---------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_the_same_rows_post_each_once(receiver):
    """Two threads (two workers' deliveries) over the same rows at once: one POST each."""
    require_postgresql()
    pilot = factories.PilotFactory()
    hooks = [channel(receiver, f"c{i}", pilot.business_unit) for i in range(3)]
    rows = ChannelDelivery.objects.bulk_create(
        ChannelDelivery(
            channel=hook,
            pilot=pilot,
            kind=ReminderKind.PILOT_STARTED,
            period=f"E{n}",
            sweep=uuid.uuid4(),
            text="t",
            link="/",
        )
        for hook in hooks
        for n in range(10)
    )
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            outcomes.extend(channels.channel_deliver(delivery_id=row.pk) for row in rows)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes).count("sent") == len(rows)
    assert len(receiver.posts) == len(rows)
    assert set(ChannelDelivery.objects.values_list("status", flat=True)) == {S.SENT}


@pytest.mark.parametrize("kind", sorted(ReminderKind.EVENTS - {ReminderKind.RISK_WORSENED}))
def test_a_channels_sentence_names_no_you(kind):
    """A channel is read by a whole team: its sentence never says "you" or "your"."""
    from pilots.services.notifications import NOTICES

    notice = NOTICES[kind]
    sentence = (notice.channel or notice.reason).format(
        actor="Ada", pilot="PIL-0042", title="Claims triage", subject="Runbook", why=""
    )
    assert not re.search(r"\byou(r)?\b", sentence, re.IGNORECASE), sentence


def test_a_team_change_reaches_the_channel_in_the_third_person(fresh, sponsor, receiver):
    channel(receiver, "unit", fresh.business_unit)
    registration.member_add(pilot=fresh, by=sponsor, user=factories.UserFactory())
    assert deliver_queued() == ["sent"]
    (text,) = [post["text"] for _path, post in receiver.posts]
    assert text.startswith(f"{sponsor.get_full_name()} added a member to the team of ")
    assert not re.search(r"\byou\b", text)
