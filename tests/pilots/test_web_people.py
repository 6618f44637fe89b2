"""Choosing people by typing: ``/people/?q=`` and the form field behind every picker."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils.html import escape

from pilots.forms.registration import OperationsForm, OwnerNominationForm
from pilots.forms.widgets import UserChoiceField
from pilots.selectors.pilots import PEOPLE_FOUND_AT_MOST
from tests import factories

PEOPLE = reverse("pilots:people")


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False)


def found(client, **params) -> list[str]:
    response = client.get(PEOPLE, params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return [person["value"] for person in response.json()["results"]]


@pytest.fixture
def ada(db):
    return factories.UserFactory(
        username="ada", first_name="Ada", last_name="Lovelace", email="countess@engine.example"
    )


def test_people_match_name_username_or_email(client, ada, sponsor):
    factories.UserFactory(username="grace", first_name="Grace", last_name="Hopper")
    client.force_login(sponsor)
    for typed in ("lovel", "ADA", "countess@", "ada love"):
        assert found(client, q=typed) == ["Ada Lovelace (ada)"], typed
    assert found(client, q="ada hopper") == []
    assert found(client, q="") == []


def test_people_leave_out_inactive_accounts(client, ada, sponsor):
    ada.is_active = False
    ada.save()
    client.force_login(sponsor)
    assert found(client, q="ada") == []


def test_people_give_at_most_twenty_and_no_email(client, sponsor, django_assert_num_queries):
    for i in range(PEOPLE_FOUND_AT_MOST + 5):
        factories.UserFactory(username=f"analyst{i:02}", first_name="Ann", last_name=f"Lyst {i}")
    client.force_login(sponsor)
    with django_assert_num_queries(3):  # session, user, the people
        response = client.get(PEOPLE, {"q": "analyst"})
    results = response.json()["results"]
    assert len(results) == PEOPLE_FOUND_AT_MOST == 20
    assert set(results[0]) == {"value", "name"}
    assert "@" not in response.content.decode()


def test_people_of_a_pilot_are_its_people_only(client, running, owner, outsider):
    client.force_login(owner)
    assert found(client, q="o", pilot=running.reference) == [
        value
        for value in found(client, q="o")
        if value.endswith(("(owner)", "(sponsor)", "(ops)", "(member)"))
    ]
    assert "(outsider)" not in " ".join(found(client, q="outsider", pilot=running.reference))


def test_people_of_a_pilot_one_may_not_see_is_404(client, running, outsider):
    client.force_login(outsider)
    assert client.get(PEOPLE, {"q": "o", "pilot": running.reference}).status_code == 404


def test_people_need_a_signed_in_user(client, ada):
    response = client.get(PEOPLE, {"q": "ada"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- The field ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["ada", "ADA", "Ada Lovelace (ada)", "countess@engine.example", "ada lovelace"]
)
def test_field_takes_a_label_username_email_or_full_name(ada, typed):
    assert UserChoiceField().clean(typed) == ada


@pytest.mark.parametrize("typed", ["nobody", "Someone (nobody)", "Lovelace"])
def test_field_refuses_someone_unknown_with_a_clear_error(ada, typed):
    form = OwnerNominationForm({"owner": typed}, pilot=factories.PilotFactory())
    assert not form.is_valid()
    assert form.errors["owner"] == [
        f"Nobody active here matches “{typed}”. Type part of their name, username or email "
        "and pick them from the suggestions."
    ]


def test_field_refuses_an_inactive_account(ada):
    ada.is_active = False
    ada.save()
    form = OwnerNominationForm({"owner": "ada"}, pilot=factories.PilotFactory())
    assert not form.is_valid()
    assert "Nobody active here matches “ada”." in form.errors["owner"][0]


def test_field_asks_for_a_username_when_a_full_name_is_shared(ada):
    factories.UserFactory(username="ada2", first_name="Ada", last_name="Lovelace")
    with pytest.raises(Exception, match="Several people are called “Ada Lovelace”"):
        UserChoiceField().clean("Ada Lovelace")


def test_field_shows_the_current_person_by_name(draft, ops):
    ops.first_name, ops.last_name = "Olu", "Ops"
    ops.save()
    html = str(OperationsForm(instance=draft)["operations_owner"])
    assert 'value="Olu Ops (ops)"' in html
    assert f'data-people-url="{PEOPLE}"' in html
    assert 'list="id_operations_owner-people"' in html
    assert '<datalist id="id_operations_owner-people"></datalist>' in html
    assert "<select" not in html


def test_owner_step_without_javascript_nominates_by_username(client, draft, sponsor, ada):
    client.force_login(sponsor)
    url = reverse("pilots:register", args=[draft.reference, "owner"])
    client.post(url, {"action": "nominate", "nominate-owner": "countess@engine.example"})
    draft.refresh_from_db()
    assert draft.owner == ada
    response = client.post(url, {"action": "nominate", "nominate-owner": "nobody"})
    assert escape("Nobody active here matches “nobody”.") in response.content.decode()


# --- The task form's receiver ---------------------------------------------------------------


def input_named(page: str, name: str) -> str:
    return re.search(rf'<input type="text" name="{name}"[^>]*>', page).group()


def test_new_task_receiver_defaults_to_the_operations_owner_and_team(client, running, owner, ops):
    running.receiving_team = "Claims IT"
    running.save()
    client.force_login(owner)
    page = client.get(reverse("pilots:task_new", args=[running.reference])).content.decode()
    receiver = input_named(page, "receiver")
    assert f'value="{escape(ops.get_full_name())} (ops)"' in receiver
    assert 'list="id_receiver-people"' in receiver
    assert 'value="Claims IT"' in input_named(page, "receiver_team")


def test_edited_task_keeps_its_own_receiver(client, running, owner, member, ops):
    task = factories.TaskFactory(pilot=running, assignee=member, receiver=None, receiver_team="X")
    client.force_login(owner)
    page = client.get(
        reverse("pilots:task_edit", args=[running.reference, task.pk])
    ).content.decode()
    assert "value=" not in input_named(page, "receiver")
    assert 'value="X"' in input_named(page, "receiver_team")
