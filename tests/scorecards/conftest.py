"""Fixtures the dashboard tests share."""

from __future__ import annotations

import pytest

from pilots.enums import OwnershipStatus
from tests import factories
from tests.scorecards.dashboard_helpers import recompute


@pytest.fixture
def two_pilots(running, lead):
    """``running`` (fixture cast, Finance) and a draft with nobody accepted (Operations)."""
    draft = factories.PilotFactory(
        sponsor=factories.sponsor_user("sponsor2"),
        owner=factories.UserFactory(username="owner2"),
        owner_status=OwnershipStatus.PENDING,
        business_unit=factories.BusinessUnitFactory(name="Operations"),
    )
    running.business_unit = factories.BusinessUnitFactory(name="Finance")
    running.save()
    recompute()
    return running, draft
