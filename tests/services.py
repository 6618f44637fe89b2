"""Which real services this run has, and what to do when one is missing.

Without ``PILOTGATE_REQUIRE_SERVICES`` a test that needs PostgreSQL, Redis or
a browser is skipped with the reason; with it (``.ci/run``) the same test
fails, so CI can never pass by skipping.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.db import connection

REQUIRED = os.environ.get("PILOTGATE_REQUIRE_SERVICES", "") not in ("", "0", "false")


def unavailable(reason: str) -> None:
    """Skip (laptop) or fail (CI) because a service is missing."""
    if REQUIRED:
        pytest.fail(f"PILOTGATE_REQUIRE_SERVICES is set but {reason}", pytrace=False)
    pytest.skip(reason)


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        unavailable(
            f"needs PostgreSQL (DATABASE_URL points at {connection.vendor}); "
            "set DATABASE_URL=postgres://…"
        )


def redis_broker_url() -> str:
    """The Redis broker URL of this run, or skip/fail when there is none reachable."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        unavailable(f"needs Redis (CELERY_BROKER_URL is {url!r}); set CELERY_BROKER_URL=redis://…")
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), 2):
            pass
    except OSError as exc:
        unavailable(f"Redis at {parsed.hostname}:{parsed.port} is not reachable ({exc})")
    return url
