"""Production: no insecure default survives; a missing secret stops start-up."""

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.base import env, env_int

# Without these the embedded defaults (SQLite under var/, a broker in a local
# folder, links to 127.0.0.1) would run silently in production.
for _name in ("DATABASE_URL", "CELERY_BROKER_URL", "SITE_URL"):
    if not env.str(_name, default=""):
        raise ImproperlyConfigured(f"{_name} must be set in production.")

if env.bool("DJANGO_DEBUG", default=False):
    raise ImproperlyConfigured("DJANGO_DEBUG must be off in production.")
DEBUG = False

try:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY")
except ImproperlyConfigured as exc:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production.") from exc
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("insecure"):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is too weak: use at least 50 random characters "
        '(python -c "import secrets; print(secrets.token_urlsafe(50))").'
    )
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must name the site's host(s).")

# gunicorn serves static files itself through WhiteNoise (compressed, cached forever).
MIDDLEWARE = [
    *MIDDLEWARE[:1],  # noqa: F405
    "whitenoise.middleware.WhiteNoiseMiddleware",
    *MIDDLEWARE[1:],  # noqa: F405
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Off unless said otherwise: `make web` binds every address, and a client that
# reaches gunicorn directly could claim https with this header itself. Turn it
# on only behind a TLS-terminating proxy that sets X-Forwarded-Proto (and
# replaces any value a client sent); with DJANGO_SECURE_SSL_REDIRECT on and
# this off, that proxy's https requests would be redirected to https forever.
if env.bool("DJANGO_TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[SITE_URL])  # noqa: F405

# seed_demo would create the superuser "admin" with the demo password the README
# publishes: refused, unless a throw-away demo site says so on purpose.
PILOTGATE_ALLOW_SEED_DEMO = env.bool("PILOTGATE_ALLOW_SEED_DEMO", default=False)

# Reminders are emails: a production site that prints them to a console log
# (or keeps them in memory, or drops them) would lose them silently.
if not env.str("EMAIL_URL", default=""):
    raise ImproperlyConfigured("EMAIL_URL must be set in production (e.g. smtp+tls://…).")
if EMAIL_BACKEND.rsplit(".", 2)[-2] in {"console", "locmem", "dummy"}:  # noqa: F405
    raise ImproperlyConfigured(
        f"EMAIL_URL {env.str('EMAIL_URL').split(':')[0]}:// does not deliver email: "
        "use smtp://, smtp+tls:// or smtp+ssl:// (filemail:// for a mail drop)."
    )

# The throttles and counters must be shared by every gunicorn worker (and every
# web container): a per-process cache would let each worker count on its own.
# Unset, the broker's Redis serves (its own key prefix keeps them apart).
if not env.str("PILOTGATE_CACHE_URL", default=""):
    _broker = env.str("CELERY_BROKER_URL")
    if not _broker.startswith(("redis://", "rediss://")):
        raise ImproperlyConfigured(
            "PILOTGATE_CACHE_URL must be set in production (e.g. redis://host:6379/1) "
            "when CELERY_BROKER_URL is not a Redis URL."
        )
    CACHES = {"default": {**env.cache_url_config(_broker), "KEY_PREFIX": "pilotgate"}}
_cache_backend = CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
if _cache_backend in {"LocMemCache", "DummyCache"}:
    raise ImproperlyConfigured(
        f"PILOTGATE_CACHE_URL names a {_cache_backend}, which is not shared by the "
        "web server's processes: use redis://… (or filecache:// on a single machine)."
    )
