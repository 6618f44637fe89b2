"""The permission matrix: every route x method x role x (owned, foreign) object.

The routes come from the URL conf (web, admin and API, walked recursively)
and the API's operations from its OpenAPI schema; the expected outcome of
each cell from the explicit table in ``tests/security/matrix.py``. A route or
API operation missing from the table fails here, so a new endpoint cannot be
forgotten. Outcome classes:

- anonymous, where sign-in is needed: a redirect to the sign-in page (web,
  admin) or 401/403 (API);
- allowed: 2xx or 3xx; or 400 (an invalid body) or 409 (a business rule, e.g.
  the owner has not accepted yet): past the permission check either way; never 5xx;
- not allowed: 403 or 404 (the admin: a redirect to its sign-in); never 2xx;
- an object the user may not see: 404.

Each cell runs in a savepoint rolled back after it, with the client's
cookies restored, so cells are independent (a sign-out or a deletion does not
leak into the next one).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from drf_spectacular.generators import SchemaGenerator

from pilots.enums import Stage
from pilots.models import Pilot
from pilots.services import gates, ownership
from tests import factories
from tests.security.matrix import (
    CAST,
    FEED,
    LEADS,
    OWN,
    PUBLIC,
    REGISTRARS,
    SIDES,
    SIGNED_IN,
    STAFF,
    STAFF_GATE,
    UNCONFIGURED,
    Route,
    World,
    build_world,
    roles_on,
    rule_for,
)

API_PREFIX = "/api/v1/"
METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class UrlRoute:
    pattern: str  # the full route, e.g. "pilots/<str:reference>/history/"
    key: str  # the URL name with its namespaces, or the pattern when unnamed
    params: tuple[str, ...]


def walk(
    resolver: URLResolver, prefix: str = "", namespaces: tuple[str, ...] = ()
) -> Iterator[UrlRoute]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from walk(entry, prefix + str(entry.pattern), inner)
        else:
            assert isinstance(entry, URLPattern)
            pattern = prefix + str(entry.pattern)
            key = ":".join((*namespaces, entry.name)) if entry.name else pattern
            params = tuple(entry.pattern.regex.groupindex)
            yield UrlRoute(pattern, key, params)


def url_routes() -> list[UrlRoute]:
    return list(walk(get_resolver()))


def api_operations() -> dict[str, tuple[str, ...]]:
    """Every API path in the schema (``{name}`` parameters) and its methods."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        path: tuple(method.upper() for method in METHODS if method in operations)
        for path, operations in schema["paths"].items()
    }


# --- Filling the parameters ---------------------------------------------------------


def parameters(
    names: tuple[str, ...], key: str, world: World, who: str, side: str, stage: str
) -> dict[str, str]:
    parts = world.pilots[side, stage]
    # Owned: the user's own token (and saved view); foreign: someone else's.
    if side == "owned" and who in world.tokens:
        owner_of_token = who
    else:
        owner_of_token = "outsider" if who == "lead" else "lead"
    values: dict[str, Any] = {
        "reference": parts.pilot.reference,
        "metric_id": parts.metric_id,
        "reading_id": parts.reading_id,
        "task_id": parts.task_id,
        "membership_id": parts.membership_id,
        "review_id": parts.review_id,
        "token_id": world.tokens[owner_of_token].pk,
        "view_id": world.saved_views[owner_of_token],
        "reminder_id": world.reminders["sponsor" if side == "owned" else "outsider"],
        "succession_id": world.successions[owner_of_token],
        "step": "basics",
        "item": "monitoring",
        "uidb64": "MQ",
        "token": "set-password",
        "app_label": "pilots",
        "url": "nothing-here/",
        "content_type_id": ContentType.objects.get_for_model(Pilot).pk,
        "object_id": parts.pilot.pk,
        "id": world.users["owner"].pk,  # type: ignore[attr-defined]
        "secret": world.calendar_secret if side == "owned" else "no-such-calendar-secret",
    }
    return {name: str(values[name]) for name in names}


def body_values(world: World, side: str, stage: str) -> dict[str, Any]:
    parts = world.pilots[side, stage]
    return {
        "metric_id": parts.metric_id,
        "task_id": parts.task_id,
        "owner_id": world.users["owner"].pk,  # type: ignore[attr-defined]
        "outsider_id": world.users["outsider"].pk,  # type: ignore[attr-defined]
    }


def fill(pattern: str, values: dict[str, str]) -> str:
    """The route with its parameters filled in (Django's <conv:name>, the schema's {name},
    the admin's regular expressions)."""
    path = re.sub(r"\^?\(\?P<(\w+)>[^)]*\)\$?", lambda m: values[m.group(1)], pattern)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], path)
    path = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)
    return "/" + path.lstrip("/").replace("^", "").replace("$", "")


# --- Expected outcome ---------------------------------------------------------------


def expected(rule: Any, who: str, side: str, stage: str) -> str:
    """allowed, denied, hidden or sign-in."""
    if rule == PUBLIC:
        return "allowed"
    if rule == FEED:
        return "allowed" if side == "owned" else "hidden"
    if rule == UNCONFIGURED:
        return "hidden"
    if who == "anonymous":
        return "sign-in"
    if rule == SIGNED_IN:
        return "allowed"
    if rule == STAFF:
        return "allowed" if who == "staff" else "admin-sign-in"
    if rule == STAFF_GATE:
        return "staff-gate" if who == "staff" else "admin-sign-in"
    if rule == REGISTRARS:
        return "allowed" if who in ("sponsor", "lead", "staff") else "denied"
    if rule == LEADS:
        return "allowed" if who == "lead" else "denied"
    if rule == OWN:
        return "allowed" if side == "owned" else "hidden"
    roles = roles_on(who, side, stage)
    if not roles:
        return "hidden"
    if roles & rule:
        # The deciders exclude the pilot's sponsor and owner (the world's lead is neither).
        return "allowed"
    return "denied"


def outcome(response: HttpResponse, *, api: bool) -> str:
    status = response.status_code
    location = response.get("Location", "")
    if status >= 500:
        return f"error {status}"
    if status in (301, 302, 303) and location.startswith("/admin/login/"):
        return "admin-sign-in"
    if status in (301, 302, 303) and location.startswith("/accounts/login/"):
        return "sign-in"
    if api and status == 401:
        return "sign-in"
    if status == 404:
        return "hidden"
    if status == 403:
        return "denied"
    if status == 400:
        return "invalid"
    if status == 409:
        return "conflict"
    if status < 400:
        return "allowed"
    return f"status {status}"


def matches(want: str, got: str, *, api: bool, who: str, route: Route) -> bool:
    if want == got:
        return True
    if want == "allowed" and got in ("invalid", "conflict"):
        return True  # past the permission check, refused by validation or a business rule
    if want == "hidden" and got == "invalid":
        return route.hidden_is_invalid
    if want == "allowed" and got in ("sign-in", "admin-sign-in"):
        return who != "anonymous"  # signing out, then sent to sign in again
    if want == "staff-gate":
        return got in ("allowed", "invalid", "denied", "hidden")
    if want == "denied" and got == "hidden":
        return True  # 404 for a refusal reveals nothing either
    if want == "sign-in" and api and got == "denied":
        return True  # DRF answers 403 when no authenticator offers a challenge
    # The admin's pages sign in through the admin's own page.
    return want == "sign-in" and got == "admin-sign-in" and who == "anonymous"


# --- The cells ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    key: str
    method: str
    path_pattern: str
    params: tuple[str, ...]
    route: Route
    api: bool


def cells() -> list[Cell]:
    routes = url_routes()
    found: list[Cell] = []
    for route in routes:
        if route.pattern.startswith(API_PREFIX.lstrip("/")):
            continue  # from the schema below
        rule = rule_for(route.key)
        assert rule is not None, missing(route.key)
        for method in rule.methods:
            found.append(Cell(route.key, method, route.pattern, route.params, rule, api=False))
    for path, methods in api_operations().items():
        params = tuple(re.findall(r"\{(\w+)\}", path))
        key = api_key(path)
        rule = rule_for(key)
        assert rule is not None, missing(key)
        assert set(methods) == set(rule.methods), (
            f"{key}: the schema has {sorted(methods)}, the matrix {sorted(rule.methods)}: "
            "add the new method to the matrix (tests/security/matrix.py)"
        )
        found.extend(Cell(key, method, path, params, rule, api=True) for method in methods)
    return found


def api_key(path: str) -> str:
    match = resolve(
        fill(
            path,
            dict.fromkeys(re.findall(r"\{(\w+)\}", path), "1")
            | {"reference": "PIL-0001", "item": "monitoring"},
        )
    )
    return f"{match.namespace}:{match.url_name}"


def missing(key: str) -> str:
    return (
        f"{key!r} is not in the permission matrix: add it to the matrix "
        "(RULES in tests/security/matrix.py) with who may reach it"
    )


KNOWN_FINDINGS: set[tuple[str, str, str, str]] = set()


def body(template: Any, values: dict[str, Any]) -> Any:
    """The route's body with its "{name}" placeholders filled from the world."""
    if isinstance(template, dict):
        return {key: body(value, values) for key, value in template.items()}
    if isinstance(template, list):
        return [body(value, values) for value in template]
    if isinstance(template, str) and re.fullmatch(r"\{\w+\}", template):
        return values[template[1:-1]]
    return template


def run(client: Client, cell: Cell, path: str, values: dict[str, Any]) -> HttpResponse:
    data = body(cell.route.data.get(cell.method, {}), values)
    call = getattr(client, cell.method.lower())
    with transaction.atomic():
        cookies = copy.deepcopy(client.cookies)
        if cell.api:
            response = (
                call(path, json.dumps(data), content_type="application/json")
                if cell.method != "GET"
                else call(path)
            )
        else:
            response = call(path, data) if cell.method == "POST" else call(path)
        client.cookies = cookies
        transaction.set_rollback(True)
    return response


@pytest.fixture
def today():
    """Inside the world's pilots' dates (2026-01-05 to 2026-07-05)."""
    with time_machine.travel("2026-03-01 10:00", tick=False):
        yield


def test_every_route_and_api_operation_is_in_the_matrix(db):
    keys = {route.key for route in url_routes()}
    unknown = sorted(key for key in keys if rule_for(key) is None)
    assert unknown == [], "\n".join(missing(key) for key in unknown)
    api_keys = {key for key in keys if key.startswith(("api:", "scorecards_api:"))}
    assert {api_key(path) for path in api_operations()} == api_keys
    assert cells()


def test_every_cell_of_the_permission_matrix(db, today, capsys, record_property):
    world = build_world()
    clients = {}
    for who in CAST:
        client = Client(raise_request_exception=False)
        if who != "anonymous":
            client.force_login(world.users[who])
        clients[who] = client
    failures = []
    checked = 0
    for cell in cells():
        stage = cell.route.stage
        scoped = cell.route.scoped or any(
            p in cell.params
            for p in ("reference", "token_id", "secret", "view_id", "succession_id")
        )
        for side in SIDES if scoped else ("owned",):
            for who in CAST:
                values = parameters(cell.params, cell.key, world, who, side, stage)
                path = fill(cell.path_pattern, values)
                want = expected(cell.route.methods[cell.method], who, side, stage)
                response = run(clients[who], cell, path, body_values(world, side, stage))
                got = outcome(response, api=cell.api)
                checked += 1
                if (cell.key, cell.method, who, side) in KNOWN_FINDINGS:
                    continue
                if not matches(want, got, api=cell.api, who=who, route=cell.route):
                    failures.append(
                        f"{cell.method} {path} ({cell.key}) as {who}, {side} {stage} pilot: "
                        f"expected {want}, got {got} ({response.status_code})"
                    )
    summary = f"permission matrix: {checked} cells checked, {len(failures)} failed"
    record_property("figures", summary)  # .ci/run prints it after the counts
    with capsys.disabled():
        print(f"\n{summary}")
    assert failures == [], "\n".join(failures)


def test_a_lead_who_owns_a_pilot_may_not_approve_it(db, today):
    """The one cell the matrix's world cannot hold (its lead owns no pilot): a
    portfolio lead who is a pilot's business owner may not approve it (403, the
    rule in the detail, nothing changed)."""
    sponsor = factories.sponsor_user("sponsor-l")
    lead = factories.lead_user("lead-l")
    pilot = factories.PilotFactory(sponsor=sponsor)
    factories.complete_registration(pilot, owner=lead)
    gates.pilot_submit(pilot=pilot, by=sponsor)
    ownership.ownership_accept(pilot=pilot, by=lead)
    client = Client()
    client.force_login(lead)
    response = client.post(
        f"{API_PREFIX}pilots/{pilot.reference}/approve/",
        {"rationale": "My own pilot."},
        content_type="application/json",
    )
    pilot.refresh_from_db()
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "A portfolio lead who is neither this pilot's sponsor nor its business owner "
        "must approve it."
    )
    assert pilot.stage == Stage.PROPOSED
