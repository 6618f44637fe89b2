"""The production shape in docker-compose.yml: nginx in front, gunicorn unpublished.

There is no Docker engine in CI, so the compose file and the nginx config are
checked as files; `nginx -t` validates the config wherever nginx is installed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from pilots.forms.readings import CSV_MAX_BYTES
from tests.services import unavailable

ROOT = Path(__file__).resolve().parents[1]
NGINX_CONF = ROOT / "deploy" / "nginx.conf"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def nginx() -> str:
    return NGINX_CONF.read_text()


def directive(conf: str, name: str) -> list[str]:
    """The values of every ``name ...;`` directive in the config, comments left out."""
    lines = (line.split("#", 1)[0] for line in conf.splitlines())
    return re.findall(rf"^\s*{name}\s+([^;{{}}\n]+);", "\n".join(lines), re.MULTILINE)


def megabytes(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmM]?)", value.strip()).groups()  # type: ignore[union-attr]
    return int(number) * {"": 1, "k": 1024, "m": 1024 * 1024}[unit.lower()]


def test_only_the_proxy_is_published(compose):
    services = compose["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy"}
    assert services["proxy"]["image"].startswith("nginx:")
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in services["proxy"]["volumes"]
    assert services["web"]["command"] == ["make", "web"]
    assert services["web"]["expose"] == ["8000"]


def test_the_app_trusts_exactly_the_one_proxy(compose):
    environment = compose["services"]["web"]["environment"]
    assert environment["PILOTGATE_TRUSTED_PROXIES"] == "1"
    assert environment["DJANGO_TRUST_X_FORWARDED_PROTO"] == "true"


def test_nginx_sets_the_forwarded_headers_and_buffers(nginx):
    headers = dict(value.split(None, 1) for value in directive(nginx, "proxy_set_header"))
    assert headers["X-Forwarded-For"] == "$proxy_add_x_forwarded_for"
    assert headers["X-Forwarded-Proto"] == "$scheme"  # replaces whatever a client sent
    assert directive(nginx, "proxy_buffering") == ["on"]
    assert directive(nginx, "proxy_request_buffering") == ["on"]
    assert directive(nginx, "proxy_pass") == ["http://pilotgate"]
    assert directive(nginx, "server") == ["web:8000"]


def test_nginx_admits_the_largest_request_the_app_accepts_and_little_more(nginx):
    (limit,) = directive(nginx, "client_max_body_size")
    largest = max(settings.DATA_UPLOAD_MAX_MEMORY_SIZE, CSV_MAX_BYTES)
    assert largest < megabytes(limit) <= 2 * largest


def test_nginx_times_slow_clients_out(nginx):
    for name in ("client_header_timeout", "client_body_timeout", "send_timeout"):
        (value,) = directive(nginx, name)
        assert int(value.rstrip("s")) <= 30, name
    assert directive(nginx, "large_client_header_buffers") == ["4 8k"]


def test_nginx_accepts_the_config(tmp_path):
    """``nginx -t`` on the file as mounted, the compose host name replaced (it does not
    resolve outside compose)."""
    binary = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if binary is None:
        unavailable("nginx is not installed (apt-get install nginx-light)")
    conf = tmp_path / "nginx.conf"
    conf.write_text(NGINX_CONF.read_text().replace("server web:8000;", "server 127.0.0.1:8000;"))
    result = subprocess.run(
        [binary, "-t", "-c", str(conf)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr


def test_the_broker_keeps_its_queue_across_a_restart(compose):
    command = compose["services"]["redis"]["command"]
    assert command[0] == "redis-server"
    assert command[command.index("--appendonly") + 1] == "yes"
    assert "redis-data:/data" in compose["services"]["redis"]["volumes"]
