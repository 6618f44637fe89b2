"""Slack and Teams channels: record one message per event and channel, send it after.

The service that records a change's inbox notifications (``notifications``) calls
``channel_notices_record`` once per event, in the change's transaction: one
``ChannelDelivery`` per active channel of the pilot's business unit and per active
portfolio channel (no business unit), inserted with ``ON CONFLICT DO NOTHING`` on
(channel, pilot, kind, period), so an event recorded twice is sent once. Only the
rows this call inserted get a delivery task, through the outbox (relayed after the
commit); ``pilots.reminders.channels`` sends them, claim first.
"""

from __future__ import annotations

import uuid

from django.db.models import Q
from django.utils import timezone

from pilots.models import Channel, ChannelDelivery, Pilot
from pilots.services.outbox import OutboxRelay, outbox_record

# The channels' delivery task (``pilots.reminders.tasks``), sent by name through the outbox.
CHANNEL_DELIVER_TASK = "pilots.channel_deliver"


def channel_deliveries_enqueue(delivery_ids: list[int]) -> OutboxRelay | None:
    """One delivery task per channel message, in the outbox of the caller's transaction."""
    return outbox_record(CHANNEL_DELIVER_TASK, [{"delivery_id": pk} for pk in delivery_ids])


def channel_notices_record(
    *, pilot: Pilot, kind: str, period: str, text: str, link: str
) -> list[int]:
    """Record the event's message for each active channel it concerns; return the new ids.

    ``text`` is the inbox's sentence, ``link`` its path. The pilot's business unit's
    channels and the portfolio's are told; inactive ones and other units' are not.
    """
    channels = list(
        Channel.objects.filter(active=True)
        .filter(Q(business_unit__isnull=True) | Q(business_unit_id=pilot.business_unit_id))
        .values_list("pk", flat=True)
    )
    if not channels:
        return []
    sweep = uuid.uuid4()
    now = timezone.now()
    ChannelDelivery.objects.bulk_create(
        [
            ChannelDelivery(
                channel_id=pk,
                pilot=pilot,
                kind=kind,
                period=period,
                sweep=sweep,
                text=text[:300],
                link=link[:300],
                created_at=now,
            )
            for pk in channels
        ],
        ignore_conflicts=True,
    )
    ids = list(
        ChannelDelivery.objects.filter(sweep=sweep).order_by("pk").values_list("pk", flat=True)
    )
    channel_deliveries_enqueue(ids)
    return ids
