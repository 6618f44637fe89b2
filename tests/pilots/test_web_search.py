"""The header's search (``/search/?q=``): what it finds, for whom, and at what cost."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from pilots.enums import OwnershipStatus
from pilots.models import Pilot
from pilots.selectors.pilots import pilot_list
from pilots.selectors.search import pilot_search
from tests import factories

SEARCH = reverse("pilots:search")


RESULT = re.compile(
    r'href="/pilots/(PIL-\d+)/"><span class="mono">'  # a suggestion
    r'|<td class="mono" data-label="Reference"><a href="/pilots/(PIL-\d+)/">'  # a row
)


def found(response) -> list[str]:
    """The references of the results, in the order shown (page or suggestions)."""
    return [a or b for a, b in RESULT.findall(response.content.decode())]


@pytest.fixture
def churn(sponsor):
    """A pilot with a person and a business unit to search for."""
    owner = factories.UserFactory(username="oowner", first_name="Olivia", last_name="Stone")
    unit = factories.BusinessUnitFactory(name="Customer Retention")
    return factories.PilotFactory(
        title="Churn prediction for renewals",
        sponsor=sponsor,
        owner=owner,
        owner_status=OwnershipStatus.PENDING,
        business_unit=unit,
        reference="PIL-0042",
    )


@pytest.fixture
def other(sponsor):
    return factories.PilotFactory(
        title="Invoice triage",
        sponsor=sponsor,
        business_unit=factories.BusinessUnitFactory(name="Finance"),
        reference="PIL-0043",
    )


@pytest.mark.parametrize(
    "text",
    [
        "PIL-0042",  # the reference
        "pil-0042",  # in any case
        "0042",  # part of it
        "CHURN",  # part of the title, in any case
        "renewals",
        "olivia",  # the business owner's first name
        "STONE",  # ... last name
        "oowner",  # ... username
        "retention",  # the business unit
        "olivia churn",  # every word, each in a field of its own
    ],
)
def test_search_finds_by_reference_title_owner_and_business_unit(client, lead, churn, other, text):
    client.force_login(lead)
    response = client.get(SEARCH, {"q": text})
    assert response.status_code == 200
    assert found(response) == ["PIL-0042"]


def test_search_finds_by_sponsor(client, lead, churn, other, sponsor):
    sponsor.first_name, sponsor.last_name = "Samira", "Quayle"
    sponsor.save()
    client.force_login(lead)
    assert found(client.get(SEARCH, {"q": "quayle"})) == ["PIL-0043", "PIL-0042"]  # newest first
    assert found(client.get(SEARCH, {"q": "samira invoice"})) == ["PIL-0043"]


def test_search_puts_the_exact_reference_first(client, lead, churn, sponsor):
    newer = factories.PilotFactory(title="Follow-up of PIL-0042", sponsor=sponsor)
    client.force_login(lead)
    assert found(client.get(SEARCH, {"q": "pil-0042"})) == ["PIL-0042", newer.reference]
    assert found(client.get(SEARCH, {"q": "0042"})) == [newer.reference, "PIL-0042"]


def test_search_sees_exactly_what_the_pilot_list_sees(
    client, running, churn, other, sponsor, owner, member, ops, lead, outsider
):
    """Every user finds exactly the pilots the pilot list shows them: never one more."""
    foreign = factories.PilotFactory(title="Pilot hidden from the cast")
    for user in (sponsor, owner, member, ops, lead, outsider):
        client.force_login(user)
        response = client.get(SEARCH, {"q": "pil"})
        visible = set(pilot_list(user).values_list("reference", flat=True))
        assert set(found(response)) == visible, user.username
    client.force_login(outsider)
    assert found(client.get(SEARCH, {"q": foreign.reference})) == []
    client.force_login(lead)
    assert found(client.get(SEARCH, {"q": foreign.reference})) == [foreign.reference]


def test_search_without_words_is_the_empty_state(client, lead, churn):
    client.force_login(lead)
    for query in ({}, {"q": ""}, {"q": "   "}):
        response = client.get(SEARCH, query)
        assert "What are you looking for?" in response.content.decode()
        assert found(response) == []


def test_search_with_no_match_says_so(client, lead, churn):
    client.force_login(lead)
    response = client.get(SEARCH, {"q": "blockchain"})
    page = response.content.decode()
    assert "No pilot matches “blockchain”" in page
    assert found(response) == []


def test_search_escapes_what_was_typed(client, lead):
    client.force_login(lead)
    page = client.get(SEARCH, {"q": "<b>x</b>"}).content.decode()
    assert "<b>x</b>" not in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page


def test_search_pages_by_25_and_keeps_the_text(client, lead, sponsor):
    pilots = [factories.PilotFactory(title=f"Forecast {n}", sponsor=sponsor) for n in range(30)]
    client.force_login(lead)
    first = client.get(SEARCH, {"q": "forecast"})
    assert len(found(first)) == 25
    assert 'href="?q=forecast&amp;page=2"' in first.content.decode()
    second = client.get(SEARCH, {"q": "forecast", "page": 2})
    assert set(found(first)) | set(found(second)) == {p.reference for p in pilots}
    assert len(found(second)) == 5


def test_search_as_you_type_sends_only_the_suggestions(client, lead, sponsor):
    pilots = [factories.PilotFactory(title=f"Forecast {n}", sponsor=sponsor) for n in range(10)]
    client.force_login(lead)
    response = client.get(SEARCH, {"q": "forecast"}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert "<html" not in page
    newest = [p.reference for p in reversed(pilots)][:8]
    assert found(response) == newest
    assert 'href="/search/?q=forecast">All 10 pilots matching “forecast”' in page
    assert "HX-Request" in response["Vary"]
    empty = client.get(SEARCH, {"q": ""}, headers={"HX-Request": "true"})
    assert empty.content.decode().strip() == ""
    none = client.get(SEARCH, {"q": "zzz"}, headers={"HX-Request": "true"})
    assert "No pilot you can see matches “zzz”." in none.content.decode()


@pytest.mark.parametrize("n", [1, 30])
def test_search_query_count_does_not_grow(client, lead, sponsor, n, django_assert_num_queries):
    for i in range(n):
        factories.PilotFactory(
            title=f"Forecast {i}", sponsor=sponsor, owner=lead, owner_status=OwnershipStatus.PENDING
        )
    client.force_login(lead)
    # session, user, groups (what the lead may see; read once, the header reuses
    # them), count, page of pilots (people and business unit joined), unread reminders.
    # + the header's saved views (scorecards.navigation)
    with django_assert_num_queries(7):
        response = client.get(SEARCH, {"q": "forecast"})
    assert len(found(response)) == min(n, 25)
    # As you type: session, user, groups, count, the suggestions; no header.
    with django_assert_num_queries(5):
        response = client.get(SEARCH, {"q": "forecast"}, headers={"HX-Request": "true"})
    assert len(found(response)) == min(n, 8)


def test_search_selector_matches_nothing_without_a_word(lead, churn):
    assert list(pilot_search(lead, text="  ")) == []
    assert list(pilot_search(lead, text="churn")) == [Pilot.objects.get(reference="PIL-0042")]


def test_header_search_box_on_every_signed_in_page(client, member):
    client.force_login(member)
    for url in (
        reverse("home"),
        reverse("scorecards:list"),
        reverse("scorecards:dashboard"),
        SEARCH,
    ):
        page = client.get(url).content.decode()
        assert 'id="header-search-q"' in page, url
        assert f'hx-get="{SEARCH}"' in page
        assert f'action="{SEARCH}"' in page  # without JavaScript, the form opens the page
    client.logout()
    assert 'id="header-search-q"' not in client.get(reverse("login")).content.decode()


def test_header_search_box_keeps_the_text_on_the_results_page(client, member):
    client.force_login(member)
    page = client.get(SEARCH, {"q": "churn"}).content.decode()
    assert re.search(r'id="header-search-q" name="q" maxlength="100" value="churn"', page)


def test_search_anonymous_is_sent_to_sign_in(client):
    response = client.get(SEARCH, {"q": "x"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
