"""Told at once: a sponsor's nomination reaches the nominee's inbox and mailbox, and the
nominee's acceptance reaches the sponsor's; nobody is told of their own action.

The emails go the production way: the change records its notification and the delivery
task in the outbox, the web process relays the task to the broker after the commit, and a
Celery worker (in this process, on the test settings' in-memory broker) emails it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from playwright.sync_api import Page, expect

from config.celery import app
from pilots.enums import OwnershipStatus, ReminderKind
from pilots.models import Pilot, Reminder
from tests.e2e.conftest import current_pilot
from tests.services import require_postgresql

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker(live_server) -> Iterator[None]:
    """A Celery worker thread consuming what the live server's requests queue.

    On PostgreSQL only: the worker's thread writes while the live server's does, which
    SQLite's shared in-memory test database refuses ("database table is locked").
    """
    require_postgresql()
    # On Redis (CI) the queue may still hold earlier tests' tasks (their rows long gone):
    # a solo worker would work through them first, and the email would come too late.
    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


def emails_to(address: str, *, wait: float = 30) -> list[mail.EmailMessage]:
    """The emails to ``address``, once there is one (the worker sends them in its thread)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        found = [m for m in mail.outbox if address in m.to]
        if found:
            return found
        time.sleep(0.1)
    return []


@pytest.fixture
def unowned(sponsor, owner, member, ops) -> Pilot:
    """A complete draft with no business owner yet."""
    pilot = current_pilot(sponsor=sponsor, owner=owner, member=member, ops=ops)
    Pilot.objects.filter(pk=pilot.pk).update(owner=None, owner_status=OwnershipStatus.NONE)
    pilot.refresh_from_db()
    return pilot


def test_a_nomination_and_its_acceptance_are_told_at_once_and_never_to_the_actor(
    live_server, worker, sign_in, unowned, sponsor, owner
):
    page: Page = sign_in(sponsor)
    page.goto(f"{live_server.url}/pilots/{unowned.reference}/register/owner/")
    page.get_by_label("Business owner", exact=True).fill(owner.username)
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".messages")).to_contain_text("nominated as business owner")

    # The nominee's email, at once (a worker, not the daily sweep).
    (nomination,) = emails_to(owner.email)
    assert nomination.subject == (
        f"{unowned.reference} {unowned.title}: You are nominated as business owner"
    )
    assert f"/pilots/{unowned.reference}/#nomination" in nomination.body

    # The nominee's inbox: the header counts it, the item says what and links to the form.
    page = sign_in(owner)
    page.goto(live_server.url)
    expect(page.locator("a.inbox .badge")).to_contain_text("1")
    page.locator("a.inbox").click()
    item = page.locator("li.reminder").first
    expect(item.get_by_role("heading")).to_contain_text("You are nominated as business owner")
    expect(item).to_contain_text(
        f"nominated you as the business owner of {unowned.reference} {unowned.title}."
    )
    item.get_by_role("button", name=f"Open {unowned.reference}").click()
    page.get_by_role("button", name="Accept ownership").click()
    expect(page.locator(".message")).to_contain_text("You are now the business owner")

    # The sponsor hears of the acceptance, in the inbox and by email.
    (accepted,) = emails_to(sponsor.email)
    assert accepted.subject == f"{unowned.reference} {unowned.title}: Ownership accepted"
    page = sign_in(sponsor)
    page.goto(f"{live_server.url}/inbox/")
    item = page.locator("li.reminder").first
    expect(item.get_by_role("heading")).to_contain_text("Ownership accepted")
    expect(item).to_contain_text(f"accepted the business ownership of {unowned.reference}")

    # Nobody was told of their own action: one notification and one email each way.
    assert sorted(Reminder.objects.values_list("kind", "recipient__username", "status")) == [
        (ReminderKind.OWNER_NOMINATED, "owner", "emailed"),
        (ReminderKind.OWNERSHIP_ACCEPTED, "sponsor", "emailed"),
    ]
    assert sorted(m.to[0] for m in mail.outbox) == sorted([owner.email, sponsor.email])
