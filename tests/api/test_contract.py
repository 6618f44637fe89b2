"""The contract: one error shape, strict input types, the OpenAPI schema and its docs.

The schema states every constraint the code enforces on a request's form, so a
request valid by the schema is refused only by a business rule; schemathesis
checks it both ways against a live server (``make fuzz``), and the tests here
pin the cases that once disagreed.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from openapi_spec_validator import validate as validate_openapi

from pilots.enums import ID_MAX
from pilots.frame.api.pagination import PageNumberPagination
from pilots.models import MetricReading, Pilot
from tests import factories
from tests.api.conftest import url


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


@pytest.fixture
def served(client) -> dict[str, Any]:
    """The schema exactly as /api/schema/ serves it, as JSON."""
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_schema_validates_as_openapi_3(schema):
    validate_schema(schema)  # raises on any violation of the OpenAPI 3 meta-schema
    assert schema["openapi"].startswith("3.")


def test_the_served_schema_passes_a_strict_openapi_validator(served):
    """openapi-spec-validator, for the version the schema declares: it also checks that
    every default and example is valid under its own schema (a oneOf whose branches
    both matched "" once failed here)."""
    assert served["openapi"] == "3.0.3"
    validate_openapi(served)  # raises OpenAPIValidationError on the first problem


def request_schema_accepts(spec: dict[str, Any], method: str, path: str, body: Any) -> bool:
    """Whether ``body`` is valid JSON for the operation's request schema (with formats)."""
    content = spec["paths"][path][method]["requestBody"]["content"]["application/json"]
    root = {**content["schema"], "components": spec["components"]}
    validator = OAS30Validator(root, format_checker=oas30_format_checker)
    return validator.is_valid(body)


LONG = "x" * 200
CREATE = ("post", "/api/v1/pilots/")


@pytest.mark.parametrize(
    ("body", "valid"),
    [
        ({"title": "Claims triage"}, True),
        ({"title": "  " + LONG[2:]}, True),  # 200 as sent; stored trimmed
        ({"title": LONG + "  "}, False),  # lengths count what was sent
        ({"title": "   "}, False),  # blank once trimmed
        ({"title": "\u3000\u2003"}, False),  # Unicode spaces are blank too
        ({"title": "a\x00b"}, False),  # PostgreSQL cannot store NUL
        ({"title": "x", "problem_statement": ""}, True),
        ({"title": "x", "planned_start": "2026-01-05"}, True),
        ({"title": "x", "planned_start": "20260105"}, False),  # ISO, but not YYYY-MM-DD
        ({"title": "x", "planned_start": "2026-1-5"}, False),
        ({"title": "x", "owner": 0}, False),
        ({"title": "x", "owner": ID_MAX + 1}, False),
        ({"title": "x", "titel": "a typo"}, False),  # unknown fields are refused
        ({"title": 42}, False),
    ],
)
def test_the_schema_and_the_code_agree_on_a_pilot(client_as, served, body, valid):
    response = client_as("sponsor").post("/api/v1/pilots/", body)
    assert request_schema_accepts(served, *CREATE, body) is valid
    assert response.status_code == (201 if valid else 400), response.content
    assert Pilot.objects.exists() is valid


@pytest.mark.parametrize(
    ("link", "valid"),
    [
        ("", True),
        ("https://wiki.example.com/runbooks/claims?v=2#deploy", True),
        ("http://grafana.internal.example.org:3000/d/abc", True),
        ("https://000.aaaa.a", False),  # a one-letter top-level domain (URLValidator refuses)
        ("ftp://files.example.com/runbook", False),
        (" https://wiki.example.com", False),
        ("https://wiki.example.com/a b", False),
        ("https://wiki.example.com/" + "x" * 200, False),
        ("wiki.example.com/runbook", False),
    ],
)
def test_the_schema_and_the_code_agree_on_a_link(client_as, served, draft, link, valid):
    path = "/api/v1/pilots/{reference}/infrastructure/"
    body = {"answers": [{"item": "ci_cd", "answer": "no", "evidence_url": link}]}
    response = client_as("sponsor").patch(url(draft.reference, "infrastructure/"), body)
    assert request_schema_accepts(served, "patch", path, body) is valid
    assert response.status_code == (200 if valid else 400), response.content


@pytest.mark.parametrize(
    ("body", "valid"),
    [
        ({"readings": []}, False),  # once valid by the schema and refused by the code
        ({"readings": [{"metric": 0, "observed_on": "2026-02-01", "value": "1"}]}, False),
        ({"readings": "{m}", "dry_run": "yes"}, False),
        ({"readings": "{m}", "extra": 1}, False),
        ({"readings": "{m}"}, True),
    ],
)
def test_the_schema_and_the_code_agree_on_a_bulk_request(client_as, served, running, body, valid):
    row = {"metric": running.metrics.get().pk, "observed_on": "2026-02-01", "value": "1"}
    body = {key: [row] if value == "{m}" else value for key, value in body.items()}
    response = client_as("owner").post("/api/v1/readings/bulk/", body)
    assert request_schema_accepts(served, "post", "/api/v1/readings/bulk/", body) is valid
    assert response.status_code == (200 if valid else 400), response.content


def test_the_bulk_schema_states_the_configured_row_limit(served):
    readings = served["components"]["schemas"]["BulkReadingsInputRequest"]["properties"]
    assert (readings["readings"]["minItems"], readings["readings"]["maxItems"]) == (
        1,
        settings.PILOTGATE_INGEST_MAX_ROWS,
    )


def test_list_parameters_state_their_bounds(served):
    parameters = {
        p["name"]: p["schema"] for p in served["paths"]["/api/v1/pilots/"]["get"]["parameters"]
    }
    assert parameters["page"] == {"type": "integer", "minimum": 1}
    assert parameters["page_size"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": PageNumberPagination.max_page_size,
        "default": PageNumberPagination.page_size,
    }
    assert parameters["sort"]["minItems"] == 1  # `sort=` is refused
    assert parameters["business_unit"] == {"type": "integer", "minimum": 1, "maximum": ID_MAX}
    assert parameters["q"]["pattern"] == "^[^\\x00]*$"
    task_id = served["paths"]["/api/v1/pilots/{reference}/tasks/{task_id}/"]["get"]["parameters"]
    assert {"type": "integer", "minimum": 1, "maximum": ID_MAX} in [p["schema"] for p in task_id]


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
                assert {"400", "413", "415"} <= codes, where
            assert "503" in codes, where  # the database unavailable


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
    assert response.headers["Allow"] == "GET, PATCH, HEAD"


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
    "query",
    [
        "page_size=0",
        "page_size=abc",
        "page_size=500",
        "page=0",
        "page=last",
        "stage=",
        "stage=a&stage=b",
        "sort=",
    ],
)
def test_malformed_list_parameters_are_400(client_as, query):
    response = client_as("lead").get(f"/api/v1/pilots/?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_a_page_past_the_end_is_404(client_as):
    assert client_as("lead").get("/api/v1/pilots/?page=9").status_code == 404


def test_an_unknown_business_unit_matches_no_pilot(client_as, running):
    unit = factories.BusinessUnitFactory()
    client = client_as("lead")
    assert client.get("/api/v1/pilots/", {"business_unit": 999_999}).json()["results"] == []
    running.business_unit = unit
    running.save()
    found = client.get("/api/v1/pilots/", {"business_unit": unit.pk}).json()["results"]
    assert [pilot["reference"] for pilot in found] == [running.reference]


@pytest.mark.usefixtures("today")
def test_patching_a_reading_changes_only_the_fields_sent(client_as, running):
    reading = factories.ReadingFactory(metric=running.metrics.get(), note="Nightly load")
    reading_url = url(running.reference, f"readings/{reading.pk}/")
    response = client_as("owner").patch(reading_url, {"value": "7.5"})
    assert response.status_code == 200, response.content
    reading.refresh_from_db()
    assert (str(reading.value), reading.note) == ("7.5000", "Nightly load")
    assert client_as("owner").patch(reading_url, {}).status_code == 200
    assert MetricReading.objects.get().note == "Nightly load"


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
