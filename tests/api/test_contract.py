"""The contract: one error shape, strict input types, the OpenAPI schema and its docs."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from tests import factories
from tests.api.conftest import url


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def test_the_schema_validates_as_openapi_3(schema):
    validate_schema(schema)  # raises on any violation of the OpenAPI 3 meta-schema
    assert schema["openapi"].startswith("3.")


def test_every_operation_documents_its_errors(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            where = f"{method.upper()} {path}"
            if path != "/api/v1/auth/token/":
                assert {"401", "403", "429"} <= codes, where
            if "{" in path:
                assert "404" in codes, where
            if method in {"post", "patch", "delete"} and path != "/api/v1/auth/token/":
                assert "409" in codes, where
            if method in {"post", "patch"}:
                assert {"400", "415"} <= codes, where


def test_every_transition_is_an_explicit_operation(schema):
    actions = {
        path.rsplit("/", 2)[-2]
        for path in schema["paths"]
        if path.startswith("/api/v1/pilots/{reference}/") and path.count("/") == 6
    }
    assert {
        "submit",
        "accept-ownership",
        "decline-ownership",
        "approve",
        "reject",
        "start",
        "graduate",
        "stop",
        "accept-operations",
    } <= actions
    assert (
        "stage"
        not in schema["components"]["schemas"]["PatchedPilotUpdateInputRequest"]["properties"]
    )


def test_enums_are_published(schema):
    assert schema["components"]["schemas"]["Stage"]["enum"] == [
        "draft",
        "proposed",
        "approved",
        "running",
        "graduated",
        "stopped",
    ]


def test_schema_and_docs_are_served_without_a_cdn(client):
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower()


def test_an_unknown_api_path_is_a_json_404(client, settings):
    response = client.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found."}
    assert client.get("/nothing-here/").headers["Content-Type"].startswith("text/html")


def test_malformed_json_is_a_400_in_the_same_shape(client_as):
    response = client_as("sponsor").generic(
        "POST", "/api/v1/pilots/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "parse_error"
    assert list(body["errors"]) == ["non_field_errors"]


def test_a_method_not_offered_is_a_405(client_as, running):
    response = client_as("sponsor").put(url(running.reference), {})
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_field_errors_name_every_field(client_as):
    response = client_as("sponsor").post(
        "/api/v1/pilots/", {"planned_start": "soon", "business_unit": "Finance"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert set(response.json()["errors"]) == {"title", "planned_start", "business_unit"}


@pytest.mark.parametrize(
    "body",
    [{"title": 42}, {"title": "x", "owner": "3"}, {"title": "x", "receiving_team": ["a"]}],
)
def test_json_types_are_strict(client_as, owner, body):
    assert client_as("sponsor").post("/api/v1/pilots/", body).status_code == 400


def test_a_business_rule_is_a_field_error_and_nothing_is_written(client_as, sponsor):
    response = client_as("sponsor").post(
        "/api/v1/pilots/",
        {"title": "Backwards", "planned_start": "2026-05-01", "planned_end": "2026-04-01"},
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "non_field_errors": ["The planned end cannot be before the planned start."]
    }
    assert not sponsor.sponsored_pilots.exists()


@pytest.mark.parametrize(
    "query", ["page_size=0", "page_size=abc", "page_size=500", "stage=", "stage=a&stage=b"]
)
def test_malformed_list_parameters_are_400(client_as, query):
    response = client_as("lead").get(f"/api/v1/pilots/?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_a_page_past_the_end_is_404(client_as):
    assert client_as("lead").get("/api/v1/pilots/?page=9").status_code == 404


@pytest.mark.usefixtures("today")
def test_lists_filter_and_sort(client_as, running):
    other = factories.PilotFactory(title="Another", sponsor=running.sponsor)
    client = client_as("lead")
    drafts = client.get("/api/v1/pilots/", {"stage": "draft"}).json()["results"]
    assert [p["title"] for p in drafts] == [other.title]
    by_title = client.get("/api/v1/pilots/", {"sort": "-title"}).json()["results"]
    assert [p["title"] for p in by_title] == sorted([other.title, running.title], reverse=True)
    page = client.get("/api/v1/pilots/", {"page_size": 1}).json()
    assert (page["count"], len(page["results"]), page["next"] is not None) == (2, 1, True)
