"""The sign-in protection's settings: a shared cache, trusted proxies, rates."""

from __future__ import annotations

import pytest

from tests.test_settings import SECURE, load_settings

CACHE = (
    "settings.CACHES['default']['BACKEND'], settings.CACHES['default'].get('LOCATION'), "
    "settings.CACHES['default']['KEY_PREFIX']"
)


def test_the_embedded_default_cache_is_a_folder_every_process_shares(tmp_path):
    result = load_settings("config.settings.local", CACHE, PILOTGATE_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.cache.backends.filebased.FileBasedCache",
        str(tmp_path / "cache"),
        "pilotgate",
    ]


def test_production_counts_in_the_brokers_redis_unless_told_otherwise():
    result = load_settings("config.settings.production", CACHE, **SECURE)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.cache.backends.redis.RedisCache",
        "redis://redis.example.com:6379/0",
        "pilotgate",
    ]
    result = load_settings(
        "config.settings.production",
        CACHE,
        **SECURE,
        PILOTGATE_CACHE_URL="redis://cache.example.com:6379/3?key_prefix=site2",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.cache.backends.redis.RedisCache",
        "redis://cache.example.com:6379/3",
        "site2",
    ]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"PILOTGATE_CACHE_URL": "locmemcache://"}, "not shared by the web server's processes"),
        ({"PILOTGATE_CACHE_URL": "dummycache://"}, "not shared by the web server's processes"),
        ({"CELERY_BROKER_URL": "amqp://rabbit.example.com//"}, "PILOTGATE_CACHE_URL must be set"),
        ({"PILOTGATE_API_BAD_TOKEN_RATE": "lots"}, "must be a rate like 20/minute"),
        ({"PILOTGATE_PASSWORD_RESET_EMAIL_RATE": "0/hour"}, "must be a rate like 20/minute"),
        ({"PILOTGATE_TRUSTED_PROXIES": "-1"}, "PILOTGATE_TRUSTED_PROXIES must be at least 0"),
        (
            {"PILOTGATE_LOGIN_FAILURE_LIMIT": "0"},
            "PILOTGATE_LOGIN_FAILURE_LIMIT must be at least 1",
        ),
    ],
)
def test_production_refuses_a_per_process_cache_and_malformed_values(override, message):
    result = load_settings("config.settings.production", **{**SECURE, **override})
    assert result.returncode != 0
    assert message in result.stderr


def test_one_setting_tells_the_lock_out_and_the_throttles_how_many_proxies_to_trust():
    show = (
        "settings.PILOTGATE_TRUSTED_PROXIES, settings.REST_FRAMEWORK['NUM_PROXIES'], "
        "settings.AXES_CLIENT_IP_CALLABLE, settings.AXES_FAILURE_LIMIT, "
        "settings.AXES_COOLOFF_TIME.total_seconds(), settings.SESSION_COOKIE_AGE"
    )
    result = load_settings("config.settings.production", show, **SECURE)
    assert result.stdout.split() == [
        "0",
        "0",
        "pilots.accounts.addresses.client_address",
        "20",
        "900.0",
        "7200",
    ]
    result = load_settings(
        "config.settings.production",
        show,
        **SECURE,
        PILOTGATE_TRUSTED_PROXIES="1",
        PILOTGATE_LOGIN_FAILURE_LIMIT="5",
        PILOTGATE_LOGIN_COOLOFF_MINUTES="60",
        PILOTGATE_SESSION_IDLE_MINUTES="30",
    )
    assert result.stdout.split()[:2] == ["1", "1"]
    assert result.stdout.split()[3:] == ["5", "3600.0", "1800"]
