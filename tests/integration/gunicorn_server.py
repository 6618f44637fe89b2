"""Start gunicorn the way `make web` does (config/gunicorn.conf.py), for the serving tests."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from tests.integration.processes import ROOT, free_port

CONFIG = ROOT / "config" / "gunicorn.conf.py"
GUNICORN = Path(sys.executable).with_name("gunicorn")


def gunicorn_config() -> dict[str, Any]:
    """The settings `make web` starts gunicorn with (the config file, evaluated)."""
    return runpy.run_path(str(CONFIG))


def get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (http only)
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@contextmanager
def gunicorn(
    *, env: Mapping[str, str], log: IO[str], options: tuple[str, ...] | None = None
) -> Iterator[str]:
    """gunicorn on a free loopback port; yields its base URL.

    By default with the project's config file, as `make web` starts it: only
    the address is given on the command line, the worker class, counts,
    time-outs and limits come from config/gunicorn.conf.py. ``options``
    replaces the config file, for a test that must differ on purpose.
    """
    port = free_port()
    process = subprocess.Popen(
        [
            str(GUNICORN),
            "config.wsgi",
            *(("--config", str(CONFIG)) if options is None else options),
            "--bind",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"gunicorn exited with {process.returncode}"
            try:
                if get(base + "/health/", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not answer /health/ within 60 s"
            time.sleep(0.25)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
