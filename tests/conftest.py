"""The fixed cast: one user per role, and pilots at each stage."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from pilots.enums import OwnershipStatus
from pilots.models import Pilot
from pilots.services import gates, ownership
from tests import factories


@pytest.fixture
def sponsor(db):
    return factories.sponsor_user("sponsor")


@pytest.fixture
def lead(db):
    return factories.lead_user("lead")


@pytest.fixture
def owner(db):
    return factories.UserFactory(username="owner")


@pytest.fixture
def member(db):
    return factories.UserFactory(username="member")


@pytest.fixture
def ops(db):
    return factories.UserFactory(username="ops")


@pytest.fixture
def outsider(db):
    return factories.UserFactory(username="outsider")


@pytest.fixture
def admin_user(db):
    return factories.UserFactory(username="admin", is_superuser=True, is_staff=True)


@pytest.fixture
def draft(sponsor, owner, member, ops) -> Pilot:
    """A complete draft: owner nominated (pending), ops owner and one member named."""
    pilot = factories.PilotFactory(sponsor=sponsor, operations_owner=ops)
    factories.complete_registration(pilot, owner=owner)
    factories.add_member(pilot, member)
    return pilot


@pytest.fixture
def proposed(draft, sponsor, owner) -> Pilot:
    gates.pilot_submit(pilot=draft, by=sponsor)
    return draft


@pytest.fixture
def approved_waived(draft, sponsor, owner, lead) -> Pilot:
    """Approved with monitoring answered "no" under a waiver (approved with the pilot)."""
    from pilots.enums import InfrastructureAnswerValue, InfrastructureItem
    from pilots.services import registration

    registration.infrastructure_answer(
        pilot=draft,
        by=sponsor,
        item=InfrastructureItem.MONITORING,
        answer=InfrastructureAnswerValue.NO,
        waiver_reason="The team watches the dashboard daily until alerting is ready.",
        # Past the planned start, and not already over whatever day the test runs on.
        waiver_expires_on=max(draft.planned_end, timezone.localdate() + timedelta(days=90)),
    )
    gates.pilot_submit(pilot=draft, by=sponsor)
    ownership.ownership_accept(pilot=draft, by=owner)
    gates.pilot_approve(pilot=draft, by=lead, rationale="Credible plan; monitoring waived.")
    return draft


@pytest.fixture
def approved(proposed, owner, lead) -> Pilot:
    ownership.ownership_accept(pilot=proposed, by=owner)
    gates.pilot_approve(pilot=proposed, by=lead, rationale="Credible plan.")
    return proposed


@pytest.fixture
def running(approved, sponsor) -> Pilot:
    gates.pilot_start(pilot=approved, by=sponsor, today=approved.planned_start)
    approved.refresh_from_db()
    assert approved.owner_status == OwnershipStatus.ACCEPTED
    return approved


@pytest.fixture(autouse=True)
def _empty_cache():
    """Throttle and bad-token counters live in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
