"""gunicorn's settings: the one source for `make web`, the Docker image and the tests.

    gunicorn config.wsgi --config config/gunicorn.conf.py

Worker class ``gthread``: each worker process runs ``threads`` request
threads. The default ``sync`` worker serves one connection per process from
the first byte to the last, so three clients trickling their headers held all
three workers and /health/ waited 33 s. Here a slow client holds one thread,
the others keep serving (tests/integration/test_slow_clients.py proves it
with three). Many slow clients would still exhaust the threads: that is the
reverse proxy's job (deploy/nginx.conf buffers whole requests and responses
and times slow clients out), so gunicorn only ever talks to a fast client.
gthread rather than gevent: Django, psycopg and Celery's client stay plain
blocking code, with no monkey patching.

Each thread may hold one database connection (``DJANGO_CONN_MAX_AGE``), so
PostgreSQL must accept ``WEB_CONCURRENCY * WEB_THREADS`` (default 3 * 8 = 24)
connections per web container, plus the worker's.
"""

from __future__ import annotations

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    try:
        return int(value) if value else default
    except ValueError as exc:
        raise SystemExit(f"{name} must be a whole number, got {value!r}") from exc


bind = f"0.0.0.0:{_int('PORT', 8000)}"
worker_class = "gthread"
workers = _int("WEB_CONCURRENCY", 3)
threads = _int("WEB_THREADS", 8)

# A request (not a connection) taking longer than this is killed with its
# worker; the proxy's proxy_read_timeout is longer, so the proxy sees gunicorn's
# error rather than cutting first.
timeout = 30
# On SIGTERM (docker stop, make's Ctrl-C) requests in flight get this long.
graceful_timeout = 20
# Seconds an idle keep-alive connection is kept open. It must outlast the
# client's own idea of it, or a request sent just as gunicorn closes the
# connection is reset (a load test on busy cores met exactly that at 5 s):
# nginx reuses its upstream connections for at most 60 s (deploy/nginx.conf).
# An idle connection waits in the worker's poller, not in a thread.
keepalive = 75

# Request-line and header limits (gunicorn's defaults are 4094 / 100 / 8190):
# a URL here is short; cookies and a bearer token fit in 8 KB.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

accesslog = "-"
# The client's address as the proxy saw it (X-Forwarded-For), when there is one.
access_log_format = '%({x-forwarded-for}i)s %(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s %(L)ss'
