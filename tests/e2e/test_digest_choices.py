"""The digest card on the profile in the browser: a business owner chooses, kind by
kind, a daily or weekly digest instead of an email at once, saves, and finds the choice
kept (on the page and in the database); back to "At once" removes it. Axe passes."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from pilots.enums import DigestCadence, ReminderKind
from pilots.models import DigestChoice
from tests.e2e.test_accessibility import blocking_violations

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_owner_chooses_digests_kind_by_kind_and_keeps_them(live_server, sign_in, owner):
    page: Page = sign_in(owner)
    page.goto(f"{live_server.url}/account/#digests")
    card = page.locator("#digests")
    expect(card.get_by_role("heading", name="Digests")).to_be_visible()
    due_soon = card.get_by_label(ReminderKind.TASK_DUE_SOON.label, exact=True)
    nominated = card.get_by_label(ReminderKind.OWNER_NOMINATED.label, exact=True)
    expect(due_soon).to_have_value("")  # at once until chosen otherwise
    assert blocking_violations(page) == []

    due_soon.select_option(label=DigestCadence.DAILY.label)
    nominated.select_option(label=DigestCadence.WEEKLY.label)
    card.get_by_role("button", name="Save digest settings").click()

    expect(page.get_by_role("status").first).to_be_visible()
    card = page.locator("#digests")
    expect(card.get_by_label(ReminderKind.TASK_DUE_SOON.label, exact=True)).to_have_value(
        DigestCadence.DAILY
    )
    expect(card.get_by_label(ReminderKind.OWNER_NOMINATED.label, exact=True)).to_have_value(
        DigestCadence.WEEKLY
    )
    assert dict(DigestChoice.objects.filter(user=owner).values_list("kind", "cadence")) == {
        ReminderKind.TASK_DUE_SOON: DigestCadence.DAILY,
        ReminderKind.OWNER_NOMINATED: DigestCadence.WEEKLY,
    }

    # Back to "At once": the choice is removed, the other one kept.
    card.get_by_label(ReminderKind.TASK_DUE_SOON.label, exact=True).select_option(label="At once")
    card.get_by_role("button", name="Save digest settings").click()
    expect(
        page.locator("#digests").get_by_label(ReminderKind.TASK_DUE_SOON.label, exact=True)
    ).to_have_value("")
    assert dict(DigestChoice.objects.filter(user=owner).values_list("kind", "cadence")) == {
        ReminderKind.OWNER_NOMINATED: DigestCadence.WEEKLY
    }
