"""The API's cast: a client per role, on the pilots of ``tests/conftest.py``."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import time_machine
from rest_framework.test import APIClient

ROLES = ("sponsor", "owner", "member", "ops", "lead", "outsider", "anonymous")


@pytest.fixture
def today():
    """Inside the fixture pilots' dates (2026-01-05 to 2026-07-05)."""
    with time_machine.travel("2026-03-01 10:00", tick=False):
        yield


@pytest.fixture
def client_as(request) -> Callable[[str], APIClient]:
    """``client_as("owner")``: an API client signed in as that fixture user (or anonymous)."""

    def build(role: str) -> APIClient:
        client = APIClient()
        if role != "anonymous":
            client.force_authenticate(request.getfixturevalue(role))
        return client

    return build


def url(reference: str, rest: str = "") -> str:
    return f"/api/v1/pilots/{reference}/{rest}"
