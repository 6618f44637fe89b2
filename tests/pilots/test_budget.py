"""The budget holder: a person named in the operating plan who accepts (or declines) the
12-month run cost before approval, asked again when the holder or the run cost changes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from pilots.enums import BudgetStatus, ReminderKind
from pilots.errors import NotAllowed, TransitionRefused
from pilots.models import OperatingPlan, PilotEvent, Reminder
from pilots.services import budget, gates, ownership, registration
from tests import factories
from tests.pilots.reminder_helpers import forget_notifications

K = ReminderKind


def told(kind: str) -> set[str]:
    return set(Reminder.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def plan_of(pilot) -> OperatingPlan:
    return OperatingPlan.objects.get(pilot=pilot)


@pytest.fixture
def holder(db):
    return factories.UserFactory(username="holder", first_name="Olivia", last_name="Grant")


@pytest.fixture
def asked(draft, sponsor, holder):
    """The draft with ``holder`` named budget holder (pending), notifications forgotten."""
    registration.operating_plan_update(pilot=draft, by=sponsor, budget_holder=holder)
    forget_notifications()
    return draft


# --- Naming, and asking again ------------------------------------------------------------


def test_naming_a_budget_holder_asks_them_at_once(draft, sponsor, holder):
    forget_notifications()
    registration.operating_plan_update(pilot=draft, by=sponsor, budget_holder=holder)
    plan = plan_of(draft)
    assert (plan.budget_holder, plan.budget_status) == (holder, BudgetStatus.PENDING)
    assert plan.budget_named_at is not None
    assert plan.budget_responded_at is None
    assert told(K.BUDGET_NAMED) == {"holder"}
    (note,) = Reminder.objects.filter(kind=K.BUDGET_NAMED)
    assert note.link.endswith("#budget")
    event = PilotEvent.objects.filter(pilot=draft, action=PilotEvent.Action.PLAN_CHANGED).last()
    assert event.changes["budget_status"] == ["accepted", "pending"]
    assert event.changes["budget_holder"][1] == "holder"


def test_the_actor_is_not_told_of_naming_themselves(draft, sponsor):
    forget_notifications()
    registration.operating_plan_update(pilot=draft, by=sponsor, budget_holder=sponsor)
    assert plan_of(draft).budget_status == BudgetStatus.PENDING  # still asked to accept
    assert told(K.BUDGET_NAMED) == set()


def test_a_new_run_cost_after_acceptance_asks_again(asked, sponsor, holder):
    budget.budget_accept(pilot=asked, by=holder)
    forget_notifications()
    registration.operating_plan_update(pilot=asked, by=sponsor, run_cost_per_month=Decimal(9000))
    plan = plan_of(asked)
    assert (plan.budget_status, plan.budget_responded_at) == (BudgetStatus.PENDING, None)
    assert told(K.BUDGET_NAMED) == {"holder"}


def test_another_holder_after_acceptance_asks_the_new_one(asked, sponsor, holder, owner):
    budget.budget_accept(pilot=asked, by=holder)
    forget_notifications()
    registration.operating_plan_update(pilot=asked, by=sponsor, budget_holder=owner)
    plan = plan_of(asked)
    assert (plan.budget_holder, plan.budget_status) == (owner, BudgetStatus.PENDING)
    assert told(K.BUDGET_NAMED) == {"owner"}


def test_other_plan_changes_keep_the_acceptance(asked, sponsor, holder):
    budget.budget_accept(pilot=asked, by=holder)
    forget_notifications()
    registration.operating_plan_update(pilot=asked, by=sponsor, support_model="24/7 rota.")
    assert plan_of(asked).budget_status == BudgetStatus.ACCEPTED
    assert told(K.BUDGET_NAMED) == set()


def test_removing_the_holder_clears_the_answer(asked, sponsor):
    registration.operating_plan_update(pilot=asked, by=sponsor, budget_holder=None)
    plan = plan_of(asked)
    assert (plan.budget_holder, plan.budget_status) == (None, BudgetStatus.NONE)
    assert [i.code for i in gates.submission_missing_items(asked)] == ["budget_holder"]


def test_a_deactivated_holder_is_refused(draft, sponsor, holder):
    holder.is_active = False
    holder.save()
    with pytest.raises(ValidationError) as refused:
        registration.operating_plan_update(pilot=draft, by=sponsor, budget_holder=holder)
    assert "deactivated" in str(refused.value.message_dict["budget_holder"])


def test_after_approval_a_new_holder_needs_a_reason(approved, sponsor, holder):
    with pytest.raises(ValidationError) as refused:
        registration.operating_plan_update(pilot=approved, by=sponsor, budget_holder=holder)
    assert "Operating plan: budget holder" in str(refused.value.message_dict["reason"])
    registration.operating_plan_update(
        pilot=approved, by=sponsor, budget_holder=holder, reason="Finance took over the budget."
    )
    assert plan_of(approved).budget_status == BudgetStatus.PENDING


# --- Accepting and declining ----------------------------------------------------------------


def test_the_holder_accepts_and_the_sponsor_is_told(asked, holder):
    budget.budget_accept(pilot=asked, by=holder)
    plan = plan_of(asked)
    assert plan.budget_status == BudgetStatus.ACCEPTED
    assert plan.budget_responded_at
    event = PilotEvent.objects.get(pilot=asked, action=PilotEvent.Action.BUDGET_ACCEPTED)
    assert (event.actor, event.subject) == (holder, "12,000.00 GBP over 12 months")
    assert told(K.BUDGET_ACCEPTED) == {"sponsor"}


def test_the_holder_declines_with_a_reason(asked, holder):
    with pytest.raises(ValidationError):
        budget.budget_decline(pilot=asked, by=holder, reason="  ")
    assert plan_of(asked).budget_status == BudgetStatus.PENDING
    budget.budget_decline(pilot=asked, by=holder, reason="Not in this year's budget.")
    plan = plan_of(asked)
    assert (plan.budget_status, plan.budget_decline_reason) == (
        BudgetStatus.DECLINED,
        "Not in this year's budget.",
    )
    assert told(K.BUDGET_DECLINED) == {"sponsor"}
    assert [i.code for i in gates.submission_missing_items(asked)] == ["budget_holder"]


def test_only_the_holder_answers_and_only_once(asked, sponsor, holder):
    with pytest.raises(NotAllowed):
        budget.budget_accept(pilot=asked, by=sponsor)
    budget.budget_accept(pilot=asked, by=holder)
    with pytest.raises(ValidationError):
        budget.budget_accept(pilot=asked, by=holder)


# --- The gate -------------------------------------------------------------------------------


def test_approval_is_refused_until_the_holder_accepts(asked, sponsor, owner, lead, holder):
    gates.pilot_submit(pilot=asked, by=sponsor)  # a pending holder may be submitted
    ownership.ownership_accept(pilot=asked, by=owner)
    with pytest.raises(TransitionRefused) as refused:
        gates.pilot_approve(pilot=asked, by=lead, rationale="Credible.")
    assert [(i.code, i.message) for i in refused.value.missing] == [
        (
            "budget_not_accepted",
            "The budget holder has not accepted the 12-month run cost yet.",
        )
    ]
    budget.budget_accept(pilot=asked, by=holder)
    gates.pilot_approve(pilot=asked, by=lead, rationale="Credible.")
    asked.refresh_from_db()
    assert asked.stage == "approved"


def test_a_plan_without_a_holder_cannot_be_submitted(draft, sponsor):
    OperatingPlan.objects.filter(pilot=draft).update(
        budget_holder=None, budget_status=BudgetStatus.NONE, budget_holder_note="CFO"
    )
    with pytest.raises(TransitionRefused) as refused:
        gates.pilot_submit(pilot=draft, by=sponsor)
    assert [i.code for i in refused.value.missing] == ["budget_holder"]


# --- Web ------------------------------------------------------------------------------------


def detail(pilot) -> str:
    return reverse("pilots:detail", args=[pilot.reference])


def respond(pilot) -> str:
    return reverse("pilots:budget", args=[pilot.reference])


def test_the_holder_sees_the_question_and_accepts_in_the_browser(client, asked, holder):
    client.force_login(holder)
    page = client.get(detail(asked)).content.decode()
    assert "You are named budget holder" in page
    assert "12,000.00 GBP" in page
    response = client.post(respond(asked), {"decision": "accept"})
    assert response.status_code == 302
    assert plan_of(asked).budget_status == BudgetStatus.ACCEPTED
    assert "You are named budget holder" not in client.get(detail(asked)).content.decode()


def test_declining_without_a_reason_re_renders(client, asked, holder):
    client.force_login(holder)
    response = client.post(respond(asked), {"decision": "decline", "budget-reason": ""})
    assert response.status_code == 200
    assert "Say why you decline" in response.content.decode()
    assert plan_of(asked).budget_status == BudgetStatus.PENDING
    client.post(respond(asked), {"decision": "decline", "budget-reason": "No funds."})
    assert plan_of(asked).budget_decline_reason == "No funds."


def test_others_may_not_answer(client, asked, member, outsider):
    client.force_login(member)
    assert client.post(respond(asked), {"decision": "accept"}).status_code == 403
    client.force_login(outsider)
    assert client.post(respond(asked), {"decision": "accept"}).status_code == 404
    assert plan_of(asked).budget_status == BudgetStatus.PENDING


def test_the_plan_step_names_the_holder_with_the_people_picker(client, draft, sponsor, holder):
    client.force_login(sponsor)
    url = reverse("pilots:register", args=[draft.reference, "plan"])
    plan = plan_of(draft)
    response = client.post(
        url,
        {
            "run_cost_per_month": "1000",
            "support_model": plan.support_model,
            "monitoring_plan": plan.monitoring_plan,
            "incident_process": plan.incident_process,
            "model_maintenance": plan.model_maintenance,
            "budget_holder": "holder",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    plan = plan_of(draft)
    assert (plan.budget_holder, plan.budget_status) == (holder, BudgetStatus.PENDING)


# --- API ------------------------------------------------------------------------------------


def api(pilot, action: str) -> str:
    return f"/api/v1/pilots/{pilot.reference}/{action}/"


def test_api_names_the_holder_and_they_accept(client, draft, sponsor, holder):
    client.force_login(sponsor)
    response = client.patch(
        api(draft, "operating-plan"), {"budget_holder": holder.pk}, content_type="application/json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["budget_holder"]["username"], body["budget_status"]) == ("holder", "pending")
    assert client.post(api(draft, "accept-budget")).status_code == 403
    client.force_login(holder)
    declined = client.post(
        api(draft, "decline-budget"), {"reason": ""}, content_type="application/json"
    )
    assert declined.status_code == 400
    assert client.post(api(draft, "accept-budget")).status_code == 200
    assert plan_of(draft).budget_status == BudgetStatus.ACCEPTED
    detail_body = client.get(f"/api/v1/pilots/{draft.reference}/").json()
    assert detail_body["operating_plan"]["budget_status"] == "accepted"


# --- Calendar and inbox -----------------------------------------------------------------------


def test_the_pending_run_cost_is_in_the_holders_calendar_until_answered(asked, holder):
    from pilots.selectors.calendar import calendar_items

    def budget_items() -> list[str]:
        return [item.summary for item in calendar_items(holder) if item.key.endswith("-budget")]

    assert budget_items() == [
        f"Accept or decline the run cost as budget holder · {asked.reference} {asked.title}"
    ]
    budget.budget_accept(pilot=asked, by=holder)
    assert budget_items() == []


def test_the_holder_finds_the_question_in_their_inbox(client, draft, sponsor, holder):
    registration.operating_plan_update(pilot=draft, by=sponsor, budget_holder=holder)
    client.force_login(holder)
    page = client.get(reverse("pilots:inbox")).content.decode()
    assert "You are named budget holder: accept the run cost" in page
