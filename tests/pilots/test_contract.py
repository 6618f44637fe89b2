"""The approved contract (issue 15, item 1): frozen at approval, changed only with a
reason, shown as drift until an independent portfolio lead acknowledges it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from pilots.enums import InfrastructureAnswerValue, InfrastructureItem, MetricKind, Stage
from pilots.errors import NotAllowed
from pilots.models import ContractChange, ContractSnapshot, Metric, PilotEvent
from pilots.selectors.contract import contract_overview, drift_of, promise_of
from pilots.services import contract, metrics, ownership, registration
from tests import factories

pytestmark = pytest.mark.django_db


def primary(pilot) -> Metric:
    return pilot.metrics.get(kind=MetricKind.PRIMARY)


def refused_for_reason(call) -> str:
    with pytest.raises(ValidationError) as raised:
        call()
    errors = raised.value.error_dict
    assert set(errors) == {"reason"}
    (error,) = errors["reason"]
    assert error.code == "contract_locked"
    return error.messages[0]


# --- Approval freezes the contract ------------------------------------------------------


def test_approval_freezes_the_contract_as_version_1(approved, lead):
    snapshot = ContractSnapshot.objects.get(pilot=approved)
    assert (snapshot.version, snapshot.origin, snapshot.approved_by) == (1, "approval", lead)
    assert snapshot.data == contract.contract_of(approved)
    metric = primary(approved)
    data = snapshot.data
    assert data[f"metric.{metric.pk}.target"] == {
        "label": f"“{metric.name}”: target",
        "value": format(metric.target.normalize(), "f"),
    }
    assert data["pilot.planned_end"]["value"] == str(approved.planned_end)
    assert data["pilot.owner"]["value"] == "owner"
    assert data["infrastructure.monitoring"]["value"] == "Yes, from sprint one"
    assert set(data) >= {f"plan.{name}" for name in ("budget_holder", "support_model")}
    assert not drift_of(approved).fields


def test_a_draft_changes_freely_and_records_nothing(draft, sponsor):
    metrics.metric_update(metric=primary(draft), by=sponsor, target=Decimal("99"))
    assert not ContractChange.objects.exists()
    assert not ContractSnapshot.objects.exists()


# --- Without a reason, every contract-changing service refuses and writes nothing --------


def test_moving_an_approved_target_without_a_reason_is_refused(approved, sponsor):
    metric = primary(approved)
    before = metric.target
    message = refused_for_reason(
        lambda: metrics.metric_update(metric=metric, by=sponsor, target=before + 5)
    )
    assert message.startswith(f"The approved contract of {approved.reference} can change only ")
    assert f"“{metric.name}”: target" in message
    metric.refresh_from_db()
    assert metric.target == before
    assert not ContractChange.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda p, by, r: registration.pilot_update(
                pilot=p, by=by, planned_end=p.planned_end + timedelta(days=14), reason=r
            ),
            id="planned end",
        ),
        pytest.param(
            lambda p, by, r: registration.pilot_update(
                pilot=p, by=by, receiving_team="Claims IT", reason=r
            ),
            id="receiving team",
        ),
        pytest.param(
            # After approval a waived answer may only become "yes" (or renew its waiver).
            lambda p, by, r: registration.infrastructure_answer(
                pilot=p,
                by=by,
                item=InfrastructureItem.MONITORING,
                answer=InfrastructureAnswerValue.YES,
                evidence_url="https://grafana.example.com/d/claims",
                reason=r,
            ),
            id="infrastructure answer",
        ),
        pytest.param(
            lambda p, by, r: registration.operating_plan_update(
                pilot=p, by=by, support_model="Chief operating officer on call", reason=r
            ),
            id="operating plan",
        ),
        pytest.param(
            lambda p, by, r: metrics.metric_create(
                pilot=p,
                by=by,
                name="P1 incidents routed in 15 minutes",
                kind=MetricKind.CRITICAL_SEGMENT,
                direction="increase",
                reason=r,
            ),
            id="new segment metric",
        ),
        pytest.param(
            lambda p, by, r: ownership.owner_nominate(
                pilot=p, by=by, owner=factories.UserFactory(username="owner9"), reason=r
            ),
            id="business owner",
        ),
    ],
)
def test_each_contract_change_needs_a_reason_and_is_recorded(approved_waived, sponsor, change):
    approved = approved_waived
    events = PilotEvent.objects.count()
    refused_for_reason(lambda: change(approved, sponsor, "  "))
    assert PilotEvent.objects.count() == events, "nothing was written"
    assert not ContractChange.objects.exists()

    change(approved, sponsor, "Agreed with the lead at the steering group.")
    rows = list(ContractChange.objects.filter(pilot=approved))
    assert rows
    assert {r.reason for r in rows} == {"Agreed with the lead at the steering group."}
    assert {r.version for r in rows} == {1}
    assert all(r.changed_by == sponsor and r.acknowledged_at is None for r in rows)
    assert drift_of(approved).fields
    event = PilotEvent.objects.order_by("-pk").first()
    assert event.reason == "Agreed with the lead at the steering group."


def test_a_change_outside_the_contract_needs_no_reason(approved, sponsor):
    registration.pilot_update(pilot=approved, by=sponsor, title="A better title")
    metrics.metric_update(metric=primary(approved), by=sponsor, data_source="The new warehouse")
    assert not ContractChange.objects.exists()


def test_a_change_records_one_row_per_field_with_before_and_after(running, sponsor):
    metric = primary(running)
    old_target, old_date = metric.target, metric.target_date
    metrics.metric_update(
        metric=metric,
        by=sponsor,
        target=old_target + 5,
        target_date=old_date + timedelta(days=30),
        reason="The vendor's API arrives a month late.",
    )
    rows = {r.key: r for r in ContractChange.objects.all()}
    assert set(rows) == {f"metric.{metric.pk}.target", f"metric.{metric.pk}.target_date"}
    target = rows[f"metric.{metric.pk}.target"]
    assert (target.before, target.after) == (
        format(old_target.normalize(), "f"),
        format((old_target + 5).normalize(), "f"),
    )
    assert rows[f"metric.{metric.pk}.target_date"].after == str(old_date + timedelta(days=30))
    # The running pilot's goalposts: still recorded as a locked change too.
    assert PilotEvent.objects.filter(action=PilotEvent.Action.METRIC_LOCKED_CHANGE).exists()


def test_drift_shows_the_approved_value_beside_the_value_now(approved, sponsor):
    metric = primary(approved)
    start = metric.target
    for target, why in ((start + 1, "First estimate."), (start + 2, "Second.")):
        metrics.metric_update(metric=metric, by=sponsor, target=target, reason=why)
    (field,) = drift_of(approved).fields
    assert field.approved == format(start.normalize(), "f")
    assert field.now == format((start + 2).normalize(), "f")
    assert [c.reason for c in field.changes] == ["First estimate.", "Second."]


# --- Acknowledgement -----------------------------------------------------------------------


def test_an_independent_lead_acknowledges_and_freezes_the_next_version(approved, sponsor, lead):
    metric = primary(approved)
    metrics.metric_update(metric=metric, by=sponsor, target=metric.target + 3, reason="Scope.")
    snapshot = contract.contract_acknowledge(pilot=approved, by=lead, note="Agreed at steering.")

    assert (snapshot.version, snapshot.origin, snapshot.approved_by) == (
        2,
        "acknowledgement",
        lead,
    )
    change = ContractChange.objects.get()
    assert (change.acknowledged_by, change.acknowledgement_note) == (lead, "Agreed at steering.")
    assert change.acknowledged_at is not None
    assert not drift_of(approved).fields
    event = PilotEvent.objects.filter(action=PilotEvent.Action.CONTRACT_ACKNOWLEDGED).get()
    assert event.actor == lead
    assert event.reason == "Agreed at steering."
    assert event.subject.startswith("Version 2: ")
    # A later change drifts from version 2.
    metrics.metric_update(metric=metric, by=sponsor, target=metric.target + 4, reason="Again.")
    assert ContractChange.objects.filter(acknowledged_at=None).get().version == 2


@pytest.mark.parametrize("who", ["sponsor", "owner", "member"])
def test_only_an_independent_lead_acknowledges(approved, sponsor, owner, member, who):
    metric = primary(approved)
    metrics.metric_update(metric=metric, by=sponsor, target=metric.target + 3, reason="Scope.")
    user = {"sponsor": sponsor, "owner": owner, "member": member}[who]
    with pytest.raises(NotAllowed, match="neither this pilot's sponsor nor its business owner"):
        contract.contract_acknowledge(pilot=approved, by=user)
    assert ContractChange.objects.get().acknowledged_at is None


def test_a_lead_who_sponsors_the_pilot_may_not_acknowledge_its_changes(approved, lead, owner):
    approved.sponsor = lead
    approved.save()
    registration.pilot_update(pilot=approved, by=lead, receiving_team="Ops", reason="Reorg.")
    with pytest.raises(NotAllowed, match="must acknowledge changes to its approved contract"):
        contract.contract_acknowledge(pilot=approved, by=lead)


def test_nothing_to_acknowledge_is_refused(approved, lead):
    with pytest.raises(ValidationError, match=r"No change to .* is waiting") as raised:
        contract.contract_acknowledge(pilot=approved, by=lead)
    assert raised.value.code == "stage_locked"
    assert ContractSnapshot.objects.filter(pilot=approved).count() == 1


# --- Promised and delivered, and the API's overview ------------------------------------------


def test_the_promise_compares_the_first_approval_with_now(running, sponsor, lead):
    metric = primary(running)
    promised = format(metric.target.normalize(), "f")
    metrics.metric_update(metric=metric, by=sponsor, target=metric.target + 3, reason="Scope.")
    contract.contract_acknowledge(pilot=running, by=lead)
    promise = promise_of(running, metric)
    assert promise.snapshot.version == 1
    assert promise.target == promised
    assert [label for label, _, _ in promise.changed] == [f"“{metric.name}”: target"]


def test_the_overview_lists_versions_drift_and_changes(approved, sponsor):
    registration.pilot_update(
        pilot=approved, by=sponsor, planned_end=approved.planned_end + timedelta(days=7), reason="R"
    )
    overview = contract_overview(approved)
    assert overview["approved_version"] == 1
    assert overview["acknowledged"] is False
    assert [d["key"] for d in overview["drift"]] == ["pilot.planned_end"]
    assert len(overview["changes"]) == 1
    assert overview["current"]["pilot.planned_end"]["value"]


def test_the_stage_locks_still_hold(running, sponsor):
    """The reason rule applies where a change is still allowed; a stage lock stays a lock."""
    with pytest.raises(ValidationError) as raised:
        registration.pilot_update(
            pilot=running, by=sponsor, planned_start=running.planned_start, reason="Why not."
        )
    assert "planned_start" in raised.value.error_dict
    assert running.stage == Stage.RUNNING


def test_an_approved_version_is_append_only_history(approved):
    from django.db import IntegrityError, connection, transaction

    from pilots.models.history import HistoryIsAppendOnly

    snapshot = ContractSnapshot.objects.get(pilot=approved)
    with pytest.raises(HistoryIsAppendOnly):
        snapshot.save()
    with pytest.raises(HistoryIsAppendOnly):
        snapshot.delete()
    with pytest.raises(HistoryIsAppendOnly):
        ContractSnapshot.objects.filter(pk=snapshot.pk).update(version=7)
    # And on the database, from any client (a trigger, as for the events).
    with connection.cursor() as cursor, pytest.raises(IntegrityError), transaction.atomic():
        cursor.execute(
            "UPDATE pilots_contractsnapshot SET version = 7 WHERE id = %s", [snapshot.pk]
        )
    assert ContractSnapshot.objects.get(pk=snapshot.pk).version == 1
