"""What the dashboard tests share: the day, the addresses, and pilots with scorecards."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime

from django.urls import reverse

from pilots.enums import OwnershipStatus, Stage
from pilots.models import Pilot
from scorecards.models import Scorecard
from scorecards.services import (
    portfolio_totals_refresh,
    scorecards_recompute,
)
from tests import factories

TODAY = date(2026, 3, 2)  # a Monday, inside the fixtures' pilots (5 Jan to 5 Jul 2026)
DASHBOARD = reverse("scorecards:dashboard")
EXPORT = reverse("scorecards:export")


def recompute() -> None:
    scorecards_recompute(today=TODAY)


def shown(response) -> list[str]:
    """The references of the dashboard's rows, in the order shown."""
    return re.findall(
        r'<tr class="risk-row-\d" data-reference="(PIL-\d+)">', response.content.decode()
    )


def exported(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def pin(pilot: Pilot, **values) -> None:
    """Set stored scorecard values directly (to test the page, not the rules), then
    recount the portfolio's totals, as a recompute does after its writes."""
    Scorecard.objects.filter(pilot=pilot).update(**values)
    portfolio_totals_refresh()


def running_pilot(*, sponsor, owner, **fields) -> Pilot:
    """A running pilot (straight from the factory) with an accepted owner and a primary metric."""
    pilot = factories.PilotFactory(
        sponsor=sponsor,
        owner=owner,
        owner_status=OwnershipStatus.ACCEPTED,
        owner_responded_at=datetime(2026, 1, 2, tzinfo=UTC),
        stage=Stage.RUNNING,
        started_on=date(2026, 1, 5),
        receiving_team="Operations",
        **fields,
    )
    factories.MetricFactory(pilot=pilot)
    return pilot


def portfolio(n: int, *, sponsor, owner) -> list[Pilot]:
    pilots = [running_pilot(sponsor=sponsor, owner=owner) for _ in range(n)]
    recompute()
    return pilots
