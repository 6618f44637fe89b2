"""Everything under /api/ answers the API's JSON error shape, whatever goes wrong (an
unknown path, a method not offered, a body too large, a lost database); the rest of the
site keeps Django's HTML pages."""

from __future__ import annotations

import json
from unittest import mock

import pytest
from django.core.exceptions import BadRequest, PermissionDenied
from django.db import OperationalError
from django.middleware.csrf import _get_failure_view
from django.test import Client, RequestFactory
from django.urls import get_resolver
from rest_framework.test import APIClient

from pilots.models import Pilot


def api_error(response, status: int, code: str) -> dict:
    """The response is the API's error shape with this status and code; its body."""
    assert response.status_code == status, response.content
    assert response.headers["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert body["code"] == code
    assert isinstance(body["detail"], str)
    assert body["detail"]
    return body


def is_html(response, status: int) -> bool:
    return response.status_code == status and response.headers["Content-Type"].startswith(
        "text/html"
    )


@pytest.mark.parametrize(
    "path",
    [
        "/api/",
        "/api/v1/nope/",
        "/api/v2/x",
        "/api/v1/pilots/PIL-0001/nope/",
        "/api/v1/pilots/not-a-reference/",
        "/api/v1/pilots/PIL-0001/tasks/-1/",
    ],
)
@pytest.mark.django_db
def test_an_unknown_api_path_is_a_json_404(path):
    assert api_error(Client().get(path), 404, "not_found") == {
        "code": "not_found",
        "detail": "Not found.",
    }


@pytest.mark.django_db
def test_an_unknown_page_elsewhere_is_the_html_404():
    assert is_html(Client().get("/nothing-here/"), 404)


@pytest.mark.parametrize("method", ["put", "delete", "options", "trace"])
def test_a_method_not_offered_is_a_json_405_with_allow(client_as, method):
    response = getattr(client_as("sponsor"), method)("/api/v1/pilots/")
    api_error(response, 405, "method_not_allowed")
    assert response.headers["Allow"] == "GET, POST, HEAD"


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/", "/api/redoc/"])
@pytest.mark.django_db
def test_the_schema_and_docs_answer_errors_in_json_too(path):
    response = Client().post(path)
    api_error(response, 405, "method_not_allowed")
    assert response.headers["Allow"] == "GET, HEAD"
    api_error(Client().get(path, {"format": "xml"}), 404, "not_found")


@pytest.mark.django_db
def test_an_unacceptable_schema_format_is_a_json_406():
    api_error(Client().get("/api/schema/", HTTP_ACCEPT="text/csv"), 406, "not_acceptable")


def test_a_body_over_the_upload_limit_is_a_json_413_and_nothing_is_written(
    client_as, sponsor, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    response = client_as("sponsor").post("/api/v1/pilots/", {"title": "x" * 2_000})
    body = api_error(response, 413, "too_large")
    assert "1,000 bytes" in body["detail"]
    assert not Pilot.objects.exists()


@pytest.mark.django_db
def test_a_body_over_the_upload_limit_elsewhere_is_the_html_400(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    response = Client().post("/accounts/login/", {"username": "x" * 2_000})
    assert is_html(response, 400)


@pytest.mark.django_db
def test_too_many_form_fields_is_a_json_400(settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    fields = {f"field{n}": "x" for n in range(10)}
    response = APIClient().post("/api/v1/auth/token/", fields, format="multipart")
    body = api_error(response, 400, "bad_request")
    assert body["errors"] == {"non_field_errors": ["The request has too many fields."]}


@pytest.mark.django_db
def test_a_host_not_allowed_is_a_json_400_under_the_api_only():
    api_error(Client().get("/api/v1/pilots/", HTTP_HOST="evil.example"), 400, "bad_request")
    assert is_html(Client().get("/accounts/login/", HTTP_HOST="evil.example"), 400)


def test_a_session_write_without_its_csrf_token_is_a_json_403(sponsor):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(sponsor)
    response = client.post("/api/v1/pilots/", {"title": "No token"}, format="json")
    assert "CSRF" in api_error(response, 403, "permission_denied")["detail"]
    assert not Pilot.objects.exists()


def test_the_csrf_failure_view_answers_json_under_the_api_only():
    failure_view = _get_failure_view()  # settings.CSRF_FAILURE_VIEW
    request = RequestFactory().post("/api/v1/pilots/")
    body = api_error(failure_view(request, reason="CSRF cookie not set."), 403, "csrf_failed")
    assert "CSRF cookie not set" in body["detail"]
    assert is_html(failure_view(RequestFactory().post("/pilots/new/"), reason="x"), 403)


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (OperationalError("server closed the connection unexpectedly"), 503, "unavailable"),
        (RuntimeError("a bug"), 500, "server_error"),
    ],
)
def test_an_uncaught_error_under_the_api_is_json(lead, error, status, code):
    client = Client(raise_request_exception=False)
    client.force_login(lead)
    with mock.patch("pilots.api.views.pilots.pilot_list", side_effect=error):
        response = client.get("/api/v1/pilots/")
    api_error(response, status, code)


def test_a_lost_database_elsewhere_is_the_html_500(lead):
    client = Client(raise_request_exception=False)
    client.force_login(lead)
    error = OperationalError("server closed the connection unexpectedly")
    with mock.patch("scorecards.pilot_list.pilot_list", side_effect=error):
        assert is_html(client.get("/pilots/"), 500)


@pytest.mark.parametrize(("status", "code"), [(400, "bad_request"), (403, "permission_denied")])
def test_the_error_handlers_answer_json_under_the_api_only(status, code):
    handler = get_resolver().resolve_error_handler(status)
    exception = BadRequest() if status == 400 else PermissionDenied()
    api_error(handler(RequestFactory().get("/api/v1/pilots/"), exception), status, code)
    assert is_html(handler(RequestFactory().get("/pilots/"), exception), status)
