"""The API tokens page: list, create (the key shown once), revoke."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from pilots.accounts import tokens
from pilots.enums import TokenScope
from pilots.models import ApiToken
from tests import factories

TOKENS = "/account/tokens/"
ME = "/api/v1/auth/me/"


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False)


def shows(response, message: str) -> bool:
    return escape(message) in response.content.decode()


def shown_key(response) -> str:
    match = re.search(
        r'<input type="text" id="new-key" class="key-box" value="([^"]+)"',
        response.content.decode(),
    )
    assert match, "the new key is shown in its read-only box"
    return match.group(1)


def create(client, name: str = "Nightly claims pipeline", scope: str = TokenScope.READ):
    return client.post(TOKENS, {"name": name, "scope": scope})


def api_me(key: str):
    """A request with the token only: a fresh client, no session."""
    return Client().get(ME, HTTP_AUTHORIZATION=f"Token {key}")


def test_tokens_url_is_named():
    assert reverse("pilots:tokens") == TOKENS


def test_tokens_empty_state_and_form(client, member):
    client.force_login(member)
    response = client.get(TOKENS)
    assert response.status_code == 200
    assert shows(response, "You have no active API token.")
    html = response.content.decode()
    assert '<label for="id_name">Name</label>' in html
    assert "<legend>Scope</legend>" in html
    assert 'type="radio" name="scope" value="read"' in html
    assert re.search(r'value="read"[^>]*checked', html)  # read is the default
    for scope in TokenScope:
        assert scope.label in html
    assert 'aria-describedby="id_scope_0_help"' in html  # each choice has its help
    assert 'href="/api/docs/"' in html
    assert "Copy it now" not in html


def test_tokens_create_shows_the_key_once_and_stores_only_its_digest(client, member):
    client.force_login(member)
    response = create(client, scope=TokenScope.INGEST)
    assert response.status_code == 200
    key = shown_key(response)
    assert shows(response, "Copy it now: it will not be shown again")
    assert f'curl -H "Authorization: Token {key}" http://testserver/api/v1/auth/me/' in (
        response.content.decode()
    )
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.scope) == (member, "Nightly claims pipeline", "ingest")
    assert token.key_digest == hashlib.sha256(key.encode()).hexdigest()
    assert token.prefix == key[:8]
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert all(key not in str(value) for value in stored.values())
    assert not list(response.context["messages"])  # not in a message that may be logged

    again = client.get(TOKENS)
    assert key not in again.content.decode()
    assert "Copy it now" not in again.content.decode()


def test_tokens_the_new_key_works_against_the_api(client, member):
    client.force_login(member)
    key = shown_key(create(client))
    response = api_me(key)
    assert response.status_code == 200
    assert response.json()["username"] == "member"


def test_tokens_list_shows_name_scope_prefix_and_use(client, member):
    token, key = tokens.token_create(user=member, name="Dashboard", scope=TokenScope.FULL)
    client.force_login(member)
    html = client.get(TOKENS).content.decode()
    row = re.search(rf'<tr id="token-{token.pk}">.*?</tr>', html, re.S).group()
    assert '<td data-label="Name">Dashboard</td>' in row
    assert "Full: everything its user may do" in row
    assert f'<td class="mono" data-label="Key">{key[:8]}…</td>' in row
    assert (
        '<td data-label="Created">1 Mar 2026 12:00</td><td data-label="Last used">never</td>'
    ) in row.replace("\n        ", "")
    assert key not in html

    api_me(key)
    row = re.search(
        rf'<tr id="token-{token.pk}">.*?</tr>', client.get(TOKENS).content.decode(), re.S
    )
    assert "never" not in row.group()


def test_tokens_list_shows_only_ones_own(client, member, owner):
    tokens.token_create(user=owner, name="Owner's script")
    tokens.token_create(user=member, name="Member's script")
    client.force_login(member)
    html = client.get(TOKENS).content.decode()
    assert "Member&#x27;s script" in html
    assert "Owner&#x27;s script" not in html


def test_tokens_create_without_a_name_is_refused(client, member):
    client.force_login(member)
    response = create(client, name="")
    assert response.status_code == 200
    assert shows(response, "This field is required.")
    assert 'id="new-key"' not in response.content.decode()
    assert not ApiToken.objects.exists()


def test_tokens_create_with_an_unknown_scope_is_refused(client, member):
    client.force_login(member)
    response = create(client, scope="admin")
    assert shows(response, "Select a valid choice. admin is not one of the available choices.")
    assert not ApiToken.objects.exists()


def test_tokens_revoke_makes_the_key_fail(client, member):
    client.force_login(member)
    key = shown_key(create(client))
    token = ApiToken.objects.get()
    response = client.post(reverse("pilots:token_revoke", args=[token.pk]), follow=True)
    assert response.redirect_chain == [(TOKENS, 302)]
    assert shows(response, "Token “Nightly claims pipeline” revoked: requests with it now fail.")
    token.refresh_from_db()
    assert token.revoked_at == datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert api_me(key).status_code == 401
    html = response.content.decode()
    assert "Revoked tokens (1)" in html  # kept for the record, folded away, without a button
    assert reverse("pilots:token_revoke", args=[token.pk]) not in html
    assert shows(response, "You have no active API token.")


def test_tokens_revoke_twice_keeps_the_first_time(client, member, time_machine):
    token, _ = tokens.token_create(user=member, name="Script")
    client.force_login(member)
    client.post(reverse("pilots:token_revoke", args=[token.pk]))
    time_machine.move_to(datetime(2026, 3, 2, 9, tzinfo=UTC), tick=False)
    client.force_login(member)  # the next day: yesterday's session has timed out
    response = client.post(reverse("pilots:token_revoke", args=[token.pk]), follow=True)
    assert shows(response, "Token “Script” was already revoked.")
    token.refresh_from_db()
    assert token.revoked_at == datetime(2026, 3, 1, 12, tzinfo=UTC)


def test_tokens_revoke_of_another_users_token_is_404(client, member, owner):
    token, key = tokens.token_create(user=owner, name="Owner's script")
    client.force_login(member)
    response = client.post(reverse("pilots:token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert api_me(key).status_code == 200


def test_tokens_revoke_needs_a_post_its_address_leads_to_the_tokens(client, member):
    token, _ = tokens.token_create(user=member, name="Script")
    client.force_login(member)
    response = client.get(reverse("pilots:token_revoke", args=[token.pk]))
    assert (response.status_code, response["Location"]) == (302, TOKENS)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_tokens_anonymous_is_sent_to_sign_in(client, db):
    token, _ = tokens.token_create(user=factories.UserFactory(username="someone"), name="X")
    for response in (
        client.get(TOKENS),
        create(client),
        client.post(reverse("pilots:token_revoke", args=[token.pk])),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login") + "?next=")
    assert ApiToken.objects.count() == 1
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize("role", ["member", "outsider", "lead"])
def test_tokens_page_is_linked_from_the_navigation_for_everyone(client, request, role):
    client.force_login(request.getfixturevalue(role))
    html = client.get("/").content.decode()
    account = re.search(r'<div class="account">.*?</div>', html, re.S).group()
    assert f'<a href="{TOKENS}">API tokens</a>' in account
