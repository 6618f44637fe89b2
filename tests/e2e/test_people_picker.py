"""The people picker in the browser: suggestions as one types, under the strict CSP."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from pilots.models import Pilot
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_sponsor_nominates_an_owner_by_typing_part_of_their_name(
    live_server, sign_in, live_draft: Pilot, sponsor
):
    ada = factories.UserFactory(username="ada", first_name="Ada", last_name="Lovelace")
    factories.UserFactory(username="grace", first_name="Grace", last_name="Hopper")
    page = sign_in(sponsor)
    page.goto(live_server.url + reverse("pilots:register", args=[live_draft.reference, "owner"]))
    box = page.get_by_label("Business owner", exact=True)
    box.fill("")
    box.press_sequentially("lovel", delay=50)
    # people.js fills the box's datalist from /people/?q= (no inline script: the CSP holds).
    options = page.locator(f"datalist#{box.get_attribute('list')} option")
    expect(options).to_have_count(1)
    assert options.first.get_attribute("value") == "Ada Lovelace (ada)"
    box.fill("Ada Lovelace (ada)")  # what picking the suggestion puts in the box
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".message").first).to_contain_text("Ada Lovelace nominated")
    live_draft.refresh_from_db()
    assert live_draft.owner == ada
