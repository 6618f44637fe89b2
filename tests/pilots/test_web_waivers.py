"""Infrastructure waivers on the web: the step asks for them, the gate form lists them, the
pilot page shows them (expired in words) and an independent lead approves a renewal."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.urls import reverse
from django.utils.html import escape

from pilots.enums import InfrastructureAnswerValue as A
from pilots.enums import InfrastructureItem
from pilots.models import InfrastructureAnswer, Pilot
from pilots.permissions import independence_rule
from pilots.services import gates, ownership, registration
from tests.pilots.registration_helpers import infrastructure_data

MONITORING = InfrastructureItem.MONITORING
LABEL = "Monitored and alerted like a production service"
WAIVER_ENDS = date(2026, 3, 31)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel("2025-12-15 10:00", tick=False):
        yield


def step(pilot: Pilot) -> str:
    return reverse("pilots:register", args=[pilot.reference, "infrastructure"])


def monitoring(pilot: Pilot) -> InfrastructureAnswer:
    return InfrastructureAnswer.objects.get(pilot=pilot, item=MONITORING)


def as_stored(pilot: Pilot, **monitoring: str) -> dict[str, str]:
    """The step's form as it is shown (the stored answers), with monitoring changed."""
    stored = {
        answer.item: {
            "answer": answer.answer,
            "evidence_url": answer.evidence_url,
            "notes": answer.notes,
            "planned_on": str(answer.planned_on or ""),
            "waiver_reason": answer.waiver_reason,
            "waiver_expires_on": str(answer.waiver_expires_on or ""),
        }
        for answer in pilot.infrastructure.all()
    }
    stored["monitoring"] |= monitoring
    return infrastructure_data(**stored)


def no_with_waiver(**more: str) -> dict[str, str]:
    return infrastructure_data(
        monitoring={
            "answer": "no",
            "evidence_url": "",
            "waiver_reason": "Dashboard watched daily.",
            "waiver_expires_on": "2026-03-31",
            **more,
        }
    )


@pytest.fixture
def approved_waived(draft, sponsor, owner, lead) -> Pilot:
    registration.infrastructure_answer(
        pilot=draft,
        by=sponsor,
        item=MONITORING,
        answer=A.NO,
        waiver_reason="Dashboard watched daily.",
        waiver_expires_on=WAIVER_ENDS,
    )
    ownership.ownership_accept(pilot=draft, by=owner)
    gates.pilot_submit(pilot=draft, by=sponsor)
    gates.pilot_approve(pilot=draft, by=lead, rationale="Credible.")
    return draft


# --- The step ------------------------------------------------------------------------------


def test_the_step_saves_a_no_with_its_waiver(client, draft, sponsor):
    client.force_login(sponsor)
    response = client.post(step(draft), no_with_waiver())

    assert response.status_code == 302
    record = monitoring(draft)
    assert (record.answer, record.waiver_reason, record.waiver_expires_on) == (
        A.NO,
        "Dashboard watched daily.",
        WAIVER_ENDS,
    )
    assert record.waiver_requested_by == sponsor


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"waiver_expires_on": ""}, "waiver_expires_on", "A waiver needs an expiry date too."),
        ({"waiver_reason": ""}, "waiver_reason", "A waiver needs a reason too."),
        ({"answer": "planned"}, "planned_on", "Give the day it will be in place."),
        (
            {"waiver_expires_on": "2025-12-01"},
            None,
            f"The waiver for “{LABEL}” would expire on 1 Dec 2025, which has passed",
        ),
    ],
)
def test_the_step_rerenders_a_half_waiver_and_writes_nothing(
    client, draft, sponsor, fields, field, message
):
    client.force_login(sponsor)
    response = client.post(step(draft), no_with_waiver(**fields))

    assert response.status_code == 200
    form = next(f for f in response.context["forms"] if f.item == MONITORING)
    errors = form.errors.get(field or "__all__", [])
    assert any(message in error for error in errors), form.errors
    assert message in response.content.decode()
    assert monitoring(draft).answer == A.YES


def test_after_approval_the_step_says_the_rule_and_refuses_another_change(
    client, approved_waived, sponsor
):
    client.force_login(sponsor)
    page = client.get(step(approved_waived)).content.decode()
    assert registration.AFTER_APPROVAL_RULE in page
    assert "Approved by" in page  # the waiver's state, above its question

    response = client.post(
        step(approved_waived), as_stored(approved_waived, answer="planned", planned_on="2026-02-01")
    )

    assert response.status_code == 200
    form = next(f for f in response.context["forms"] if f.item == MONITORING)
    assert form.non_field_errors() == [f"“{LABEL}”: {registration.AFTER_APPROVAL_RULE}"]
    assert monitoring(approved_waived).answer == A.NO


def test_after_approval_the_step_renews_a_waiver_which_awaits_a_lead(
    client, approved_waived, sponsor
):
    client.force_login(sponsor)
    response = client.post(
        step(approved_waived),
        as_stored(
            approved_waived, waiver_reason="Onboarding in April.", waiver_expires_on="2026-04-30"
        ),
    )

    assert response.status_code == 302
    record = monitoring(approved_waived)
    assert (record.waiver_expires_on, record.waiver_pending) == (date(2026, 4, 30), True)


# --- The gate decision lists the waivers approval approves -------------------------------------


def test_the_approve_form_lists_the_pending_waivers(client, draft, sponsor, owner, lead):
    registration.infrastructure_answer(
        pilot=draft,
        by=sponsor,
        item=MONITORING,
        answer=A.NO,
        waiver_reason="Dashboard watched daily.",
        waiver_expires_on=WAIVER_ENDS,
    )
    ownership.ownership_accept(pilot=draft, by=owner)
    gates.pilot_submit(pilot=draft, by=sponsor)
    client.force_login(lead)

    page = client.get(reverse("pilots:detail", args=[draft.reference])).content.decode()

    assert "Approving also approves 1 infrastructure waiver:" in page
    assert "Dashboard watched daily. Until 31 Mar 2026." in page
    assert "To refuse a waiver, reject the pilot" in page
    response = client.post(
        reverse("pilots:decide", args=[draft.reference]),
        {"decision": "approve", "rationale": "Credible."},
    )
    assert response.status_code == 302
    assert monitoring(draft).waiver_approved_by == lead


# --- The pilot page and the lead's approval of a renewal ------------------------------------


def test_the_pilot_page_shows_the_waiver_and_says_when_it_expired(client, approved_waived, sponsor):
    client.force_login(sponsor)
    url = reverse("pilots:detail", args=[approved_waived.reference])
    page = client.get(url).content.decode()
    assert "Waiver: Dashboard watched daily." in page
    assert "Expires on 31 Mar 2026." in page
    assert "Approved by" in page

    with time_machine.travel("2026-04-01 10:00", tick=False):
        client.force_login(sponsor)  # a new day's session
        page = client.get(url).content.decode()

    assert (
        '<strong class="waiver-expired">Waiver expired on 31 Mar 2026</strong> and the item is '
        "still not in place." in page
    )


def test_an_independent_lead_approves_a_renewed_waiver_from_the_pilot_page(
    client, approved_waived, sponsor, lead
):
    registration.infrastructure_waiver_request(
        pilot=approved_waived,
        by=sponsor,
        item=MONITORING,
        reason="April.",
        expires_on=date(2026, 4, 30),
    )
    approve = reverse("pilots:waiver_approve", args=[approved_waived.reference, "monitoring"])
    client.force_login(sponsor)
    page = client.get(reverse("pilots:detail", args=[approved_waived.reference])).content.decode()
    assert "Awaiting a lead\N{RIGHT SINGLE QUOTATION MARK}s approval." in page
    assert approve not in page

    response = client.post(approve)
    assert response.status_code == 403
    assert escape(independence_rule("approve its infrastructure waivers")) in (
        response.content.decode()
    )
    assert monitoring(approved_waived).waiver_pending

    client.force_login(lead)
    assert (
        approve
        in client.get(reverse("pilots:detail", args=[approved_waived.reference])).content.decode()
    )
    response = client.post(approve)

    assert response.status_code == 302
    assert response["Location"].endswith("#infrastructure")
    assert monitoring(approved_waived).waiver_approved_by == lead
    assert client.get(approve).status_code == 302  # a GET goes to the section


def test_approving_a_waiver_that_is_not_pending_says_so(client, approved_waived, lead):
    client.force_login(lead)
    response = client.post(
        reverse("pilots:waiver_approve", args=[approved_waived.reference, "monitoring"]),
        follow=True,
    )
    assert f"“{LABEL}” has no waiver awaiting a lead." in response.content.decode()
