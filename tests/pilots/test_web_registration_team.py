"""The registration wizard on the web: owner and team, operations, infrastructure, the
operating plan, the review step, and who may use the wizard."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import escape

from pilots.enums import InfrastructureItem, OwnershipStatus, Stage
from pilots.models import (
    GateDecision,
    InfrastructureAnswer,
    Metric,
    OperatingPlan,
    Pilot,
    PilotEvent,
    PilotMembership,
)
from pilots.services import gates
from tests import factories
from tests.pilots.registration_helpers import (
    STEPS,
    basics_data,
    infrastructure_data,
    metric_data,
    plan_data,
    shows,
    step_url,
)


@pytest.fixture(autouse=True)
def _today(time_machine):
    """Inside the fixtures' pilot dates, for every fixture and request."""
    time_machine.move_to(datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False)


# --- owner and team -------------------------------------------------------------------


def test_owner_step_nominates_the_owner(client, empty_draft, sponsor, owner):
    client.force_login(sponsor)
    client.post(
        step_url(empty_draft, "owner"),
        {"action": "nominate", "nominate-owner": owner.username, "then": "next"},
    )
    stored = Pilot.objects.get(pk=empty_draft.pk)
    assert (stored.owner, stored.owner_status) == (owner, OwnershipStatus.PENDING)
    assert stored.owner_nominated_at is not None


def test_owner_step_deactivated_user_is_not_a_choice(client, empty_draft, sponsor):
    gone = factories.UserFactory(username="gone", is_active=False)
    client.force_login(sponsor)
    page = client.get(step_url(empty_draft, "owner"))
    assert gone.username not in page.content.decode()

    response = client.post(
        step_url(empty_draft, "owner"), {"action": "nominate", "nominate-owner": gone.username}
    )
    assert response.status_code == 200
    assert shows(response, f"Nobody active here matches “{gone.username}”.")
    stored = Pilot.objects.get(pk=empty_draft.pk)
    assert (stored.owner, stored.owner_status) == (None, OwnershipStatus.NONE)
    assert not empty_draft.events.exists()


def test_owner_step_renominating_the_pending_owner_is_refused(client, draft, sponsor, owner):
    client.force_login(sponsor)
    response = client.post(
        step_url(draft, "owner"), {"action": "nominate", "nominate-owner": owner.username}
    )
    assert response.status_code == 200
    assert shows(response, "owner is already the nominated business owner.")
    assert not draft.events.filter(action=PilotEvent.Action.OWNER_NOMINATED).exists()


def test_owner_step_adds_a_team_member(client, empty_draft, sponsor, member):
    client.force_login(sponsor)
    response = client.post(
        step_url(empty_draft, "owner"),
        {"action": "member", "member-user": member.username, "member-role": "Analyst"},
    )
    assert response["Location"] == step_url(empty_draft, "owner")
    assert list(empty_draft.memberships.values_list("user", "role")) == [(member.pk, "Analyst")]


def test_owner_step_adding_a_member_twice_writes_nothing(client, draft, sponsor, member):
    client.force_login(sponsor)
    response = client.post(
        step_url(draft, "owner"), {"action": "member", "member-user": member.username}
    )
    assert response.status_code == 200
    assert shows(response, "Pilot membership with this Pilot and User already exists.")
    assert draft.memberships.count() == 1


def test_member_remove_deletes_the_membership(client, draft, sponsor, member):
    membership = draft.memberships.get(user=member)
    client.force_login(sponsor)
    response = client.post(reverse("pilots:member_remove", args=[draft.reference, membership.pk]))
    assert response["Location"] == step_url(draft, "owner")
    assert not PilotMembership.objects.filter(pk=membership.pk).exists()
    assert draft.events.filter(action=PilotEvent.Action.MEMBER_REMOVED, subject="member").exists()


def test_member_remove_by_a_member_is_403(client, draft, member):
    membership = draft.memberships.get(user=member)
    client.force_login(member)
    response = client.post(reverse("pilots:member_remove", args=[draft.reference, membership.pk]))
    assert response.status_code == 403
    assert PilotMembership.objects.filter(pk=membership.pk).exists()


def test_member_remove_by_an_outsider_is_404(client, draft, member, outsider):
    membership = draft.memberships.get(user=member)
    client.force_login(outsider)
    response = client.post(reverse("pilots:member_remove", args=[draft.reference, membership.pk]))
    assert response.status_code == 404
    assert PilotMembership.objects.filter(pk=membership.pk).exists()


def test_member_remove_of_another_pilots_member_is_404(client, draft, sponsor):
    elsewhere = factories.add_member(factories.PilotFactory(), factories.UserFactory())
    client.force_login(sponsor)
    response = client.post(reverse("pilots:member_remove", args=[draft.reference, elsewhere.pk]))
    assert response.status_code == 404
    assert PilotMembership.objects.filter(pk=elsewhere.pk).exists()


# --- operations -----------------------------------------------------------------------


def test_operations_step_names_the_operations_owner_and_team(client, empty_draft, sponsor, ops):
    client.force_login(sponsor)
    client.post(
        step_url(empty_draft, "operations"),
        {"operations_owner": ops.username, "receiving_team": "Claims IT", "then": "next"},
    )
    stored = Pilot.objects.get(pk=empty_draft.pk)
    assert (stored.operations_owner, stored.receiving_team) == (ops, "Claims IT")


# --- infrastructure -------------------------------------------------------------------


def test_infrastructure_step_saves_every_answer(client, empty_draft, sponsor):
    client.force_login(sponsor)
    client.post(
        step_url(empty_draft, "infrastructure"),
        infrastructure_data(
            monitoring={"answer": "planned", "evidence_url": "", "planned_on": "2026-02-01"}
        ),
    )
    answers = dict(
        InfrastructureAnswer.objects.filter(pilot=empty_draft).values_list("item", "answer")
    )
    assert answers == {item.value: "yes" for item in InfrastructureItem} | {"monitoring": "planned"}
    assert str(InfrastructureAnswer.objects.get(item="monitoring").planned_on) == "2026-02-01"


def test_infrastructure_step_blank_answer_leaves_the_item_unanswered(client, empty_draft, sponsor):
    client.force_login(sponsor)
    client.post(
        step_url(empty_draft, "infrastructure"),
        infrastructure_data(ci_cd={"answer": "", "evidence_url": ""}),
    )
    answered = set(
        InfrastructureAnswer.objects.filter(pilot=empty_draft).values_list("item", flat=True)
    )
    assert answered == {item.value for item in InfrastructureItem} - {"ci_cd"}


def test_infrastructure_yes_without_evidence_rerenders_and_saves_none(client, empty_draft, sponsor):
    client.force_login(sponsor)
    response = client.post(
        step_url(empty_draft, "infrastructure"),
        infrastructure_data(security_review={"answer": "yes", "evidence_url": ""}),
    )
    assert response.status_code == 200
    assert shows(response, "A 'yes' needs an evidence link.")
    assert not InfrastructureAnswer.objects.exists()
    assert not empty_draft.events.exists()


def test_infrastructure_invalid_url_on_one_item_saves_none(client, empty_draft, sponsor):
    client.force_login(sponsor)
    response = client.post(
        step_url(empty_draft, "infrastructure"),
        infrastructure_data(environments={"answer": "yes", "evidence_url": "not a link"}),
    )
    assert response.status_code == 200
    assert shows(response, "Enter a valid URL.")
    assert not InfrastructureAnswer.objects.exists()
    assert not empty_draft.events.exists()


# --- plan -----------------------------------------------------------------------------


def test_plan_step_writes_the_operating_plan(client, empty_draft, sponsor):
    client.force_login(sponsor)
    response = client.post(
        step_url(empty_draft, "plan"),
        {**plan_data(budget_holder=sponsor.username), "then": "next"},
    )
    assert response["Location"] == step_url(empty_draft, "review")
    plan = OperatingPlan.objects.get(pilot=empty_draft)
    assert (plan.run_cost_per_month, plan.budget_holder) == (Decimal("1500"), sponsor)
    assert plan.missing_fields() == []


def test_plan_step_invalid_cost_writes_nothing(client, empty_draft, sponsor):
    client.force_login(sponsor)
    response = client.post(step_url(empty_draft, "plan"), plan_data(run_cost_per_month="lots"))
    assert response.status_code == 200
    assert shows(response, "Enter a number.")
    assert not OperatingPlan.objects.exists()


# --- review ---------------------------------------------------------------------------


def test_review_get_lists_what_is_missing(client, empty_draft, sponsor):
    client.force_login(sponsor)
    response = client.get(step_url(empty_draft, "review"))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Not submitted" not in content
    assert shows(response, "Define the primary business metric.")


def test_review_submit_incomplete_draft_lists_every_missing_item_with_links(client, sponsor):
    pilot = factories.PilotFactory(sponsor=sponsor, planned_start=None, planned_end=None)
    expected = gates.submission_missing_items(pilot)
    client.force_login(sponsor)

    response = client.post(step_url(pilot, "review"))

    content = response.content.decode()
    assert response.status_code == 200
    assert f"Not submitted: {len(expected)} items missing." in content
    for item in expected:
        assert f'<a href="{step_url(pilot, item.section)}">{escape(item.message)}</a>' in content
    assert {item.section for item in expected} == {
        "basics",
        "metric",
        "owner",
        "operations",
        "infrastructure",
        "plan",
    }
    assert Pilot.objects.get(pk=pilot.pk).stage == Stage.DRAFT
    assert not GateDecision.objects.exists()


def test_review_submit_complete_draft_moves_to_proposed(client, draft, sponsor):
    client.force_login(sponsor)
    response = client.post(step_url(draft, "review"))
    assert response.status_code == 302
    assert response["Location"] == reverse("pilots:detail", args=[draft.reference])
    assert Pilot.objects.get(pk=draft.pk).stage == Stage.PROPOSED
    decision = GateDecision.objects.get(pilot=draft)
    assert (decision.from_stage, decision.to_stage, decision.decided_by) == (
        Stage.DRAFT,
        Stage.PROPOSED,
        sponsor,
    )


@pytest.mark.parametrize("fixture", ["approved", "running"])
def test_review_step_on_a_pilot_past_draft_redirects_to_its_page(client, sponsor, request, fixture):
    pilot = request.getfixturevalue(fixture)
    client.force_login(sponsor)
    for method in (client.get, client.post):
        response = method(step_url(pilot, "review"))
        assert response.status_code == 302
        assert response["Location"] == reverse("pilots:detail", args=[pilot.reference])
    assert Pilot.objects.get(pk=pilot.pk).stage == pilot.stage


def test_review_step_on_a_proposed_pilot_redirects_to_its_page(client, proposed, sponsor):
    client.force_login(sponsor)
    response = client.get(step_url(proposed, "review"))
    assert response.status_code == 302
    assert response["Location"] == reverse("pilots:detail", args=[proposed.reference])


# --- Who may use the wizard -----------------------------------------------------------


@pytest.mark.parametrize("step", STEPS)
def test_step_outsider_gets_404(client, draft, outsider, step):
    client.force_login(outsider)
    assert client.get(step_url(draft, step)).status_code == 404
    assert client.post(step_url(draft, step), {"then": "next"}).status_code == 404


@pytest.mark.parametrize("step", STEPS)
def test_step_member_who_cannot_edit_gets_403(client, draft, member, step):
    client.force_login(member)
    response = client.post(step_url(draft, step), {**basics_data(title="Hijacked")})
    assert response.status_code == 403
    assert client.get(step_url(draft, step)).status_code == 403
    assert Pilot.objects.get(pk=draft.pk).title == draft.title
    assert Pilot.objects.get(pk=draft.pk).stage == Stage.DRAFT


def test_step_unknown_is_404(client, draft, sponsor):
    client.force_login(sponsor)
    assert client.get(step_url(draft, "launch")).status_code == 404


def test_step_lead_may_edit_anyones_draft(client, draft, lead):
    client.force_login(lead)
    response = client.post(step_url(draft, "basics"), basics_data(title="Led", then="stay"))
    assert response.status_code == 302
    assert Pilot.objects.get(pk=draft.pk).title == "Led"


def test_metric_pages_outsider_404_and_member_403(client, draft, outsider, member):
    primary = draft.metrics.get()
    urls = [
        reverse("pilots:metric_new", args=[draft.reference]),
        reverse("pilots:metric_edit", args=[draft.reference, primary.pk]),
    ]
    client.force_login(outsider)
    assert [client.get(url).status_code for url in urls] == [404, 404]
    client.force_login(member)
    assert [client.get(url).status_code for url in urls] == [403, 403]
    response = client.post(urls[0], metric_data(kind="business", name="Sneaky"))
    assert response.status_code == 403
    assert not Metric.objects.filter(name="Sneaky").exists()


# --- Independent decisions: the sponsor is not the business owner -----------------------

SPONSOR_AS_OWNER = "The pilot's sponsor cannot be its business owner"


def test_owner_step_the_sponsor_may_not_nominate_themselves(client, empty_draft, sponsor):
    client.force_login(sponsor)
    response = client.post(
        step_url(empty_draft, "owner"), {"action": "nominate", "nominate-owner": sponsor.username}
    )
    assert response.status_code == 200
    assert escape(SPONSOR_AS_OWNER) in response.content.decode()
    stored = Pilot.objects.get(pk=empty_draft.pk)
    assert (stored.owner, stored.owner_status) == (None, OwnershipStatus.NONE)


def test_owner_step_a_small_organisation_lets_the_sponsor_own_it(
    client, empty_draft, sponsor, settings
):
    settings.PILOTGATE_ALLOW_SPONSOR_AS_OWNER = True
    client.force_login(sponsor)
    client.post(
        step_url(empty_draft, "owner"),
        {"action": "nominate", "nominate-owner": sponsor.username, "then": "next"},
    )
    stored = Pilot.objects.get(pk=empty_draft.pk)
    assert (stored.owner, stored.owner_status) == (sponsor, OwnershipStatus.PENDING)
