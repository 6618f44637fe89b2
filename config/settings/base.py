"""Every setting, read from the environment (twelve-factor).

The defaults here are the *embedded* ones: a fresh checkout runs with SQLite
under ``var/``, a Celery broker on the local filesystem and email printed to
the console, so nothing but Python is needed. ``production.py`` removes the
insecure defaults and refuses to start without real values.
"""

import itertools
import re
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A local .env file is a convenience for development; OS variables win.
if env.bool("DJANGO_READ_DOT_ENV_FILE", default=True):
    env.read_env(BASE_DIR / ".env", overwrite=False)

# Local data of the embedded default: the SQLite database, the broker's folders,
# beat's schedule. Another folder runs a second copy beside the first.
VAR_DIR = Path(env.str("PILOTGATE_VAR_DIR", default=str(BASE_DIR / "var")))


def env_int(name: str, default: int, *, minimum: int = 1) -> int:
    """A whole-number setting; a malformed or too small value stops start-up."""
    try:
        value = env.int(name, default=default)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {env.str(name)!r}") from exc
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    return value


# --- Core -------------------------------------------------------------------

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# Only good for a developer's machine: production.py requires DJANGO_SECRET_KEY.
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY", default="insecure-local-development-key-not-for-production"
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
# The start of the links in emails. Unset (development only: production.py requires
# it), where `make run` serves: HOST and PORT, as the Makefile reads them.
SITE_URL = env.str("SITE_URL", default="").rstrip("/")
if not SITE_URL:
    _host = env.str("HOST", default="127.0.0.1")
    # A server bound to every address is reached on this machine at the loopback one.
    _host = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(_host, _host)  # noqa: S104
    SITE_URL = f"http://{_host}:{env_int('PORT', 8000)}"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "pilots",
    "scorecards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Response headers (see "Response headers" below): the CSP on every page, the
    # Permissions-Policy on every response.
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Cache-Control: private, no-store on every page of a signed-in user and the API.
    "pilots.frame.headers.PrivateCacheMiddleware",
    # Renews a session's idle timeout, and ends it PILOTGATE_SESSION_MAX_HOURS after sign-in.
    "pilots.accounts.sessions.SessionLifetimeMiddleware",
    # Deny by default: every view needs a signed-in user unless marked otherwise.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a sign-in refused by the lock-out into its page (or JSON under /api/).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# JSON under /api/ (the API's error shape), Django's page elsewhere.
CSRF_FAILURE_VIEW = "pilots.frame.api.errors.csrf_failure"

# Forms render through templates/forms/ (labels, help and errors wired for screen readers).
FORM_RENDERER = "config.forms.FormRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pilots.frame.navigation.navigation",
                "scorecards.navigation.saved_views_navigation",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'pilotgate.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DJANGO_CONN_MAX_AGE", 60, minimum=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves several writers at once (web threads, the
    # worker's processes, beat's tasks). WAL lets readers and one writer work
    # side by side. A transaction that reads and then writes (every service)
    # would be refused the lock upgrade at once, busy timeout or not, so each
    # takes the write lock up front (IMMEDIATE) and waits up to `timeout`
    # seconds for it; single statements outside a transaction wait the same.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        **DATABASES["default"].get("OPTIONS", {}),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Single sign-on (OpenID Connect) -----------------------------------------------

# Sign-in through an OpenID provider (mozilla-django-oidc, authorization code
# flow with PKCE), entirely from the environment. Nothing PILOTGATE_OIDC_* set:
# no button, no backend. Anything set: the rest must be complete, or start-up
# stops naming what is missing. The issuer alone is enough for the endpoints:
# they are read from its discovery document at the first sign-in (never at
# start-up, so a provider that is down cannot stop the site); explicit
# endpoints win and need no discovery.
_OIDC_ENDPOINTS = {
    # mozilla-django-oidc's setting: ours
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "PILOTGATE_OIDC_AUTHORIZATION_ENDPOINT",
    "OIDC_OP_TOKEN_ENDPOINT": "PILOTGATE_OIDC_TOKEN_ENDPOINT",
    "OIDC_OP_USER_ENDPOINT": "PILOTGATE_OIDC_USERINFO_ENDPOINT",
    "OIDC_OP_JWKS_ENDPOINT": "PILOTGATE_OIDC_JWKS_ENDPOINT",
}
_OIDC_SIGN_ALGOS = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "HS256")
PILOTGATE_OIDC_ISSUER = env.str("PILOTGATE_OIDC_ISSUER", default="").rstrip("/")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("PILOTGATE_OIDC_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("PILOTGATE_OIDC_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("PILOTGATE_OIDC_USERINFO_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("PILOTGATE_OIDC_JWKS_ENDPOINT", default="")
OIDC_RP_CLIENT_ID = env.str("PILOTGATE_OIDC_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("PILOTGATE_OIDC_CLIENT_SECRET", default="")
OIDC_RP_SCOPES = env.str("PILOTGATE_OIDC_SCOPES", default="openid email profile")
OIDC_RP_SIGN_ALGO = env.str("PILOTGATE_OIDC_SIGN_ALGO", default="RS256")
# The button's words: "Sign in with <name>".
PILOTGATE_OIDC_NAME = env.str("PILOTGATE_OIDC_NAME", default="single sign-on")
# The claim whose value is the username (``sub`` when absent). The provider must
# not let people choose it: an existing account with that username is theirs.
PILOTGATE_OIDC_USERNAME_CLAIM = env.str(
    "PILOTGATE_OIDC_USERNAME_CLAIM", default="preferred_username"
)
# The claim listing the user's groups, and which of its values make a portfolio
# lead or a sponsor. None by default: a role is granted only by explicit mapping.
PILOTGATE_OIDC_GROUPS_CLAIM = env.str("PILOTGATE_OIDC_GROUPS_CLAIM", default="groups")
PILOTGATE_OIDC_LEAD_GROUPS = env.list("PILOTGATE_OIDC_LEAD_GROUPS", default=[])
PILOTGATE_OIDC_SPONSOR_GROUPS = env.list("PILOTGATE_OIDC_SPONSOR_GROUPS", default=[])
# Off: the sign-in page offers single sign-on only and refuses passwords; a
# password then signs in superusers only, and only at /admin/ (the way in
# when the provider is down). Needs single sign-on configured.
PILOTGATE_LOCAL_ACCOUNTS = env.bool("PILOTGATE_LOCAL_ACCOUNTS", default=True)

PILOTGATE_OIDC_ENABLED = any(
    env.str(name, default="")
    for name in (
        "PILOTGATE_OIDC_ISSUER",
        "PILOTGATE_OIDC_CLIENT_ID",
        "PILOTGATE_OIDC_CLIENT_SECRET",
        *_OIDC_ENDPOINTS.values(),
    )
)
if PILOTGATE_OIDC_ENABLED:
    _oidc_missing = [
        name
        for name, value in (
            ("PILOTGATE_OIDC_CLIENT_ID", OIDC_RP_CLIENT_ID),
            ("PILOTGATE_OIDC_CLIENT_SECRET", OIDC_RP_CLIENT_SECRET),
        )
        if not value
    ]
    if not PILOTGATE_OIDC_ISSUER:
        # Without discovery every endpoint must be given (the key set too:
        # only HS256 signs with the client secret).
        _oidc_missing += [
            ours
            for theirs, ours in _OIDC_ENDPOINTS.items()
            if not env.str(ours, default="")
            and (theirs != "OIDC_OP_JWKS_ENDPOINT" or OIDC_RP_SIGN_ALGO != "HS256")
        ]
    if _oidc_missing:
        raise ImproperlyConfigured(
            f"Single sign-on is half configured: set {', '.join(_oidc_missing)}"
            + ("" if PILOTGATE_OIDC_ISSUER else " (or PILOTGATE_OIDC_ISSUER for discovery)")
        )
    if OIDC_RP_SIGN_ALGO not in _OIDC_SIGN_ALGOS:
        raise ImproperlyConfigured(
            f"PILOTGATE_OIDC_SIGN_ALGO must be one of {', '.join(_OIDC_SIGN_ALGOS)}, "
            f"got {OIDC_RP_SIGN_ALGO!r}"
        )
    if "openid" not in OIDC_RP_SCOPES.split():
        raise ImproperlyConfigured(
            f"PILOTGATE_OIDC_SCOPES must include openid, got {OIDC_RP_SCOPES!r}"
        )
elif not PILOTGATE_LOCAL_ACCOUNTS:
    raise ImproperlyConfigured(
        "PILOTGATE_LOCAL_ACCOUNTS=false needs single sign-on: set PILOTGATE_OIDC_ISSUER "
        "(or the endpoints), PILOTGATE_OIDC_CLIENT_ID and PILOTGATE_OIDC_CLIENT_SECRET"
    )
# The backends are listed under "Sign-in protection" below: axes first, then
# passwords (local accounts, switchable), then the provider when configured.
OIDC_USE_PKCE = True
OIDC_TIMEOUT = env_int("PILOTGATE_OIDC_TIMEOUT", 10)  # seconds per call to the provider
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_authentication_callback"

# --- Internationalisation and time ---------------------------------------------

LANGUAGE_CODE = "en-gb"
# Day boundaries of every date rule (handover window, staleness, reminders)
# follow this zone.
TIME_ZONE = env.str("TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

# --- Static files ----------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=VAR_DIR / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Email ------------------------------------------------------------------------

# EMAIL_BACKEND (with EMAIL_HOST, EMAIL_PORT, …) comes from this update, which a
# type checker cannot see through; production.py reads it, so it is declared.
EMAIL_BACKEND: str
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
# Seconds an SMTP connection may block: well inside the delivery task's soft
# time limit (45 s), so a hung server fails the attempt instead of the task.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Pilotgate <pilotgate@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery -------------------------------------------------------------------------

# The embedded default needs no server: kombu's filesystem transport, with one
# folder shared by producers and the worker. Redis in production and in CI.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_FOLDER = VAR_DIR / "celery-broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER),
        "data_folder_out": str(CELERY_BROKER_FOLDER),
        "processed_folder": str(VAR_DIR / "celery-processed"),
        # kombu's broadcast (worker control) folder; it would be ./control otherwise.
        "control_folder": str(VAR_DIR / "celery-control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
# Redis re-delivers an unacknowledged message after this many seconds; it must
# exceed every task's time limit plus its longest retry countdown, or a slow
# task runs twice (tests/integration/test_celery_worker.py checks every task).
CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = 2 * 60 * 60
# One Redis may serve several deployments: give each its own queue name.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_IGNORE_RESULT = True  # outcomes are recorded in domain rows
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 10 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 9 * 60
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False


def clock_time(name: str, default: str) -> tuple[int, int]:
    """``HH:MM`` (24-hour, local time) as (hour, minute); anything else stops start-up."""
    value = env.str(name, default=default)
    hour, _, minute = value.partition(":")
    if not (hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60):
        raise ImproperlyConfigured(f"{name} must be a time like 07:00, got {value!r}")
    return int(hour), int(minute)


# The reminder sweep runs once a day at this local time (TIME_ZONE), or every
# N seconds when PILOTGATE_REMINDERS_EVERY_SECONDS is set (demos, tests; the
# sweep is idempotent, so running it often sends nothing twice). The schedule
# itself is in config/celery.py.
PILOTGATE_REMINDERS_AT = clock_time("PILOTGATE_REMINDERS_AT", "07:00")
PILOTGATE_REMINDERS_EVERY_SECONDS = env_int("PILOTGATE_REMINDERS_EVERY_SECONDS", 0, minimum=0)
# Local hour (0-23, TIME_ZONE) the daily digests go out; weekly digests (and the
# leads' portfolio digest) go out at that hour on Mondays.
PILOTGATE_DIGEST_HOUR = env_int("PILOTGATE_DIGEST_HOUR", 7, minimum=0)
if PILOTGATE_DIGEST_HOUR > 23:
    raise ImproperlyConfigured(
        f"PILOTGATE_DIGEST_HOUR must be 0 to 23, got {PILOTGATE_DIGEST_HOUR}"
    )
# The leads' weekly portfolio digest (Mondays at PILOTGATE_DIGEST_HOUR); false: none.
PILOTGATE_PORTFOLIO_DIGEST = env.bool("PILOTGATE_PORTFOLIO_DIGEST", default=True)
# Local time of the nightly scorecard recompute (and the weekly snapshot).
PILOTGATE_SCORECARDS_AT = clock_time("PILOTGATE_SCORECARDS_AT", "02:30")

# --- Sign-in protection ---------------------------------------------------------------

# Proxies in front of the app that append the client's address to
# X-Forwarded-For (nginx, a load balancer). 0: the address is the TCP peer
# (REMOTE_ADDR) and X-Forwarded-For is ignored entirely, since a client could
# write anything there. N: the N-th address from the right, the one the
# outermost trusted proxy saw. Feeds the lock-out, every throttle and the
# bad-token counter (pilots.accounts.addresses.client_address), and DRF's NUM_PROXIES.
PILOTGATE_TRUSTED_PROXIES = env_int("PILOTGATE_TRUSTED_PROXIES", 0, minimum=0)


def rate(name: str, default: str) -> tuple[int, int]:
    """``N/second|minute|hour|day`` (DRF's format) as (requests, seconds)."""
    value = env.str(name, default=default)
    count, _, period = value.partition("/")
    seconds = {"s": 1, "m": 60, "h": 60 * 60, "d": 24 * 60 * 60}.get(period[:1])
    if not count.isdigit() or int(count) < 1 or seconds is None:
        raise ImproperlyConfigured(f"{name} must be a rate like 20/minute, got {value!r}")
    return int(count), seconds


# django-axes hooks django.contrib.auth.authenticate() (its backend first in
# AUTHENTICATION_BACKENDS, its signal handlers, its middleware), so every door
# that checks a password through it is covered: the sign-in page, the admin's,
# and POST /api/v1/auth/token/. A locked attempt is refused before the password
# is hashed. Failures are counted in the database (AccessAttempt), which every
# process shares, per account *and* address: a stranger cannot lock a user out
# from everywhere, and one address cannot try one account without end.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, refusing passwords when local accounts are off.
    "pilots.accounts.oidc.PasswordBackend",
]
if PILOTGATE_OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.append("pilots.accounts.oidc.OIDCBackend")
PILOTGATE_LOGIN_FAILURE_LIMIT = env_int("PILOTGATE_LOGIN_FAILURE_LIMIT", 20)
PILOTGATE_LOGIN_COOLOFF_MINUTES = env_int("PILOTGATE_LOGIN_COOLOFF_MINUTES", 15)
AXES_FAILURE_LIMIT = PILOTGATE_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=PILOTGATE_LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True  # a successful sign-in starts the count again
# A locked attempt writes nothing: the lock ends a fixed time after it began.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "pilots.accounts.addresses.client_address"
AXES_LOCKOUT_CALLABLE = "pilots.accounts.lockout.lockout_response"
AXES_VERBOSE = False
# Every sign-in would write an AccessLog row; the failures (AccessAttempt) are what matters.
AXES_DISABLE_ACCESS_LOG = True

# A wrong `Authorization: Token …` is answered 401, and counted per address in
# the shared cache; over this rate the address is answered 429 before any lookup.
PILOTGATE_API_BAD_TOKEN_RATE = rate("PILOTGATE_API_BAD_TOKEN_RATE", "20/minute")
# Password reset requests: per address (over it: a 429 page) and per email
# address (over it: the same answer as always, and no email; so a stranger can
# neither flood a mailbox nor learn anything from the answer).
PILOTGATE_PASSWORD_RESET_ADDRESS_RATE = rate("PILOTGATE_PASSWORD_RESET_ADDRESS_RATE", "20/hour")
PILOTGATE_PASSWORD_RESET_EMAIL_RATE = rate("PILOTGATE_PASSWORD_RESET_EMAIL_RATE", "3/hour")

# Sessions end after this many minutes without a request (requests renew it,
# at most once a minute: pilots.accounts.sessions), and in any case this many
# hours after sign-in (0: no cap).
PILOTGATE_SESSION_IDLE_MINUTES = env_int("PILOTGATE_SESSION_IDLE_MINUTES", 120)
PILOTGATE_SESSION_MAX_HOURS = env_int("PILOTGATE_SESSION_MAX_HOURS", 24, minimum=0)
SESSION_COOKIE_AGE = PILOTGATE_SESSION_IDLE_MINUTES * 60
# API tokens older than this many days are refused (0: they never expire).
PILOTGATE_API_TOKEN_DAYS = env_int("PILOTGATE_API_TOKEN_DAYS", 0, minimum=0)

# --- Cache ------------------------------------------------------------------------------

# The throttles' and the bad-token counters live here, so every process must
# share it: Redis in production (PILOTGATE_CACHE_URL, else the broker's Redis,
# see production.py); the embedded default is a folder that every process on
# this machine reads and writes (Django's file cache).
CACHES = {
    "default": env.cache_url("PILOTGATE_CACHE_URL", default=f"filecache://{VAR_DIR / 'cache'}"),
}
# Keys start with this prefix (`?key_prefix=` in the URL; django-environ reads
# it in lower case, which Django's cache ignores): several sites may share a Redis.
CACHES["default"]["KEY_PREFIX"] = CACHES["default"].pop("key_prefix", "pilotgate")

# --- Django REST Framework ----------------------------------------------------------

REST_FRAMEWORK = {
    # Token first, so an anonymous request is answered 401 with WWW-Authenticate.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "pilots.accounts.auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "pilots.accounts.auth.TokenScopeAllows",
    ],
    "DEFAULT_PAGINATION_CLASS": "pilots.frame.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_METADATA_CLASS": None,  # OPTIONS is not part of the contract: 405
    "DEFAULT_SCHEMA_CLASS": "pilots.frame.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "pilots.frame.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("PILOTGATE_API_ANON_RATE", default="60/minute"),
        "user": env.str("PILOTGATE_API_USER_RATE", default="6000/hour"),
        # POST /api/v1/auth/token/ checks a password: throttled like a login form.
        "token": env.str("PILOTGATE_API_TOKEN_RATE", default="10/minute"),
    },
    # The client's address for the throttles: see "Sign-in protection" above.
    "NUM_PROXIES": PILOTGATE_TRUSTED_PROXIES,
    "UNICODE_JSON": True,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Pilotgate API",
    "DESCRIPTION": (
        "Everything the Pilotgate web app does, for integrations and production "
        "pipelines, with the same rules and permissions. Authenticate with a "
        "session (and its CSRF token) or with `Authorization: Token <key>`."
    ),
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and Redoc from the sidecar package's static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "PATH_CONVERTER_OVERRIDES": {
        "reference": {"type": "string", "pattern": "^PIL-[0-9]{4,}$", "example": "PIL-0042"},
        "int": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},  # ids (BigAutoField)
    },
    "ENUM_NAME_OVERRIDES": {
        "Stage": "pilots.enums.Stage",
        "MetricKind": "pilots.enums.MetricKind",
        "TaskKind": "pilots.enums.TaskKind",
        "TaskStatus": "pilots.enums.TaskStatus",
        "TokenScope": "pilots.enums.TokenScope",
        "ReadingSource": "pilots.enums.ReadingSource",
        "EventAction": "pilots.models.PilotEvent.Action",
        "CheckpointChoice": "pilots.enums.CheckpointChoice",
        "SignOffDecision": "pilots.enums.SignOffDecision",
        # Two choice sets named "role": who signs a value review off, whose role is handed on.
        "SignOffRole": "pilots.enums.SignOffRole",
        "SuccessionRole": "pilots.enums.SuccessionRole",
        # A scorecard reason's ``code`` and a snapshot's ``reason_codes``: one enum.
        "ReasonCode": "scorecards.api.REASON_CHOICES",
    },
}

# --- Pilotgate rules ----------------------------------------------------------------

# Days before the handover window opens that count as "approaching" it.
PILOTGATE_HANDOVER_LEAD_DAYS = env_int("PILOTGATE_HANDOVER_LEAD_DAYS", 14)
# Days past a metric's cadence before it counts as stale.
PILOTGATE_STALE_GRACE_DAYS = env_int("PILOTGATE_STALE_GRACE_DAYS", 3)
# Reminders: days into the open handover window, still without tasks, before
# portfolio leads are told; days a nomination may wait unanswered; days past a
# task's due date and past a pilot's end before the overdue reminders start.
PILOTGATE_HANDOVER_ESCALATION_DAYS = env_int("PILOTGATE_HANDOVER_ESCALATION_DAYS", 7, minimum=0)
PILOTGATE_OWNERSHIP_PENDING_DAYS = env_int("PILOTGATE_OWNERSHIP_PENDING_DAYS", 3)
PILOTGATE_TASK_OVERDUE_GRACE_DAYS = env_int("PILOTGATE_TASK_OVERDUE_GRACE_DAYS", 0, minimum=0)
PILOTGATE_DECISION_GRACE_DAYS = env_int("PILOTGATE_DECISION_GRACE_DAYS", 0, minimum=0)
# Days a running pilot may sit in its open handover window without a lead's
# checkpoint decision (continue, extend, stop) before it is overdue.
PILOTGATE_CHECKPOINT_GRACE_DAYS = env_int("PILOTGATE_CHECKPOINT_GRACE_DAYS", 7, minimum=0)
# Days a completed knowledge-transfer task may wait for its receiver's confirmation
# before the receiver is reminded.
PILOTGATE_TASK_UNCONFIRMED_DAYS = env_int("PILOTGATE_TASK_UNCONFIRMED_DAYS", 3, minimum=0)
# Reminders before a date: days before a task's due date (its assignee), a running
# pilot's planned end (sponsor and business owner) and its primary metric's target
# date (business owner) from which they are told; 0 tells them on the day itself.
PILOTGATE_TASK_DUE_SOON_DAYS = env_int("PILOTGATE_TASK_DUE_SOON_DAYS", 3, minimum=0)
PILOTGATE_PILOT_ENDING_DAYS = env_int("PILOTGATE_PILOT_ENDING_DAYS", 14, minimum=0)
PILOTGATE_TARGET_DATE_DAYS = env_int("PILOTGATE_TARGET_DATE_DAYS", 14, minimum=0)
# Days past an approved pilot's planned start, not started, before its sponsor is told.
PILOTGATE_START_GRACE_DAYS = env_int("PILOTGATE_START_GRACE_DAYS", 0, minimum=0)
# Gate time limit: days a submitted pilot may wait for a lead's gate decision before
# the portfolio leads who may decide are reminded.
PILOTGATE_REVIEW_DAYS = env_int("PILOTGATE_REVIEW_DAYS", 5, minimum=0)
# Days a reminder may go unanswered (its cause still there) before it escalates one
# level: the business owner's to the sponsor, the sponsor's to the portfolio leads.
PILOTGATE_REMINDER_ESCALATION_DAYS = env_int("PILOTGATE_REMINDER_ESCALATION_DAYS", 7)
# Degradation after graduation (pilots.rules.degradation): the readings whose median is
# a level (the recent one, and the one at graduation), the decline that counts (percent
# of the baseline-to-target distance), and the weeks a decline may last before the
# sponsor and the portfolio leads are told.
PILOTGATE_DEGRADING_READINGS = env_int("PILOTGATE_DEGRADING_READINGS", 3)
PILOTGATE_DEGRADING_PERCENT = env_int("PILOTGATE_DEGRADING_PERCENT", 10)
PILOTGATE_DEGRADING_ESCALATION_WEEKS = env_int("PILOTGATE_DEGRADING_ESCALATION_WEEKS", 2)
# The operating phase: a graduated pilot is "in operation" for these months after its
# graduation, unless a value review retires it earlier.
PILOTGATE_OPERATION_MONTHS = env_int("PILOTGATE_OPERATION_MONTHS", 12)


def env_days(name: str, default: str) -> tuple[int, ...]:
    """A list of whole days like ``90,180,365``: positive, strictly increasing."""
    raw = env.str(name, default=default)
    try:
        days = tuple(int(part) for part in raw.split(",") if part.strip())
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be days like 90,180,365, got {raw!r}") from exc
    if not days or days[0] < 1 or any(a >= b for a, b in itertools.pairwise(days)):
        raise ImproperlyConfigured(
            f"{name} must be positive days in increasing order like 90,180,365, got {raw!r}"
        )
    return days


# The value reviews (post-implementation reviews): days after graduation each is due.
# In Python settings a list (``[90, 180, 365]``) works as well.
PILOTGATE_VALUE_REVIEW_DAYS = env_days("PILOTGATE_VALUE_REVIEW_DAYS", "90,180,365")
# Days a value review may wait past its due date (not recorded and signed off) before
# it is overdue: the scorecard says "at risk" instead of "watch".
PILOTGATE_VALUE_REVIEW_GRACE_DAYS = env_int("PILOTGATE_VALUE_REVIEW_GRACE_DAYS", 14, minimum=0)
# Days a role that keeps a running (or in operation) pilot alive may go without touching
# it (readings, check-ins, tasks, decisions) before the pilot is orphaned.
PILOTGATE_ORPHANED_AFTER_DAYS = env_int("PILOTGATE_ORPHANED_AFTER_DAYS", 60, minimum=1)
# Most readings one bulk request (API) or CSV file (web) may carry.
PILOTGATE_INGEST_MAX_ROWS = env_int("PILOTGATE_INGEST_MAX_ROWS", 10_000)
# The currency of every amount of money (an operating plan's run cost): an ISO 4217 code.
PILOTGATE_CURRENCY = env.str("PILOTGATE_CURRENCY", default="GBP")
if not re.fullmatch(r"[A-Z]{3}", PILOTGATE_CURRENCY):
    raise ImproperlyConfigured(
        f"PILOTGATE_CURRENCY must be an ISO 4217 code like GBP, got {PILOTGATE_CURRENCY!r}"
    )

# --- Delivery: outbox relay, redelivery, health --------------------------------------

# A reminder's delivery claim older than this is abandoned (its worker died) and
# delivered again: longer than the delivery task's hard time limit (60 s), so a
# live send is never claimed twice. With the redelivery job below, a send in
# flight when its worker dies goes out again within claim + interval + one
# delivery (120 + 60 + 60 s = 4 minutes).
PILOTGATE_DELIVERY_CLAIM_TIMEOUT_SECONDS = env_int("PILOTGATE_DELIVERY_CLAIM_TIMEOUT_SECONDS", 120)
# How often beat runs the redelivery job (pilots.reminders_redeliver).
PILOTGATE_REDELIVER_EVERY_SECONDS = env_int("PILOTGATE_REDELIVER_EVERY_SECONDS", 60)
# How often beat runs the outbox relay (tasks recorded while the broker was down).
PILOTGATE_OUTBOX_RELAY_EVERY_SECONDS = env_int("PILOTGATE_OUTBOX_RELAY_EVERY_SECONDS", 20)
# A publish to a broker that is down fails after one quick retry (about 0.2 s,
# not Celery's default ~0.6 s of retries): the outbox keeps the task, so a
# write during an outage is barely slowed, and the relay sends it later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# Slack/Teams incoming webhooks must be https; true also allows http (a local
# receiver in tests). Never in production: the URL is a secret sent in clear.
PILOTGATE_WEBHOOK_ALLOW_HTTP = env.bool("PILOTGATE_WEBHOOK_ALLOW_HTTP", default=False)
# Beat's scheduler records that beat itself is alive (for /health/).
CELERY_BEAT_SCHEDULER = "config.celery:Scheduler"
# /health/ answers 503 when beat has not recorded itself, no worker has run beat's
# heartbeat, or the oldest task waiting in the outbox has waited, longer than this.
PILOTGATE_HEALTH_MAX_SILENCE_SECONDS = env_int("PILOTGATE_HEALTH_MAX_SILENCE_SECONDS", 300)

# --- Critical segments --------------------------------------------------------------
# Must a pilot define a critical-segment metric before it is submitted? "rates" (the
# default): when its primary metric is a rate or a share (a unit with a percent sign,
# or percent, share, ratio, rate, proportion); "always"; "never".
PILOTGATE_SEGMENT_METRIC_REQUIRED = env.str("PILOTGATE_SEGMENT_METRIC_REQUIRED", default="rates")
if PILOTGATE_SEGMENT_METRIC_REQUIRED not in ("rates", "always", "never"):
    raise ImproperlyConfigured(
        "PILOTGATE_SEGMENT_METRIC_REQUIRED must be rates, always or never, "
        f"got {PILOTGATE_SEGMENT_METRIC_REQUIRED!r}"
    )

# --- The portfolio's evidence that the practices matter ----------------------------
# Fewest decided pilots on each side (followed the practice, did not) before the
# portfolio compares their graduation rates and shares of the target: below it, it
# shows the counts only and says there are too few to compare.
PILOTGATE_EVIDENCE_MIN_PILOTS = env_int("PILOTGATE_EVIDENCE_MIN_PILOTS", 5, minimum=1)

# --- Independent decisions ----------------------------------------------------------
# Off by default: the sponsor may not be their own pilot's business owner. A small
# organisation where one person must hold both roles may turn it on.
PILOTGATE_ALLOW_SPONSOR_AS_OWNER = env.bool("PILOTGATE_ALLOW_SPONSOR_AS_OWNER", default=False)

# --- Security (hardened further in production.py) ----------------------------------

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Django 6 makes https the default scheme of URL fields typed without one.
FORMS_URLFIELD_ASSUME_HTTPS = True

# --- Demo data ----------------------------------------------------------------------

# seed_demo creates users with a published password, a superuser among them:
# allowed here (make run), refused under production.py unless this says true.
PILOTGATE_ALLOW_SEED_DEMO = env.bool("PILOTGATE_ALLOW_SEED_DEMO", default=True)

# --- Response headers ---------------------------------------------------------------

# Content-Security-Policy (django-csp 4) on every response: scripts, styles,
# fonts and connections from this site only, images also as data: URLs (the
# favicon, the admin's and Swagger UI's icons), no plugins, no framing, forms
# post only here. No 'unsafe-inline' and no 'unsafe-eval' anywhere: no template
# has inline script, inline style or event-handler attributes
# (tests/test_headers.py reads every template). Views that need more say so
# with django-csp's decorators (Redoc: its own styles by nonce, its search
# worker from a blob; pilots/frame/api/docs.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Permissions-Policy on every response: every powerful browser feature the app
# never uses is switched off, for this site and anything it could ever embed.
# (clipboard-write stays: Swagger UI's copy buttons use it.)
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "clipboard-read",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "local-fonts",
        "magnetometer",
        "microphone",
        "midi",
        "otp-credentials",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "window-management",
        "xr-spatial-tracking",
    )
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    # django-axes logs every step of every sign-in at INFO; its warnings (each
    # failure, each lock-out) are the ones worth keeping.
    "loggers": {"axes": {"level": "WARNING"}},
}
