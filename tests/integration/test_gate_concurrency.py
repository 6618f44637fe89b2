"""Two people deciding the same gate at the same moment: exactly one decision lands."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from pilots.enums import Stage
from pilots.errors import TransitionRefused
from pilots.models import GateDecision, Pilot
from pilots.services import gates, ownership
from tests import factories
from tests.services import require_postgresql


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_record_one_decision():
    require_postgresql()
    sponsor = factories.sponsor_user()
    owner = factories.UserFactory(username="owner")
    leads = [factories.lead_user(f"lead{i}") for i in range(2)]
    pilot = factories.PilotFactory(sponsor=sponsor, receiving_team="Ops")
    factories.complete_registration(pilot, owner=owner)
    gates.pilot_submit(pilot=pilot, by=sponsor)
    ownership.ownership_accept(pilot=pilot, by=owner)

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(lead) -> None:
        try:
            barrier.wait(timeout=10)
            gates.pilot_approve(
                pilot=Pilot.objects.get(pk=pilot.pk), by=lead, rationale=f"Yes from {lead}"
            )
            outcomes.append("approved")
        except TransitionRefused as refused:
            outcomes.append(refused.missing[0].code)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(lead,)) for lead in leads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["approved", "stage"]
    assert GateDecision.objects.filter(pilot=pilot, to_stage=Stage.APPROVED).count() == 1
    assert Pilot.objects.get(pk=pilot.pk).stage == Stage.APPROVED
