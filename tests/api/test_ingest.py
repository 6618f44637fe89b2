"""Bulk reading ingest: 10,000 rows at once, idempotent, validated as a whole."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from pilots.enums import MetricKind, ReadingSource
from pilots.models import Metric, MetricReading, PilotEvent
from tests import factories

BULK = "/api/v1/readings/bulk/"


@pytest.fixture
def metrics(running) -> list[Metric]:
    primary = running.metrics.get()
    others = [
        factories.MetricFactory(pilot=running, kind=MetricKind.BUSINESS, name=f"Business {n}")
        for n in range(3)
    ]
    return [primary, *others]


def rows_for(metrics: list[Metric], per_metric: int, *, value: str = "12.5") -> list[dict]:
    end = date(2026, 11, 1)
    return [
        {
            "metric": metric.pk,
            "observed_on": str(end - timedelta(days=day)),
            "value": value,
            "note": "nightly load",
        }
        for metric in metrics
        for day in range(per_metric)
    ]


def test_ten_thousand_rows_in_one_request_then_a_resend_is_a_no_op(client_as, metrics, owner):
    rows = rows_for(metrics, 2500)
    assert len(rows) == 10_000
    client = client_as("owner")

    first = client.post(BULK, {"readings": rows})
    assert first.status_code == 200, first.content
    body = first.json()
    assert (body["written"], body["created"], body["updated"], body["unchanged"]) == (
        True,
        10_000,
        0,
        0,
    )
    assert [m["created"] for m in body["metrics"]] == [2500] * 4
    assert MetricReading.objects.count() == 10_000
    assert set(MetricReading.objects.values_list("source", "recorded_by", "value").distinct()) == {
        (ReadingSource.API, owner.pk, Decimal("12.5"))
    }
    events = PilotEvent.objects.filter(action=PilotEvent.Action.READINGS_INGESTED)
    assert events.count() == 4  # one history entry per metric, each day's before and after
    assert len(events.first().changes) == 2500

    stamps = dict(MetricReading.objects.values_list("pk", "updated_at"))
    again = client.post(BULK, {"readings": rows})
    assert again.status_code == 200
    assert (again.json()["created"], again.json()["updated"], again.json()["unchanged"]) == (
        0,
        0,
        10_000,
    )
    assert dict(MetricReading.objects.values_list("pk", "updated_at")) == stamps
    assert events.count() == 4


def test_a_changed_value_updates_its_day_and_is_in_the_history(client_as, metrics):
    client = client_as("member")
    rows = rows_for(metrics[:1], 3)
    client.post(BULK, {"readings": rows})
    rows[1]["value"] = 14
    response = client.post(BULK, {"readings": rows})
    assert (response.json()["created"], response.json()["updated"]) == (0, 1)
    reading = MetricReading.objects.get(metric=metrics[0], observed_on=rows[1]["observed_on"])
    assert reading.value == Decimal("14")
    event = PilotEvent.objects.filter(action=PilotEvent.Action.READINGS_INGESTED).first()
    assert event.changes == {rows[1]["observed_on"]: ["12.5", "14"]}


def test_one_bad_row_writes_nothing_and_is_named(client_as, metrics):
    rows = rows_for(metrics, 2500)
    rows[4321]["value"] = "12,5"
    rows[9999]["observed_on"] = "2026-02-30"
    response = client_as("owner").post(BULK, {"readings": rows})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["detail"] == "2 of 10000 rows are invalid; nothing was written."
    assert [(row["row"], sorted(row["errors"])) for row in body["rows"]] == [
        (4322, ["value"]),
        (10000, ["observed_on"]),
    ]
    assert MetricReading.objects.count() == 0
    assert not PilotEvent.objects.filter(action=PilotEvent.Action.READINGS_INGESTED).exists()


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ({"observed_on": "2026-01-01", "value": "1"}, "metric", "This field is required."),
        ({"metric": "7", "observed_on": "2026-01-01", "value": "1"}, "metric", "positive whole"),
        ({"metric": 0, "observed_on": "2026-01-01", "value": "1"}, "metric", "positive whole"),
        ({"metric": "{m}", "observed_on": "01/02/2026", "value": "1"}, "observed_on", "YYYY-MM-DD"),
        ({"metric": "{m}", "observed_on": "2099-01-01", "value": "1"}, "observed_on", "future"),
        ({"metric": "{m}", "observed_on": "2026-01-01", "value": "1e3"}, "value", "at most 12"),
        ({"metric": "{m}", "observed_on": "2026-01-01", "value": True}, "value", "number"),
        ({"metric": "{m}", "observed_on": "2026-01-01", "value": "1.23456"}, "value", "4 after"),
        ({"metric": "{m}", "observed_on": "2026-01-01", "value": 1e13}, "value", "between"),
        ({"metric": "{m}", "observed_on": "2026-01-01", "value": 1, "note": 5}, "note", "text"),
        ({"metric": 999999, "observed_on": "2026-01-01", "value": "1"}, "metric", "no metric"),
    ],
)
def test_each_field_is_checked(client_as, metrics, row, field, message):
    row = {k: metrics[0].pk if v == "{m}" else v for k, v in row.items()}
    response = client_as("owner").post(BULK, {"readings": [row]})
    assert response.status_code == 400
    errors = response.json()["rows"][0]["errors"]
    assert list(errors) == [field]
    assert message in errors[field][0]


@pytest.mark.parametrize(
    ("sent", "stored"),
    [(0.1 + 0.2, "0.3000"), (1.23456, "1.2346"), (-1e-300, "0.0000"), (7, "7.0000")],
)
def test_a_json_number_is_rounded_to_four_places(client_as, metrics, sent, stored):
    """A JSON number is a binary float to most senders: refusing 0.30000000000000004 for its
    trailing digits would refuse what the schema calls valid; a string is taken exactly."""
    row = {"metric": metrics[0].pk, "observed_on": "2026-02-01", "value": sent}
    response = client_as("owner").post(BULK, {"readings": [row]})
    assert response.status_code == 200, response.content
    assert str(MetricReading.objects.get().value) == stored


def test_the_same_day_twice_in_one_request_is_refused(client_as, metrics):
    row = {"metric": metrics[0].pk, "observed_on": "2026-02-01", "value": "1"}
    response = client_as("owner").post(BULK, {"readings": [row, {**row, "value": "2"}]})
    assert response.status_code == 400
    assert response.json()["rows"] == [
        {
            "row": 2,
            "errors": {
                "observed_on": ["Row 1 already gives this metric's reading for 2026-02-01."]
            },
        }
    ]


def test_too_many_rows_is_refused_before_any_work(client_as, metrics, settings):
    settings.PILOTGATE_INGEST_MAX_ROWS = 5
    response = client_as("owner").post(BULK, {"readings": rows_for(metrics[:1], 6)})
    assert response.status_code == 400
    assert "at most 5 readings" in response.json()["errors"]["readings"][0]


@pytest.mark.parametrize(
    ("body", "field"),
    [([], "non_field_errors"), ({"readings": "x"}, "readings"), ({"readings": []}, "readings")],
)
def test_the_envelope_is_checked(client_as, running, body, field):
    response = client_as("owner").post(BULK, body)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_dry_run_counts_and_writes_nothing(client_as, metrics):
    response = client_as("owner").post(BULK, {"readings": rows_for(metrics, 5), "dry_run": True})
    assert response.json()["written"] is False
    assert response.json()["created"] == 20
    assert MetricReading.objects.count() == 0


def test_a_metric_one_cannot_see_is_a_row_error_not_a_leak(client_as, metrics):
    hidden = factories.MetricFactory()
    rows = [{"metric": hidden.pk, "observed_on": "2026-02-01", "value": "1"}]
    response = client_as("owner").post(BULK, {"readings": rows})
    assert response.status_code == 400
    assert response.json()["rows"][0]["errors"] == {
        "metric": [f"There is no metric {hidden.pk} that you can see."]
    }


@pytest.mark.parametrize("role", ["sponsor", "ops", "lead"])
def test_who_sees_but_may_not_record_gets_403(client_as, metrics, role):
    response = client_as(role).post(BULK, {"readings": rows_for(metrics[:1], 2)})
    assert response.status_code == 403
    assert MetricReading.objects.count() == 0


def test_anonymous_gets_401(client_as, metrics):
    assert client_as("anonymous").post(BULK, {"readings": rows_for(metrics, 1)}).status_code == 401


def test_a_draft_pilots_metric_is_refused_by_row(client_as, metrics, member):
    other = factories.PilotFactory()
    factories.add_member(other, member)
    draft_metric = factories.MetricFactory(pilot=other)
    rows = [
        {"metric": metrics[0].pk, "observed_on": "2026-02-01", "value": "1"},
        {"metric": draft_metric.pk, "observed_on": "2026-02-01", "value": "1"},
    ]
    response = client_as("member").post(BULK, {"readings": rows})
    assert response.status_code == 400
    assert [row["row"] for row in response.json()["rows"]] == [2]
    assert MetricReading.objects.count() == 0
