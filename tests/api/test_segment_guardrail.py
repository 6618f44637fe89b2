"""The API's critical-segment guardrail: written, read back, and refused on the wrong side."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pilots.models import Metric
from tests.api.conftest import url

pytestmark = pytest.mark.django_db

SEGMENT = {
    "name": "P1 incidents routed within 15 minutes",
    "kind": "critical_segment",
    "unit": "%",
    "direction": "increase",
    "baseline": "71",
    "target": "98",
    "cadence": "weekly",
    "data_source": "Service desk event stream",
}


def test_a_segment_metric_takes_a_guardrail_and_reads_it_back(client_as, draft):
    response = client_as("sponsor").post(
        url(draft.reference, "metrics/"), {**SEGMENT, "guardrail": "65"}, format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (Decimal(body["guardrail"]), Decimal(body["baseline"])) == (Decimal(65), Decimal(71))
    metric = Metric.objects.get(pilot=draft, name=SEGMENT["name"])
    listed = client_as("sponsor").get(url(draft.reference, "metrics/")).json()["results"]
    assert [Decimal(m["guardrail"]) for m in listed if m["id"] == metric.pk] == [Decimal(65)]
    assert metric.guardrail == Decimal(65)


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        pytest.param({"guardrail": "99"}, "floor-beyond-target", id="floor-beyond-target"),
        pytest.param({"kind": "business", "guardrail": "65"}, "not-a-segment", id="business"),
        pytest.param({"direction": "", "guardrail": "65"}, "no-direction", id="no-direction"),
    ],
)
def test_a_guardrail_on_the_wrong_side_or_metric_is_refused_and_nothing_written(
    client_as, draft, changes, why
):
    before = Metric.objects.count()
    response = client_as("sponsor").post(
        url(draft.reference, "metrics/"), {**SEGMENT, **changes}, format="json"
    )

    assert response.status_code == 400, why
    assert "A guardrail belongs to a critical-segment metric with a direction" in str(
        response.json()
    )
    assert Metric.objects.count() == before
