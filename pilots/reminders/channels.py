"""Channel delivery: post one event's message to a Slack or Teams incoming webhook,
exactly once (claim, send, release or give up), as ``delivery`` emails a reminder.

The message is the inbox's: the sentence, with an absolute link to the page. The
webhook URL is a secret: errors and logs name the channel, never the URL.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.utils import timezone

from pilots.enums import ChannelDeliveryStatus, ChannelKind
from pilots.models import Channel, ChannelDelivery
from pilots.models.channels import webhook_url_validate
from pilots.reminders.delivery import CLAIM_TIMEOUT, MAX_ATTEMPTS, DeliveryFailed

log = logging.getLogger(__name__)

S = ChannelDeliveryStatus
# Seconds to wait for the webhook's answer: well inside the task's time limit.
POST_TIMEOUT = 10
TEST_TEXT = "A test message from Pilotgate: this channel will be told of its pilots' events."


class WebhookError(Exception):
    """The webhook refused the message or could not be reached (no URL in the text)."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A webhook answers, it does not send us elsewhere: a redirect is a failure."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _slack_escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def channel_message(kind: str, *, text: str, url: str, title: str) -> dict[str, Any]:
    """The JSON an incoming webhook of ``kind`` takes: ``text`` with a link to ``url``.

    Slack: ``{"text": …}`` in mrkdwn (``<url|label>``); Teams: a MessageCard with an
    "Open in Pilotgate" button.
    """
    if kind == ChannelKind.SLACK:
        return {"text": f"{_slack_escaped(text)} <{url}|{_slack_escaped(title)}>"}
    return {
        "@type": "MessageCard",
        "@context": "https://schema.org/extensions",
        "summary": text[:100],
        "title": title,
        "text": text,
        "potentialAction": [
            {
                "@type": "OpenUri",
                "name": "Open in Pilotgate",
                "targets": [{"os": "default", "uri": url}],
            }
        ],
    }


def webhook_post(url: str, payload: dict[str, Any]) -> None:
    """POST ``payload`` as JSON; return on a 2xx answer, raise ``WebhookError`` otherwise."""
    try:
        webhook_url_validate(url)  # again: the setting may have changed since it was saved
    except ValidationError as exc:
        raise WebhookError("The webhook URL is not allowed (https only).") from exc
    request = urllib.request.Request(  # noqa: S310 (scheme checked just above)
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "User-Agent": "Pilotgate"},
        method="POST",
    )
    try:
        with _opener.open(request, timeout=POST_TIMEOUT) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        body = exc.read(200).decode("utf-8", "replace")
        raise WebhookError(f"HTTP {exc.code} {exc.reason}: {body}".strip(": ")) from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise WebhookError(f"{type(exc).__name__}: {reason}") from exc
    if not 200 <= status < 300:
        raise WebhookError(f"HTTP {status}")


def channel_deliver(*, delivery_id: int) -> str:
    """Post one recorded channel message unless another delivery has it; return the outcome.

    Outcomes: ``sent``, or ``skipped`` (already sent, or being sent, elsewhere; or
    its channel was deactivated meanwhile: then it is failed). Raises
    ``DeliveryFailed`` when the webhook refused or could not be reached: the row is
    then pending again, or failed after ``MAX_ATTEMPTS`` attempts with the error kept.
    """
    now = timezone.now()
    claimed = (
        ChannelDelivery.objects.filter(pk=delivery_id)
        .filter(Q(status=S.PENDING) | Q(status=S.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT))
        .update(status=S.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return "skipped"
    row = ChannelDelivery.objects.select_related("channel", "pilot").get(pk=delivery_id)
    mine = ChannelDelivery.objects.filter(pk=delivery_id, status=S.SENDING, claimed_at=now)
    channel = row.channel
    if not channel.active:
        mine.update(status=S.FAILED, last_error="The channel was deactivated before it went out.")
        return "skipped"
    payload = channel_message(
        channel.kind,
        text=row.text,
        url=settings.SITE_URL + row.link,
        title=f"{row.pilot.reference} {row.pilot.title}",
    )
    try:
        webhook_post(channel.webhook_url, payload)
    except WebhookError as exc:
        final = row.attempts >= MAX_ATTEMPTS
        mine.update(status=S.FAILED if final else S.PENDING, last_error=str(exc)[:500])
        log.warning("channel %s: delivery %s failed: %s", channel.name, delivery_id, exc)
        raise DeliveryFailed(str(exc), attempts=row.attempts, final=final) from exc
    mine.update(status=S.SENT, sent_at=timezone.now(), last_error="")
    return S.SENT


def channel_test_send(*, channel: Channel) -> None:
    """Post a test message to ``channel`` now; raise ``WebhookError`` with what went wrong."""
    webhook_post(
        channel.webhook_url,
        channel_message(
            channel.kind, text=TEST_TEXT, url=settings.SITE_URL + "/", title="Pilotgate"
        ),
    )
