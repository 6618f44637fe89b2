# Pilotgate image: one image for every process (web, worker, beat, migrate);
# docker-compose.yml picks the process with `make web|worker|beat|migrate`.
#
#   docker build -t pilotgate .
#   docker run --env-file .env -p 8000:8000 pilotgate            # make web
#   docker run --env-file .env pilotgate make worker
#
# Both stages must use the same base image: the virtualenv built in the first
# stage points at /usr/local/bin/python3.11 of that image.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: the locked dependencies, nothing else --------------------------------
FROM ${PYTHON_IMAGE} AS build

# Keep equal to UV_VERSION in the Makefile.
ARG UV_VERSION=0.13.9

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11

RUN pip install "uv==${UV_VERSION}"

WORKDIR /app

# Only the two files that decide the dependencies, so this layer is rebuilt
# only when they change. --locked fails the build if uv.lock is out of date
# with pyproject.toml; --no-dev leaves out pytest, ruff and friends. The
# project itself is virtual (tool.uv.package = false): nothing to install.
COPY pyproject.toml uv.lock ./
RUN uv sync --locked --no-dev --no-install-project

# --- runtime ---------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

# make: the processes are started through the Makefile targets, as on a laptop.
# curl: the health check.
RUN apt-get update \
    && apt-get install -y --no-install-recommends make curl \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 pilotgate \
    && useradd --system --uid 10001 --gid pilotgate --create-home \
       --home-dir /home/pilotgate --shell /usr/sbin/nologin pilotgate

# The Makefile's targets use paths relative to the project root
# (BIN := .venv/bin), so the project lives in /app and the venv in /app/.venv.
WORKDIR /app

# DJANGO_STATIC_ROOT is fixed here, outside var/, because collectstatic runs at
# build time and WhiteNoise must find the very same files (and their manifest)
# at run time; var/ is a volume in docker-compose.yml and would hide them.
ENV PATH=/app/.venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    PYTHONUNBUFFERED=1 \
    DJANGO_STATIC_ROOT=/app/staticfiles

COPY --from=build /app/.venv /app/.venv
# .dockerignore keeps .venv, .tools, var, .env and caches out of this copy.
COPY . .

# 1. collectstatic under the production settings (WhiteNoise's compressed,
#    hashed manifest storage). Production settings refuse to load without a
#    secret key, allowed hosts and an email URL: throwaway values are given
#    on this command only, so they are never baked into the image as ENV.
# 2. Pre-compile the project's own modules (the venv is compiled by uv).
# 3. var/ is the only directory the application writes to (Celery beat's
#    schedule file); it belongs to the unprivileged user.
RUN DJANGO_SECRET_KEY=build-only-collectstatic-key-never-used-at-run-time-0123456789 \
    DJANGO_ALLOWED_HOSTS=build.invalid \
    EMAIL_URL=smtp://build.invalid \
    DATABASE_URL=postgres://build.invalid/none \
    CELERY_BROKER_URL=redis://build.invalid \
    SITE_URL=https://build.invalid \
    python manage.py collectstatic --noinput \
    && python -m compileall -q config pilots scorecards \
    && mkdir -p var \
    && chown pilotgate:pilotgate var

USER pilotgate

EXPOSE 8000

# /health/ answers 200 when the database answers; it is exempt from the SSL
# redirect. curl sends "Host: localhost", so DJANGO_ALLOWED_HOSTS must include
# localhost or Django answers 400. docker-compose.yml replaces this check for
# the worker and beat services and disables it for migrate.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD curl -fsS -o /dev/null "http://localhost:${PORT:-8000}/health/" || exit 1

# gunicorn with gthread workers, time-outs and request limits from
# config/gunicorn.conf.py (WEB_CONCURRENCY processes x WEB_THREADS threads);
# docker-compose.yml puts nginx (deploy/nginx.conf) in front of it.
CMD ["make", "web"]
