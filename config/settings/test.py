"""The test suite: fast hashing, in-memory email, deterministic time zone."""

from config.settings.base import *  # noqa: F403
from config.settings.base import env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TIME_ZONE = env.str("TIME_ZONE", default="Europe/London")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Tests make many requests as the same few users; throttling has its own test.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # A server a test starts (tests/integration/test_lockout_across_workers.py)
    # is given the real rates through the environment.
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("PILOTGATE_API_ANON_RATE", default="10000/minute"),
        "user": env.str("PILOTGATE_API_USER_RATE", default="10000/minute"),
        "token": env.str("PILOTGATE_API_TOKEN_RATE", default="10000/minute"),
    },
}

# Tasks the tests queue stay in this process (kombu's in-memory transport) unless
# CELERY_BROKER_URL names a real broker (CI's Redis, for the worker tests).
if not env.str("CELERY_BROKER_URL", default=""):
    CELERY_BROKER_URL = "memory://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]  # noqa: F405
    }

# Counters (throttles, the lock-out's bad-token count) of this test process only,
# emptied before every test (tests/conftest.py); an integration test that starts
# servers hands them a Redis through PILOTGATE_CACHE_URL.
if not env.str("PILOTGATE_CACHE_URL", default=""):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
