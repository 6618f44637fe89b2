"""Tokens: obtained with a password, used as ``Authorization: Token <key>``,
limited by scope, revoked by their owner."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import urlencode

import pytest
from rest_framework.test import APIClient

from pilots.accounts.tokens import token_create
from pilots.enums import TokenScope
from pilots.models import ApiToken, MetricReading
from tests.api.conftest import url


def with_key(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_token_is_obtained_with_username_and_password(owner):
    owner.set_password("correct horse battery")
    owner.save()
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": "owner", "password": "correct horse battery", "name": "nightly load"},
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["scope"], body["prefix"]) == (
        "nightly load",
        "read",
        body["key"][:8],
    )
    assert body["expires_at"] is None  # PILOTGATE_API_TOKEN_DAYS unset: never
    token = ApiToken.objects.get()
    assert token.key_digest == hashlib.sha256(body["key"].encode()).hexdigest()
    assert body["key"] not in {token.key_digest, token.prefix}
    me = with_key(body["key"]).get("/api/v1/auth/me/")
    assert me.json() == {
        "id": owner.pk,
        "username": "owner",
        "full_name": owner.get_full_name(),
        "token_scope": "read",
    }


@pytest.mark.parametrize("encoding", ["form", "multipart"])
def test_a_token_is_obtained_with_form_encoded_credentials(owner, encoding):
    """What most HTTP clients send by default (curl -d, requests' data=), and DRF's own
    token view takes; it was refused with 415."""
    owner.set_password("correct horse battery")
    owner.save()
    fields = {"username": "owner", "password": "correct horse battery", "scope": "ingest"}
    client = APIClient()
    if encoding == "form":
        response = client.post(
            "/api/v1/auth/token/",
            urlencode(fields),
            content_type="application/x-www-form-urlencoded",
        )
    else:
        response = client.post("/api/v1/auth/token/", fields, format="multipart")
    assert response.status_code == 201, response.content
    assert (response.json()["name"], response.json()["scope"]) == ("API token", "ingest")
    assert ApiToken.objects.get().user == owner


def test_form_credentials_are_checked_like_json_ones(owner):
    body = urlencode({"username": "owner", "password": "nope", "role": "admin"})
    response = APIClient().post(
        "/api/v1/auth/token/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "role": ["Unknown field: leave it out (see the API schema)."]
    }
    assert not ApiToken.objects.exists()


def test_the_schema_documents_each_way_to_send_credentials(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    operation = json.loads(schema.content)["paths"]["/api/v1/auth/token/"]["post"]
    assert set(operation["requestBody"]["content"]) == {
        "application/json",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    }
    response = APIClient().post("/api/v1/auth/token/", "x", content_type="text/plain")
    assert response.status_code == 415
    assert "application/x-www-form-urlencoded" in operation["responses"]["415"]["description"]


def test_a_wrong_password_gets_no_token(owner):
    response = APIClient().post("/api/v1/auth/token/", {"username": "owner", "password": "nope"})
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "non_field_errors": ["Unable to sign in with this username and password."]
    }
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    "header", ["Token not-a-key", "Token", "Token a b", "Bearer abc", "Token " + "x" * 40]
)
def test_a_bad_key_is_401(header, owner):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/pilots/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["code"] in {"authentication_failed", "not_authenticated"}


def test_a_revoked_token_stops_working_at_once(owner):
    token, key = token_create(user=owner, name="pipeline", scope=TokenScope.FULL)
    client = with_key(key)
    assert client.get("/api/v1/auth/tokens/").json()["results"][0]["id"] == token.pk
    assert client.delete(f"/api/v1/auth/tokens/{token.pk}/").status_code == 204
    assert client.get("/api/v1/pilots/").status_code == 401


def test_one_cannot_revoke_someone_elses_token(owner, member):
    theirs, _ = token_create(user=member, name="theirs")
    _, key = token_create(user=owner, name="mine", scope=TokenScope.FULL)
    assert with_key(key).delete(f"/api/v1/auth/tokens/{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_a_deactivated_users_token_stops_working(owner):
    _, key = token_create(user=owner, name="pipeline")
    owner.is_active = False
    owner.save()
    assert with_key(key).get("/api/v1/pilots/").status_code == 401


@pytest.mark.usefixtures("today")
def test_a_read_only_token_reads_but_never_writes(running, owner):
    _, key = token_create(user=owner, name="dashboard", scope=TokenScope.READ)
    client = with_key(key)
    assert client.get(url(running.reference)).status_code == 200
    metric = running.metrics.get()
    response = client.post(
        url(running.reference, f"metrics/{metric.pk}/readings/"),
        {"observed_on": "2026-02-01", "value": "1"},
    )
    assert response.status_code == 403
    assert "scope is “read”" in response.json()["detail"]
    assert not MetricReading.objects.exists()


@pytest.mark.usefixtures("today")
def test_an_ingest_token_records_readings_and_nothing_else(running, owner):
    _, key = token_create(user=owner, name="pipeline", scope=TokenScope.INGEST)
    client = with_key(key)
    metric = running.metrics.get()
    bulk = client.post(
        "/api/v1/readings/bulk/",
        {"readings": [{"metric": metric.pk, "observed_on": "2026-02-01", "value": "11"}]},
    )
    assert bulk.status_code == 200
    single = client.post(
        url(running.reference, f"metrics/{metric.pk}/readings/"),
        {"observed_on": "2026-02-02", "value": "12"},
    )
    assert single.status_code == 201
    assert single.json()["source"] == "api"
    refused = client.post(url(running.reference, "tasks/"), {"title": "x"})
    assert refused.status_code == 403
    assert MetricReading.objects.count() == 2


def test_a_token_within_its_scope_still_has_only_its_users_rights(running, ops):
    _, key = token_create(user=ops, name="pipeline", scope=TokenScope.FULL)
    metric = running.metrics.get()
    response = with_key(key).post(
        "/api/v1/readings/bulk/",
        {"readings": [{"metric": metric.pk, "observed_on": "2026-02-01", "value": "11"}]},
    )
    assert response.status_code == 403


def test_session_writes_need_the_csrf_token(client, sponsor, running):
    client.force_login(sponsor)
    api = APIClient(enforce_csrf_checks=True)
    api.cookies = client.cookies
    response = api.patch(url(running.reference), {"title": "Renamed"})
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
