"""Fixtures the pilots tests share across modules (each module keeps its own clock)."""

from __future__ import annotations

import pytest

from pilots.models import Metric, Pilot
from tests import factories


@pytest.fixture
def empty_draft(sponsor) -> Pilot:
    """A draft with only basics: no metric, owner, operations, checklist or plan."""
    return factories.PilotFactory(sponsor=sponsor, title="Invoice triage")


@pytest.fixture
def metric(running) -> Metric:
    return running.metrics.get()


@pytest.fixture
def member2(running):
    user = factories.UserFactory(username="member2")
    factories.add_member(running, user)
    return user


@pytest.fixture
def lead2(db):
    return factories.lead_user("lead2")
