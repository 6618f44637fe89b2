"""Slack/Teams channels with two real Celery workers on Redis: each event reaches each
channel exactly once, although every delivery task is queued twice (as a broker's
redelivery or the redelivery job would) and two worker processes race for them."""

from __future__ import annotations

import os
import threading
import time
import uuid

import pytest

from config.celery import app
from pilots.enums import ChannelDeliveryStatus, ReminderKind
from pilots.models import ChannelDelivery
from tests import factories
from tests.integration.processes import database_url, solo_worker
from tests.pilots.test_channels import Receiver, channel
from tests.services import redis_broker_url, require_postgresql

EVENTS = 8  # events a channel must hear of, once each


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_workers_post_each_event_once_per_channel(tmp_path, settings):
    require_postgresql()
    broker = redis_broker_url()
    settings.PILOTGATE_WEBHOOK_ALLOW_HTTP = True
    receiver = Receiver()
    server = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    server.start()
    pilot = factories.PilotFactory()
    hooks = [channel(receiver, "unit", pilot.business_unit), channel(receiver, "portfolio")]
    rows = ChannelDelivery.objects.bulk_create(
        ChannelDelivery(
            channel=hook,
            pilot=pilot,
            kind=ReminderKind.PILOT_STARTED,
            period=f"E{n}",
            sweep=uuid.uuid4(),
            text=f"Event {n}",
            link="/",
        )
        for hook in hooks
        for n in range(EVENTS)
    )
    queue = f"test-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),  # the test database, so the workers see the rows
        "CELERY_BROKER_URL": broker,
        "PILOTGATE_WEBHOOK_ALLOW_HTTP": "true",
    }
    workers = [solo_worker(queue, env, tmp_path / f"worker{i}.log") for i in (1, 2)]

    def logs() -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()}" for p in sorted(tmp_path.glob("*.log")))

    try:
        with app.connection_for_write(broker) as conn:
            for _ in range(2):  # every task twice
                for row in rows:
                    app.send_task(
                        "pilots.channel_deliver",
                        kwargs={"delivery_id": row.pk},
                        queue=queue,
                        connection=conn,
                    )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and (
            ChannelDelivery.objects.exclude(status=ChannelDeliveryStatus.SENT).exists()
        ):
            assert all(worker.poll() is None for worker in workers), logs()
            time.sleep(0.5)
        time.sleep(2)  # the duplicates still in flight must send nothing
        assert not ChannelDelivery.objects.exclude(status=ChannelDeliveryStatus.SENT).exists(), (
            logs()
        )
        posted = sorted((path, body["text"].split(" <")[0]) for path, body in receiver.posts)
        assert posted == sorted(
            (f"/{hook.name}", f"Event {n}") for hook in hooks for n in range(EVENTS)
        ), logs()
        assert all(row.attempts == 1 for row in ChannelDelivery.objects.all())
        ran = [(tmp_path / f"worker{i}.log").read_text().count("succeeded") for i in (1, 2)]
        assert sum(ran) == 2 * len(rows), logs()  # every copy ran: half of them found it taken
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
        receiver.server.shutdown()
        receiver.server.server_close()
