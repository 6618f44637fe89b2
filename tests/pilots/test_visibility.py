"""The visibility query for each role, and its single-object twin."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from pilots.abilities import may_edit_registration, pilot_abilities
from pilots.enums import Stage
from pilots.permissions import Role, can_see, pilot_roles
from pilots.selectors.pilots import pilot_get_for_user, pilots_visible_to
from pilots.services import ownership
from tests import factories


@pytest.fixture
def portfolio(draft, sponsor, owner, member, ops):
    """``draft`` involves the whole cast; ``other`` involves nobody of it."""
    other = factories.PilotFactory(sponsor=factories.sponsor_user("someone_else"))
    return draft, other


def visible(user) -> set[str]:
    return set(pilots_visible_to(user).values_list("reference", flat=True))


@pytest.mark.parametrize("who", ["sponsor", "owner", "member", "ops"])
def test_involved_users_see_only_their_pilot(portfolio, who, request):
    draft, _other = portfolio
    user = request.getfixturevalue(who)

    assert visible(user) == {draft.reference}


@pytest.mark.parametrize("who", ["lead", "admin_user"])
def test_leads_and_administrators_see_every_pilot(portfolio, who, request):
    draft, other = portfolio

    assert visible(request.getfixturevalue(who)) == {draft.reference, other.reference}


def test_outsider_and_anonymous_see_nothing(portfolio, outsider):
    assert visible(outsider) == set()
    assert visible(AnonymousUser()) == set()


def test_membership_in_several_pilots_gives_no_duplicates(member, sponsor):
    pilots = [factories.PilotFactory(sponsor=sponsor) for _ in range(3)]
    for pilot in pilots:
        factories.add_member(pilot, member)
    factories.add_member(pilots[0], factories.UserFactory())

    assert pilots_visible_to(member).count() == 3


def test_declined_nominee_no_longer_sees_the_pilot(draft, owner):
    ownership.ownership_decline(pilot=draft, by=owner, reason="Not mine")

    assert visible(owner) == set()
    assert not can_see(owner, draft)


def test_can_see_agrees_with_the_query_for_every_user(
    portfolio, sponsor, owner, member, ops, lead, outsider, admin_user
):
    for user in (sponsor, owner, member, ops, lead, outsider, admin_user):
        for pilot in portfolio:
            assert can_see(user, pilot) == (pilot.reference in visible(user)), (user, pilot)


def test_roles_on_a_pilot(draft, sponsor, owner, member, ops, lead):
    assert pilot_roles(sponsor, draft) == {Role.SPONSOR}
    assert pilot_roles(owner, draft) == {Role.NOMINEE}
    ownership.ownership_accept(pilot=draft, by=owner)
    assert pilot_roles(owner, draft) == {Role.OWNER}
    assert pilot_roles(member, draft) == {Role.MEMBER}
    assert pilot_roles(ops, draft) == {Role.OPERATIONS}
    assert pilot_roles(lead, draft) == {Role.LEAD}


def test_get_for_user_404s_alike_for_hidden_and_missing(portfolio, outsider, sponsor):
    draft, other = portfolio

    assert pilot_get_for_user(sponsor, reference=draft.reference.lower()) == draft
    with pytest.raises(Http404):
        pilot_get_for_user(sponsor, reference=other.reference)
    with pytest.raises(Http404):
        pilot_get_for_user(outsider, reference="PIL-0000")


def test_visibility_is_one_query(portfolio, member, django_assert_num_queries):
    member = type(member).objects.get(pk=member.pk)  # fresh: group names not cached
    with django_assert_num_queries(2):  # the user's groups, then the pilots
        list(pilots_visible_to(member))


@pytest.mark.parametrize("stage", list(Stage))
def test_may_edit_registration_agrees_with_the_abilities(draft, stage, request):
    """The query-free twin lists use (the dashboard's reasons) holds ``Abilities.edit``."""
    pilot = draft
    pilot.stage = stage  # what they read; the rest of a pilot at that stage is not needed
    cast = ["sponsor", "owner", "member", "ops", "lead", "admin_user", "outsider"]
    users = [request.getfixturevalue(name) for name in cast] + [AnonymousUser()]
    assert [may_edit_registration(user, pilot) for user in users] == [
        pilot_abilities(user, pilot).edit for user in users
    ]
