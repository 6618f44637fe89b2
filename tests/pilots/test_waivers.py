"""Infrastructure waivers: "no" or "planned" needs a dated waiver, a lead approves it with
the pilot (or later), and after approval an answer only becomes "yes" or renews its waiver."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from pilots.enums import InfrastructureAnswerValue as A
from pilots.enums import InfrastructureItem, Stage
from pilots.errors import NotAllowed, TransitionRefused
from pilots.models import ContractChange, InfrastructureAnswer, Pilot, PilotEvent
from pilots.permissions import independence_rule
from pilots.services import gates, ownership, registration
from tests import factories

MONITORING = InfrastructureItem.MONITORING
LABEL = "Monitored and alerted like a production service"
# The fixture pilots run from 5 Jan to 5 Jul 2026; these tests begin before the start.
BEFORE_START = date(2025, 12, 15)
WAIVER_ENDS = date(2026, 3, 31)
RULE = independence_rule("approve its infrastructure waivers")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel("2025-12-15 10:00", tick=False):
        yield


def answer_no(pilot: Pilot, by, *, reason: str = "", expires_on: date | None = None, **more):
    return registration.infrastructure_answer(
        pilot=pilot,
        by=by,
        item=MONITORING,
        answer=more.pop("answer", A.NO),
        waiver_reason=reason,
        waiver_expires_on=expires_on,
        **more,
    )


def monitoring(pilot: Pilot) -> InfrastructureAnswer:
    return InfrastructureAnswer.objects.get(pilot=pilot, item=MONITORING)


def codes(refused: pytest.ExceptionInfo[TransitionRefused]) -> list[str]:
    return [item.code for item in refused.value.missing]


@pytest.fixture
def waived(draft, sponsor, owner) -> Pilot:
    """The complete draft with monitoring "no" under a waiver until 31 Mar 2026, owner accepted."""
    answer_no(draft, sponsor, reason="Dashboard watched daily.", expires_on=WAIVER_ENDS)
    ownership.ownership_accept(pilot=draft, by=owner)
    return draft


@pytest.fixture
def approved_waived(waived, sponsor, lead) -> Pilot:
    gates.pilot_submit(pilot=waived, by=sponsor)
    gates.pilot_approve(pilot=waived, by=lead, rationale="Credible, with the waiver.")
    return waived


# --- The database's invariants ----------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [
        {"answer": A.PLANNED},  # planned, no date
        {"answer": A.NO, "planned_on": date(2026, 2, 1)},  # a date on a "no"
        {"answer": A.NO, "waiver_reason": "Soon.", "waiver_requested_at": "2025-12-01T10:00Z"},
        {
            "answer": A.NO,
            "waiver_expires_on": WAIVER_ENDS,
            "waiver_requested_at": "2025-12-01T10:00Z",
        },
        {"answer": A.NO, "waiver_reason": "Soon.", "waiver_expires_on": WAIVER_ENDS},  # who asked?
        {
            "answer": A.YES,
            "evidence_url": "https://example.com/e",
            "waiver_reason": "Soon.",
            "waiver_expires_on": WAIVER_ENDS,
            "waiver_requested_at": "2025-12-01T10:00Z",
        },
        {"answer": A.NO, "waiver_approved_at": "2025-12-01T10:00Z"},  # approved, never asked
    ],
)
def test_the_database_refuses_an_incomplete_or_impossible_waiver(empty_draft, values):
    with pytest.raises(IntegrityError), transaction.atomic():
        InfrastructureAnswer.objects.create(pilot=empty_draft, item=MONITORING, **values)


# --- Submission: each "no" or "planned" without a waiver is named ------------------------


def test_submission_names_each_answer_without_a_waiver_with_its_step(draft, sponsor):
    answer_no(draft, sponsor)
    registration.infrastructure_answer(
        pilot=draft,
        by=sponsor,
        item=InfrastructureItem.SECURITY_REVIEW,
        answer=A.PLANNED,
        planned_on=date(2026, 2, 1),
    )

    with pytest.raises(TransitionRefused) as refused:
        gates.pilot_submit(pilot=draft, by=sponsor)

    waivers = [item for item in refused.value.missing if "waiver" in item.code]
    assert [(item.code, item.message, item.section) for item in waivers] == [
        (
            "infrastructure_monitoring_waiver",
            f"“{LABEL}” is “No” without a waiver: give a reason and an expiry date.",
            "infrastructure",
        ),
        (
            "infrastructure_security_review_waiver",
            "“Security and privacy review booked or done” is “Planned, with a date” without a "
            "waiver: give a reason and an expiry date.",
            "infrastructure",
        ),
    ]
    assert Pilot.objects.get(pk=draft.pk).stage == Stage.DRAFT


def test_a_waiver_that_ends_before_the_planned_start_is_refused_at_submission(draft, sponsor):
    answer_no(draft, sponsor, reason="Dashboard watched daily.", expires_on=date(2026, 1, 4))

    with pytest.raises(TransitionRefused) as refused:
        gates.pilot_submit(pilot=draft, by=sponsor)

    assert codes(refused) == ["infrastructure_monitoring_waiver_expiry"]
    assert refused.value.missing[0].message == (
        f"The waiver for “{LABEL}” expires on 4 Jan 2026, before the planned start "
        "(5 Jan 2026): give a later expiry date, or put it in place."
    )


def test_a_draft_may_save_a_no_without_a_waiver_but_not_half_a_waiver(draft, sponsor):
    answer_no(draft, sponsor)
    assert monitoring(draft).has_waiver is False

    with pytest.raises(ValidationError) as error:
        answer_no(draft, sponsor, reason="Dashboard watched daily.")
    assert error.value.message_dict == {
        "waiver_expires_on": [
            f"The waiver for “{LABEL}” needs an expiry date too: a waiver is a reason and an "
            "expiry date."
        ]
    }
    with pytest.raises(ValidationError) as error:
        answer_no(draft, sponsor, answer=A.PLANNED)
    assert error.value.message_dict == {
        "planned_on": [f"“{LABEL}” is planned: give the date it will be in place."]
    }
    with pytest.raises(ValidationError) as error:
        answer_no(draft, sponsor, reason="Late.", expires_on=date(2025, 12, 14))
    assert "has passed" in error.value.message_dict["waiver_expires_on"][0]
    assert monitoring(draft).has_waiver is False


def test_a_waiver_records_who_asked_and_a_yes_ends_it(draft, sponsor):
    answer_no(draft, sponsor, reason="Dashboard watched daily.", expires_on=WAIVER_ENDS)
    record = monitoring(draft)
    assert (record.waiver_requested_by, record.waiver_pending) == (sponsor, True)

    registration.infrastructure_answer(
        pilot=draft, by=sponsor, item=MONITORING, answer=A.YES, evidence_url="https://e.example/m"
    )

    record = monitoring(draft)
    assert (record.waiver_reason, record.waiver_expires_on, record.waiver_requested_at) == (
        "",
        None,
        None,
    )


# --- Approval approves the waivers ---------------------------------------------------------


def test_approving_the_pilot_approves_its_waivers_and_records_it(approved_waived, lead):
    record = monitoring(approved_waived)

    assert (record.waiver_approved_by, record.waiver_pending) == (lead, False)
    event = PilotEvent.objects.get(pilot=approved_waived, action=PilotEvent.Action.WAIVER_APPROVED)
    assert (event.actor, event.subject) == (lead, LABEL)
    assert event.changes["waiver_expires_on"] == [None, "2026-03-31"]


def test_a_waiver_expired_before_the_decision_refuses_approval(waived, sponsor, lead):
    gates.pilot_submit(pilot=waived, by=sponsor)

    with pytest.raises(TransitionRefused) as refused:
        gates.pilot_approve(pilot=waived, by=lead, rationale="Fine.", today=date(2026, 4, 1))

    assert codes(refused) == ["infrastructure_monitoring_waiver_expired"]
    assert monitoring(waived).waiver_pending


def test_a_lead_who_sponsors_the_pilot_approves_neither_it_nor_its_waivers(owner):
    sponsoring_lead = factories.lead_user("lead_sponsor")
    pilot = factories.PilotFactory(
        sponsor=sponsoring_lead, stage=Stage.RUNNING, started_on=date(2026, 1, 5)
    )
    factories.complete_registration(pilot)
    InfrastructureAnswer.objects.filter(pilot=pilot, item=MONITORING).update(
        answer=A.NO,
        evidence_url="",
        waiver_reason="Watched daily.",
        waiver_expires_on=WAIVER_ENDS,
        waiver_requested_at=timezone.now(),
    )

    with pytest.raises(NotAllowed, match=RULE):
        registration.infrastructure_waiver_approve(pilot=pilot, by=sponsoring_lead, item=MONITORING)
    assert monitoring(pilot).waiver_pending


# --- After approval: only "yes", or a renewal ---------------------------------------------


def test_after_approval_an_answer_may_become_yes_which_ends_its_waiver(approved_waived, sponsor):
    registration.infrastructure_change_after_approval(
        pilot=approved_waived,
        by=sponsor,
        item=MONITORING,
        answer=A.YES,
        evidence_url="https://e.example/alerts",
        reason="Alerting is live on the platform.",  # a change to the approved contract
    )

    record = monitoring(approved_waived)
    assert (record.answer, record.has_waiver, record.waiver_approved_at) == (A.YES, False, None)
    change = ContractChange.objects.get(pilot=approved_waived)
    assert (change.key, change.reason) == (
        "infrastructure.monitoring",
        "Alerting is live on the platform.",
    )


@pytest.mark.parametrize(
    "change",
    [
        {"answer": A.PLANNED, "planned_on": date(2026, 2, 1)},  # no → planned
        {"answer": A.NO, "notes": "A new note."},  # the waiver unchanged
    ],
)
def test_after_approval_any_other_change_is_refused_naming_the_rule(
    approved_waived, sponsor, change
):
    record = monitoring(approved_waived)
    with pytest.raises(ValidationError) as error:
        registration.infrastructure_answer(
            pilot=approved_waived,
            by=sponsor,
            item=MONITORING,
            waiver_reason=record.waiver_reason,
            waiver_expires_on=record.waiver_expires_on,
            **change,
        )

    assert error.value.message_dict["answer"] == [f"“{LABEL}”: {registration.AFTER_APPROVAL_RULE}"]
    assert monitoring(approved_waived).answer == A.NO


def test_a_yes_stays_a_yes_after_approval(approved_waived, sponsor):
    with pytest.raises(ValidationError, match="After approval"):
        registration.infrastructure_answer(
            pilot=approved_waived,
            by=sponsor,
            item=InfrastructureItem.CI_CD,
            answer=A.NO,
            waiver_reason="Broken.",
            waiver_expires_on=WAIVER_ENDS,
        )


def test_a_renewed_waiver_awaits_a_lead_again_who_approves_it(approved_waived, sponsor, lead):
    registration.infrastructure_waiver_request(
        pilot=approved_waived,
        by=sponsor,
        item=MONITORING,
        reason="The platform team onboards us in April.",
        expires_on=date(2026, 4, 30),
    )
    record = monitoring(approved_waived)
    assert (record.waiver_expires_on, record.waiver_pending, record.answer) == (
        date(2026, 4, 30),
        True,
        A.NO,
    )

    registration.infrastructure_waiver_approve(pilot=approved_waived, by=lead, item=MONITORING)

    assert monitoring(approved_waived).waiver_approved_by == lead
    with pytest.raises(ValidationError, match="no waiver awaiting a lead"):
        registration.infrastructure_waiver_approve(pilot=approved_waived, by=lead, item=MONITORING)


def test_an_expired_waiver_is_renewed_before_a_lead_may_approve_it(approved_waived, sponsor, lead):
    registration.infrastructure_waiver_request(
        pilot=approved_waived, by=sponsor, item=MONITORING, reason="April.", expires_on=WAIVER_ENDS
    )
    with pytest.raises(ValidationError, match="expired on 31 Mar 2026: the sponsor renews it"):
        registration.infrastructure_waiver_approve(
            pilot=approved_waived, by=lead, item=MONITORING, today=date(2026, 4, 1)
        )


def test_a_yes_answer_has_no_waiver_to_request(approved_waived, sponsor):
    with pytest.raises(ValidationError, match="needs no waiver"):
        registration.infrastructure_waiver_request(
            pilot=approved_waived,
            by=sponsor,
            item=InfrastructureItem.CI_CD,
            reason="x",
            expires_on=WAIVER_ENDS,
        )


def test_a_proposed_pilots_waivers_are_approved_with_the_pilot_only(waived, sponsor, lead):
    gates.pilot_submit(pilot=waived, by=sponsor)
    with pytest.raises(ValidationError, match="approved with the pilot's approval"):
        registration.infrastructure_waiver_approve(pilot=waived, by=lead, item=MONITORING)


def test_a_checklist_refusal_is_keyed_by_its_question_and_keeps_nothing(draft, sponsor):
    with pytest.raises(ValidationError) as error:
        registration.infrastructure_checklist_update(
            pilot=draft,
            by=sponsor,
            answers={
                "ci_cd": {"answer": A.NO, "waiver_reason": "x", "waiver_expires_on": WAIVER_ENDS},
                "monitoring": {"answer": A.PLANNED},
            },
        )

    assert set(error.value.message_dict) == {"monitoring"}
    assert InfrastructureAnswer.objects.get(pilot=draft, item="ci_cd").answer == A.YES
