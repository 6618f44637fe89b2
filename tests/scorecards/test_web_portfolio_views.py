"""The portfolio's search, sortable columns, filters applied on change and saved views."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from django.db import IntegrityError
from django.urls import reverse

from scorecards.models import SavedView
from scorecards.saved_views import saved_view_query, saved_view_save
from scorecards.scoring import Risk
from tests import factories
from tests.scorecards.dashboard_helpers import (
    DASHBOARD,
    EXPORT,
    exported,
    pin,
    portfolio,
    shown,
)

SAVE = reverse("scorecards:view_save")


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime(2026, 3, 2, 12, tzinfo=UTC), tick=False)


def delete_url(view: SavedView) -> str:
    return reverse("scorecards:view_delete", args=[view.pk])


# --- Search ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("RUNNING", "running"),  # the title, in any case
        ("operations", "draft"),  # the business unit
        ("owner2", "draft"),  # the owner's username
        ("sponsor2 operations", "draft"),  # every word, each in its field
        ("nothing like it", None),
    ],
)
def test_portfolio_search_narrows_the_page_and_its_csv(client, lead, two_pilots, text, expected):
    running, draft = two_pilots
    running.title = "Running churn pilot"
    running.save()
    client.force_login(lead)
    want = [{"running": running, "draft": draft}[expected].reference] if expected else []
    response = client.get(DASHBOARD, {"q": text})
    assert shown(response) == want
    assert [row[0] for row in exported(client.get(EXPORT, {"q": text}))[1:]] == want
    if not expected:
        assert "No pilot matches" in response.content.decode()


def test_portfolio_search_sees_only_the_users_pilots(client, two_pilots, sponsor):
    running, draft = two_pilots
    client.force_login(sponsor)
    assert shown(client.get(DASHBOARD, {"q": draft.reference})) == []
    assert shown(client.get(DASHBOARD, {"q": running.reference})) == [running.reference]


# --- Sorting --------------------------------------------------------------------------------


@pytest.fixture
def four(sponsor, owner):
    a, b, c, d = portfolio(4, sponsor=sponsor, owner=owner)
    for pilot, title in zip((a, b, c, d), ("delta", "Alpha", "charlie", "Bravo"), strict=True):
        pilot.title = title
        pilot.save()
    pin(a, risk=Risk.WATCH, overall=70, next_date=date(2026, 3, 5))
    pin(b, risk=Risk.CRITICAL, overall=20, next_date=None)
    pin(c, risk=Risk.WATCH, overall=70, next_date=date(2026, 3, 4))  # ties a but bites first
    pin(d, risk=Risk.ON_TRACK, overall=95, next_date=date(2026, 3, 10))
    return a, b, c, d


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("", "bcad"),  # the dashboard's order: worst risk, then the soonest date
        ("-risk", "bcad"),
        ("risk", "dcab"),  # ties (a, c) keep the dashboard's order
        ("title", "bdca"),  # case-insensitive
        ("-title", "acdb"),
        ("score", "bcad"),
        ("-score", "dcab"),
        ("next", "cadb"),  # no date last
        ("-next", "dacb"),  # no date last here too
    ],
)
def test_portfolio_sorts_by_a_column_stably(client, lead, four, sort, order):
    pilots = dict(zip("abcd", four, strict=True))
    client.force_login(lead)
    want = [pilots[letter].reference for letter in order]
    assert shown(client.get(DASHBOARD, {"sort": sort} if sort else {})) == want
    assert [row[0] for row in exported(client.get(EXPORT, {"sort": sort}))[1:]] == want


def headers(response) -> dict[str, tuple[str, str]]:
    """Each sortable column's label: (its aria-sort or "", its link)."""
    return {
        label.strip(): (aria, href.replace("&amp;", "&"))
        for aria, href, label in re.findall(
            r'<th scope="col"(?: aria-sort="(\w+)")?>'
            r'<a class="sort" href="([^"]*)"(?: aria-current="true")?>([\w ]+)',
            response.content.decode(),
        )
    }


def test_portfolio_column_links_toggle_and_say_how_the_page_is_sorted(client, lead, four):
    client.force_login(lead)
    assert headers(client.get(DASHBOARD, {"stage": "running", "page": "1"})) == {
        "Risk": ("descending", "?stage=running&sort=risk"),  # the default order
        "Pilot": ("", "?stage=running&sort=title"),
        "Score": ("", "?stage=running&sort=score"),  # lowest (worst) first
        "Next date": ("", "?stage=running&sort=next"),
    }
    assert headers(client.get(DASHBOARD, {"sort": "title"})) == {
        "Risk": ("", "?sort=-risk"),
        "Pilot": ("ascending", "?sort=-title"),
        "Score": ("", "?sort=score"),
        "Next date": ("", "?sort=next"),
    }
    assert headers(client.get(DASHBOARD, {"sort": "-title"}))["Pilot"] == (
        "descending",
        "?sort=title",
    )


def test_portfolio_sort_is_not_a_filter(client, lead, four):
    client.force_login(lead)
    page = client.get(DASHBOARD, {"sort": "title"}).content.decode()
    assert "Clear</a>" not in page
    assert '<input type="hidden" name="sort" value="title"' in page  # kept when filtering


def test_portfolio_invalid_sort_shows_the_default_order(client, lead, four):
    client.force_login(lead)
    response = client.get(DASHBOARD, {"sort": "password"})
    assert response.status_code == 200
    assert len(shown(response)) == 4


def test_portfolio_filters_apply_on_change_and_keep_their_button(client, lead, four):
    client.force_login(lead)
    page = client.get(DASHBOARD).content.decode()
    assert re.search(
        r'<form method="get" class="filters portfolio-filters card"[^>]*data-autosubmit>', page
    )
    assert '<script src="/static/js/autosubmit.js" defer></script>' in page
    assert '<button type="submit">Apply</button>' in page  # without JavaScript


# --- Saved views ----------------------------------------------------------------------------


def test_saved_view_keeps_only_the_portfolio_filters():
    assert saved_view_query("") == ""
    assert saved_view_query("page=2&x=1&csrfmiddlewaretoken=t") == ""
    assert (
        saved_view_query("sort=-next&risk=at_risk&page=3&stage=running&q=+churn+&next=/evil")
        == "q=churn&stage=running&risk=at_risk&sort=-next"
    )
    # A value the filters refuse is dropped, the valid ones are kept.
    assert saved_view_query("stage=flying&owner=abc&risk=watch&sort=drop") == "risk=watch"


def test_saving_a_view_lists_it_and_opens_it(client, lead, four):
    client.force_login(lead)
    response = client.post(
        SAVE, {"name": " Watch list ", "query": "risk=watch&sort=title&page=2&x=1"}, follow=True
    )
    view = SavedView.objects.get()
    assert (view.user, view.name, view.query) == (lead, "Watch list", "risk=watch&sort=title")
    assert response.redirect_chain == [(f"{DASHBOARD}?risk=watch&sort=title", 302)]
    page = response.content.decode()
    assert "Saved view “Watch list” saved" in page
    assert (
        f'<a href="{DASHBOARD}?risk=watch&amp;sort=title" aria-current="page">Watch list</a>'
        in page
    )
    other = client.get(DASHBOARD).content.decode()
    assert f'<a href="{DASHBOARD}?risk=watch&amp;sort=title">Watch list</a>' in other


def test_saving_a_view_under_the_same_name_replaces_it(lead, member):
    saved_view_save(user=lead, name="Mine", query="risk=watch")
    saved_view_save(user=lead, name="Mine", query="risk=critical")
    saved_view_save(user=member, name="Mine", query="stage=draft")  # names are per user
    assert sorted(SavedView.objects.values_list("user__username", "name", "query")) == [
        ("lead", "Mine", "risk=critical"),
        ("member", "Mine", "stage=draft"),
    ]


def test_saved_view_name_is_unique_per_user(lead):
    SavedView.objects.create(user=lead, name="Mine", query="")
    with pytest.raises(IntegrityError):
        SavedView.objects.create(user=lead, name="Mine", query="risk=watch")


@pytest.mark.parametrize("name", ["", "   ", "x" * 61])
def test_saving_a_view_without_a_fitting_name_saves_nothing(client, lead, name):
    client.force_login(lead)
    response = client.post(SAVE, {"name": name, "query": "risk=watch"}, follow=True)
    assert SavedView.objects.count() == 0
    assert response.redirect_chain == [(f"{DASHBOARD}?risk=watch", 302)]
    assert "Not saved:" in response.content.decode()


def test_users_see_and_delete_only_their_own_saved_views(client, lead, member):
    mine = saved_view_save(user=member, name="Mine", query="risk=watch")
    theirs = saved_view_save(user=lead, name="Leads only", query="risk=critical")
    client.force_login(member)
    page = client.get(DASHBOARD).content.decode()
    assert "Mine</a>" in page
    assert "Leads only" not in page
    assert client.post(delete_url(theirs)).status_code == 404
    response = client.post(delete_url(mine), follow=True)
    assert response.redirect_chain == [(DASHBOARD, 302)]
    assert "Saved view “Mine” deleted." in response.content.decode()
    assert list(SavedView.objects.values_list("name", flat=True)) == ["Leads only"]


def test_saved_view_addresses_answer_a_get_and_change_nothing(client, member):
    view = saved_view_save(user=member, name="Mine", query="risk=watch")
    client.force_login(member)
    for url in (SAVE, delete_url(view)):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, DASHBOARD)
    assert SavedView.objects.get() == view


def test_portfolio_with_saved_views_query_count_does_not_grow(
    client, lead, sponsor, owner, django_assert_num_queries
):
    portfolio(3, sponsor=sponsor, owner=owner)
    for n in range(5):
        saved_view_save(user=lead, name=f"View {n}", query=f"risk=watch&q=v{n}")
    factories.UserFactory()  # someone else's views are not read
    client.force_login(lead)
    # session, user, groups, people choices, business units, summary (its counts and its
    # evidence per practice), page rows, risk trend, the graduated pilots' value, saved
    # views, unread reminders.
    with django_assert_num_queries(12):
        response = client.get(DASHBOARD, {"q": "pilot", "sort": "title"})
    assert len(response.context["saved_views"]) == 5
