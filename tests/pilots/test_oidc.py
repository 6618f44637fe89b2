"""Single sign-on without a provider: the claim mapping, the password switch,
the sign-in page, and the settings that must be complete or stop start-up.

The sign-in through a real OpenID provider is tests/e2e/test_oidc.py.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import jwt
import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group, User
from django.core.exceptions import SuspiciousOperation
from django.test import Client

from pilots.accounts.oidc import OIDCBackend, PasswordBackend, role_groups_for
from pilots.enums import PORTFOLIO_LEADS_GROUP, SPONSORS_GROUP
from tests import factories
from tests.test_settings import load_settings

AUTHORIZE = "https://idp.example.com/authorize"


@pytest.fixture
def sso(settings):
    """Single sign-on configured with explicit endpoints (nothing is fetched)."""
    settings.PILOTGATE_OIDC_ENABLED = True
    settings.PILOTGATE_OIDC_ISSUER = ""
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = AUTHORIZE
    settings.OIDC_OP_TOKEN_ENDPOINT = "https://idp.example.com/token"
    settings.OIDC_OP_USER_ENDPOINT = "https://idp.example.com/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = "https://idp.example.com/jwks"
    settings.OIDC_RP_CLIENT_ID = "pilotgate"
    settings.OIDC_RP_CLIENT_SECRET = "s3cret-for-tests-only-0123456789abcdef"
    settings.PILOTGATE_OIDC_NAME = "Contoso"
    settings.PILOTGATE_OIDC_GROUPS_CLAIM = "groups"
    settings.PILOTGATE_OIDC_LEAD_GROUPS = ["pg-leads", "portfolio-office"]
    settings.PILOTGATE_OIDC_SPONSOR_GROUPS = ["pg-sponsors"]
    settings.AUTHENTICATION_BACKENDS = [
        "pilots.accounts.oidc.PasswordBackend",
        "pilots.accounts.oidc.OIDCBackend",
    ]
    return settings


def groups_of(user: User) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


# --- The claim mapping --------------------------------------------------------------


def test_a_new_user_is_created_from_the_claims_with_the_mapped_role(db, sso):
    backend = OIDCBackend()
    claims = {
        "sub": "0f1e",
        "preferred_username": "ada",
        "email": "ada@example.com",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "groups": ["pg-leads", "everyone"],
    }
    assert backend.verify_claims(claims)
    assert not backend.filter_users_by_claims(claims).exists()
    user = backend.create_user(claims)
    user.refresh_from_db()
    assert (user.username, user.email, user.get_full_name()) == (
        "ada",
        "ada@example.com",
        "Ada Lovelace",
    )
    assert groups_of(user) == {PORTFOLIO_LEADS_GROUP}
    assert not user.has_usable_password()
    assert list(backend.filter_users_by_claims(claims)) == [user]


def test_without_preferred_username_the_subject_is_the_username(db, sso):
    backend = OIDCBackend()
    user = backend.create_user({"sub": "a1b2c3", "groups": "pg-sponsors"})
    assert user.username == "a1b2c3"
    assert groups_of(user) == {SPONSORS_GROUP}
    assert not backend.verify_claims({"email": "x@example.com"})  # no user name at all
    assert not backend.verify_claims({"sub": "x" * 151})


def test_the_username_claim_is_a_setting(db, sso):
    sso.PILOTGATE_OIDC_USERNAME_CLAIM = "sub"
    claims = {"sub": "f81d4fae", "preferred_username": "admin"}  # chosen by the person
    assert OIDCBackend().create_user(claims).username == "f81d4fae"


def test_every_sign_in_adds_claimed_and_removes_unclaimed_roles_and_leaves_the_rest(db, sso):
    auditors = Group.objects.create(name="Auditors")  # not mapped: never touched
    user = factories.UserFactory(username="ada", groups=[PORTFOLIO_LEADS_GROUP])
    user.groups.add(auditors)
    User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
    user.refresh_from_db()
    backend = OIDCBackend()

    backend.update_user(user, {"sub": "1", "preferred_username": "ada", "groups": ["pg-sponsors"]})
    assert groups_of(user) == {SPONSORS_GROUP, "Auditors"}

    backend.update_user(user, {"sub": "1", "preferred_username": "ada", "groups": ["Auditors"]})
    assert groups_of(user) == {"Auditors"}  # the claim cannot grant an unmapped group either

    backend.update_user(
        user, {"sub": "1", "groups": ["portfolio-office", "pg-sponsors", "pg-leads"]}
    )
    assert groups_of(user) == {PORTFOLIO_LEADS_GROUP, SPONSORS_GROUP, "Auditors"}

    backend.update_user(user, {"sub": "1"})  # no group claim: no role, still a user
    assert groups_of(user) == {"Auditors"}
    # Each change is in the user's admin history; a sign-in that changes nothing adds none.
    backend.update_user(user, {"sub": "1"})
    assert [entry.change_message for entry in LogEntry.objects.order_by("pk")] == [
        "Single sign-on added Sponsors; Single sign-on removed Portfolio leads",
        "Single sign-on removed Sponsors",
        "Single sign-on added Portfolio leads; Single sign-on added Sponsors",
        "Single sign-on removed Portfolio leads; Single sign-on removed Sponsors",
    ]
    assert {(entry.user_id, entry.object_id) for entry in LogEntry.objects.all()} == {
        (user.pk, str(user.pk))
    }
    user.refresh_from_db()
    assert user.is_staff
    assert user.is_superuser
    assert user.is_active


def test_the_role_memo_of_permissions_follows_the_new_groups(db, sso):
    from pilots.permissions import is_portfolio_lead

    user = factories.UserFactory(username="ada")
    assert not is_portfolio_lead(user)
    OIDCBackend().update_user(user, {"sub": "1", "groups": ["pg-leads"]})
    assert is_portfolio_lead(user)


def test_the_claim_name_and_values_come_from_the_settings(sso):
    sso.PILOTGATE_OIDC_LEAD_GROUPS = []
    assert role_groups_for(["pg-leads", "pg-sponsors"]) == {SPONSORS_GROUP}
    assert role_groups_for(None) == set()
    assert role_groups_for({"pg-sponsors": True}) == set()  # not a list: ignored
    assert role_groups_for([["pg-sponsors"], 3]) == set()


def test_an_id_token_for_another_client_is_refused(sso):
    sso.OIDC_RP_SIGN_ALGO = "HS256"  # signed with the client secret: no key set needed
    backend = OIDCBackend()
    secret = sso.OIDC_RP_CLIENT_SECRET
    ours = jwt.encode({"sub": "1", "aud": "pilotgate", "nonce": "n"}, secret, algorithm="HS256")
    assert backend.verify_token(ours, nonce="n")["sub"] == "1"
    theirs = jwt.encode({"sub": "1", "aud": "another-app", "nonce": "n"}, secret, "HS256")
    with pytest.raises(SuspiciousOperation, match="another client"):
        backend.verify_token(theirs, nonce="n")


def test_the_group_claim_may_come_from_the_id_token_and_the_subjects_must_agree(sso, monkeypatch):
    answer = {"sub": "1", "email": "ada@example.com"}
    monkeypatch.setattr(
        "mozilla_django_oidc.auth.OIDCAuthenticationBackend.get_userinfo",
        lambda self, access_token, id_token, payload: answer,
    )
    id_token_claims = {"sub": "1", "groups": ["pg-leads"], "email": "old@example.com"}
    claims = OIDCBackend().get_userinfo("access", "id-token", id_token_claims)
    assert claims["groups"] == ["pg-leads"]
    assert claims["email"] == "ada@example.com"  # userinfo wins
    answer["sub"] = "2"
    with pytest.raises(SuspiciousOperation, match="another subject"):
        OIDCBackend().get_userinfo("access", "id-token", id_token_claims)


# --- Local accounts and the sign-in page ----------------------------------------------


def test_without_single_sign_on_the_sign_in_page_and_addresses_are_unchanged(db, client):
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert b"Sign in with" not in page.content
    assert b'name="password"' in page.content
    assert client.get("/accounts/sso/start/").status_code == 404
    assert client.get("/accounts/sso/callback/?code=x&state=y").status_code == 404


def test_the_sign_in_page_offers_single_sign_on_and_the_button_starts_it(db, client, sso):
    page = client.get("/accounts/login/?next=/portfolio/")
    assert b"Sign in with Contoso" in page.content
    assert b'name="password"' in page.content  # local accounts stay on by default
    assert b'href="/accounts/sso/start/?next=%2Fportfolio%2F"' in page.content

    response = client.get("/accounts/sso/start/?next=/portfolio/")
    assert response.status_code == 302
    location = urlparse(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == AUTHORIZE
    query = parse_qs(location.query)
    assert query["client_id"] == ["pilotgate"]
    assert query["response_type"] == ["code"]
    assert query["redirect_uri"] == ["http://testserver/accounts/sso/callback/"]
    assert query["code_challenge_method"] == ["S256"]
    assert query["state"][0] in client.session["oidc_states"]
    assert client.session["oidc_login_next"] == "/portfolio/"


def test_a_callback_without_a_started_sign_in_goes_back_with_a_message(db, client, sso):
    response = client.get("/accounts/sso/callback/?code=x&state=y", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/"
    assert b"Single sign-on did not sign you in" in response.content
    assert "_auth_user_id" not in client.session


def test_a_callback_with_a_stale_state_goes_back_with_a_message(db, client, sso):
    client.get("/accounts/sso/start/")  # a sign-in started in this session, another state
    response = client.get("/accounts/sso/callback/?code=x&state=stale", follow=True)
    assert response.redirect_chain == [("/accounts/login/", 302)]
    assert b"Single sign-on did not sign you in" in response.content


def test_with_local_accounts_off_the_form_is_gone_and_passwords_are_refused(db, sso):
    sso.PILOTGATE_LOCAL_ACCOUNTS = False
    user = factories.UserFactory(username="ada")
    client = Client()
    page = client.get("/accounts/login/")
    assert b"Sign in with Contoso" in page.content
    assert b'name="password"' not in page.content
    assert b"Forgotten your password" not in page.content

    response = client.post("/accounts/login/", {"username": "ada", "password": "pw"})
    assert response.status_code == 303
    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session
    assert b"Password sign-in is turned off" in client.get("/accounts/login/").content
    # Every other door that checks a password refuses it too.
    assert authenticate(username="ada", password="pw") is None
    token = client.post(
        "/api/v1/auth/token/",
        {"username": "ada", "password": "pw"},
        content_type="application/json",
    )
    assert token.status_code in (400, 401), token.content
    assert "key" not in token.json()
    assert PasswordBackend().authenticate(None, username=user.username, password="pw") is None


def test_with_local_accounts_off_a_superuser_may_still_use_the_admin(db, sso):
    sso.PILOTGATE_LOCAL_ACCOUNTS = False
    User.objects.create_superuser("root", "root@example.com", "pw-0f9a8b7c")
    client = Client()
    client.post("/admin/login/?next=/admin/", {"username": "root", "password": "pw-0f9a8b7c"})
    assert client.get("/admin/").status_code == 200
    refused = Client()
    refused.post("/accounts/login/", {"username": "root", "password": "pw-0f9a8b7c"})
    assert "_auth_user_id" not in refused.session


def test_with_local_accounts_on_passwords_still_sign_in_beside_single_sign_on(db, sso):
    factories.UserFactory(username="ada")
    client = Client()
    response = client.post("/accounts/login/", {"username": "ada", "password": "pw"})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


# --- Settings -------------------------------------------------------------------------

FULL = {
    "PILOTGATE_OIDC_ISSUER": "https://login.example.com/realms/acme",
    "PILOTGATE_OIDC_CLIENT_ID": "pilotgate",
    "PILOTGATE_OIDC_CLIENT_SECRET": "s3cret",
}
SHOW = "settings.PILOTGATE_OIDC_ENABLED, settings.AUTHENTICATION_BACKENDS"


def test_no_single_sign_on_setting_means_no_backend():
    result = load_settings("config.settings.test", show=SHOW)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "False ['axes.backends.AxesStandaloneBackend', 'pilots.accounts.oidc.PasswordBackend']"
    )


def test_an_issuer_with_a_client_is_complete_and_adds_the_backend():
    result = load_settings("config.settings.test", show=SHOW, **FULL)
    assert result.returncode == 0, result.stderr
    assert "pilots.accounts.oidc.OIDCBackend" in result.stdout


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"PILOTGATE_OIDC_CLIENT_ID": "pilotgate"},
            "set PILOTGATE_OIDC_CLIENT_SECRET, PILOTGATE_OIDC_AUTHORIZATION_ENDPOINT, "
            "PILOTGATE_OIDC_TOKEN_ENDPOINT, PILOTGATE_OIDC_USERINFO_ENDPOINT, "
            "PILOTGATE_OIDC_JWKS_ENDPOINT (or PILOTGATE_OIDC_ISSUER",
        ),
        ({**FULL, "PILOTGATE_OIDC_CLIENT_SECRET": ""}, "set PILOTGATE_OIDC_CLIENT_SECRET"),
        ({**FULL, "PILOTGATE_OIDC_SIGN_ALGO": "none"}, "PILOTGATE_OIDC_SIGN_ALGO must be one of"),
        ({**FULL, "PILOTGATE_OIDC_SCOPES": "email"}, "PILOTGATE_OIDC_SCOPES must include openid"),
        ({"PILOTGATE_LOCAL_ACCOUNTS": "false"}, "PILOTGATE_LOCAL_ACCOUNTS=false needs single"),
    ],
)
def test_half_configured_single_sign_on_stops_start_up_naming_what_is_missing(env, message):
    result = load_settings("config.settings.test", show=SHOW, **{k: v for k, v in env.items() if v})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr
