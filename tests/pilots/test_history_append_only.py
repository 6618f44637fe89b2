"""The history (events and gate decisions) is append-only: in Python and on the database."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.urls import reverse

from pilots.models import GateDecision, Pilot, PilotEvent
from pilots.models.history import HistoryIsAppendOnly
from pilots.services import gates, registration
from tests import factories
from tests.services import require_postgresql

HISTORY = [PilotEvent, GateDecision]


@pytest.fixture
def decided(proposed) -> Pilot:
    """A proposed pilot: events and one gate decision (the submission) recorded."""
    assert proposed.events.exists()
    assert proposed.decisions.exists()
    return proposed


def _row(model, pilot):
    return model.objects.filter(pilot=pilot).first()


@pytest.mark.parametrize("model", HISTORY)
def test_a_recorded_row_cannot_be_saved_again(decided, model):
    row = _row(model, decided)
    if model is PilotEvent:
        row.subject = "Rewritten"
    else:
        row.rationale = "Rewritten"
    with pytest.raises(HistoryIsAppendOnly, match="append-only"):
        row.save()
    with pytest.raises(HistoryIsAppendOnly):
        row.save(update_fields=["at" if model is PilotEvent else "decided_at"])
    assert "Rewritten" not in str(model.objects.filter(pk=row.pk).values().get())


@pytest.mark.parametrize("model", HISTORY)
def test_a_recorded_row_cannot_be_deleted(decided, model):
    count = model.objects.count()
    with pytest.raises(HistoryIsAppendOnly):
        _row(model, decided).delete()
    with pytest.raises(HistoryIsAppendOnly):
        model.objects.filter(pilot=decided).delete()
    with pytest.raises(HistoryIsAppendOnly):
        model.objects.all().delete()
    assert model.objects.count() == count


@pytest.mark.parametrize("model", HISTORY)
def test_bulk_changes_are_refused(decided, model):
    rows = list(model.objects.filter(pilot=decided))
    with pytest.raises(HistoryIsAppendOnly):
        model.objects.filter(pilot=decided).update(pilot=decided)
    with pytest.raises(HistoryIsAppendOnly):
        model.objects.bulk_update(rows, ["pilot"])


def test_new_history_is_still_written(draft, sponsor):
    before = PilotEvent.objects.count()
    gates.pilot_submit(pilot=draft, by=sponsor)
    assert PilotEvent.objects.count() == before + 1
    assert GateDecision.objects.filter(pilot=draft).count() == 1


def test_a_pilot_with_history_cannot_be_deleted(sponsor):
    pilot = registration.pilot_create(by=sponsor, title="Registered by mistake")
    with pytest.raises(ProtectedError):
        pilot.delete()
    assert Pilot.objects.filter(pk=pilot.pk).exists()
    assert pilot.events.get().action == PilotEvent.Action.CREATED


def test_the_admin_offers_no_pilot_deletion_even_for_a_draft(client, draft, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("admin:pilots_pilot_delete", args=[draft.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert Pilot.objects.filter(pk=draft.pk).exists()
    changelist = client.get(reverse("admin:pilots_pilot_changelist"))
    assert b"delete_selected" not in changelist.content


@pytest.mark.parametrize("model", ["pilotevent", "gatedecision"])
def test_the_admin_shows_history_read_only(client, decided, admin_user, model):
    client.force_login(admin_user)
    row = _row(PilotEvent if model == "pilotevent" else GateDecision, decided)
    change = reverse(f"admin:pilots_{model}_change", args=[row.pk])
    page = client.get(change)
    assert page.status_code == 200
    assert b'type="submit"' not in page.content.split(b'id="content-main"')[-1]
    refused = [
        client.post(change, {"subject": "x", "rationale": "x"}).status_code,
        client.post(reverse(f"admin:pilots_{model}_delete", args=[row.pk]), {"post": "y"}),
        client.get(reverse(f"admin:pilots_{model}_add")).status_code,
    ]
    assert [refused[0], refused[1].status_code, refused[2]] == [403, 403, 403]


def test_a_user_who_acted_cannot_be_deleted_only_deactivated(decided, sponsor):
    with pytest.raises(ProtectedError):
        User.objects.get(pk=sponsor.pk).delete()
    sponsor.is_active = False
    sponsor.save()
    assert decided.events.filter(actor=sponsor).exists()


def _raw(statement: str, pk: int) -> None:
    table = PilotEvent._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement.format(table=connection.ops.quote_name(table)), [pk])


def test_the_database_refuses_a_raw_update(decided):
    """Any client: the trigger of migration 0006 (PostgreSQL and SQLite)."""
    event = _row(PilotEvent, decided)
    with pytest.raises(IntegrityError, match="append-only"):
        _raw("UPDATE {table} SET subject = 'Rewritten' WHERE id = %s", event.pk)
    event.refresh_from_db()
    assert event.subject != "Rewritten"


@pytest.mark.services
def test_postgresql_refuses_raw_updates_and_deletes_of_every_history_table(decided):
    require_postgresql()
    for model in HISTORY:
        table = connection.ops.quote_name(model._meta.db_table)
        row = _row(model, decided)
        for statement in (
            "UPDATE {table} SET pilot_id = pilot_id WHERE id = %s",
            "DELETE FROM {table} WHERE id = %s",
        ):
            with (
                pytest.raises(IntegrityError, match="append-only"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(statement.format(table=table), [row.pk])
        assert model.objects.filter(pk=row.pk).exists()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_postgresql_flush_still_empties_the_history():
    """The test suite's flush (and ``manage.py flush``) is TRUNCATE: no row trigger fires."""
    require_postgresql()
    sponsor = factories.sponsor_user()
    pilot = factories.PilotFactory(sponsor=sponsor, receiving_team="Ops")
    factories.complete_registration(pilot, owner=factories.UserFactory(username="owner"))
    gates.pilot_submit(pilot=pilot, by=sponsor)
    assert PilotEvent.objects.exists()
    call_command("flush", interactive=False, verbosity=0)
    assert not PilotEvent.objects.exists()
    assert not GateDecision.objects.exists()
