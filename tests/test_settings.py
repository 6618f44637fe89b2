"""Settings come from the environment; production refuses insecure defaults."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SECURE = {
    "DJANGO_SECRET_KEY": "x" * 60,
    "DJANGO_ALLOWED_HOSTS": "pilotgate.example.com",
    "EMAIL_URL": "smtp+tls://user:pw@smtp.example.com:587",
    "DATABASE_URL": "postgres://pilotgate@db.example.com/pilotgate",
    "CELERY_BROKER_URL": "redis://redis.example.com:6379/0",
    "SITE_URL": "https://pilotgate.example.com",
}


def load_settings(
    module: str,
    show: str = "settings.DEBUG, settings.TIME_ZONE, settings.CELERY_BROKER_URL",
    **env: str,
) -> subprocess.CompletedProcess[str]:
    """Start Django with ``module`` and only ``env`` of ours; print ``show`` (expressions)."""
    ours = ("DJANGO_", "EMAIL_URL", "DATABASE_URL", "CELERY_", "SITE_URL", "PILOTGATE_")
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(ours) and k not in ("HOST", "PORT")
    }
    return subprocess.run(
        [
            sys.executable,
            "-c",
            f"import django; django.setup(); from django.conf import settings; print({show})",
        ],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": module, "DJANGO_READ_DOT_ENV_FILE": "false", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_starts_with_secure_values():
    result = load_settings("config.settings.production", **SECURE)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "False"


def test_production_does_not_trust_x_forwarded_proto_unless_told():
    show = "settings.SECURE_PROXY_SSL_HEADER"
    assert load_settings("config.settings.production", show, **SECURE).stdout.strip() == "None"
    trusted = load_settings(
        "config.settings.production", show, **SECURE, DJANGO_TRUST_X_FORWARDED_PROTO="true"
    )
    assert trusted.returncode == 0, trusted.stderr
    assert trusted.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')"


def test_production_refuses_the_demo_data_unless_told():
    show = "settings.PILOTGATE_ALLOW_SEED_DEMO"
    assert load_settings("config.settings.production", show, **SECURE).stdout.strip() == "False"
    allowed = load_settings(
        "config.settings.production", show, **SECURE, PILOTGATE_ALLOW_SEED_DEMO="true"
    )
    assert allowed.stdout.strip() == "True"
    assert load_settings("config.settings.local", show).stdout.strip() == "True"


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": "short"}, "DJANGO_SECRET_KEY is too weak"),
        ({"DJANGO_DEBUG": "true"}, "DJANGO_DEBUG must be off"),
        ({"EMAIL_URL": ""}, "EMAIL_URL must be set"),
        ({"DJANGO_ALLOWED_HOSTS": ""}, "DJANGO_ALLOWED_HOSTS"),
        ({"EMAIL_URL": "consolemail://"}, "does not deliver email"),
        ({"DATABASE_URL": ""}, "DATABASE_URL must be set in production"),
        ({"CELERY_BROKER_URL": ""}, "CELERY_BROKER_URL must be set in production"),
        ({"SITE_URL": ""}, "SITE_URL must be set in production"),
        ({"DJANGO_SECURE_HSTS_SECONDS": "a year"}, "DJANGO_SECURE_HSTS_SECONDS must be a whole"),
    ],
)
def test_production_refuses_insecure_defaults(override, message):
    env = {k: v for k, v in {**SECURE, **override}.items() if v}
    result = load_settings("config.settings.production", **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_embedded_defaults_need_no_server(tmp_path):
    clean = {"DATABASE_URL", "CELERY_BROKER_URL", "TIME_ZONE", "EMAIL_URL"}
    env = {k: v for k, v in os.environ.items() if k not in clean}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.DATABASES['default']['ENGINE'], settings.CELERY_BROKER_URL, "
            "settings.EMAIL_BACKEND, settings.TIME_ZONE)",
        ],
        cwd=ROOT,
        env={
            **env,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DJANGO_READ_DOT_ENV_FILE": "0",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "filesystem://",
        "django.core.mail.backends.console.EmailBackend",
        "Europe/London",
    ]


@pytest.mark.parametrize(
    ("env", "site_url"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"PORT": "8791"}, "http://127.0.0.1:8791"),
        ({"HOST": "0.0.0.0", "PORT": "8080"}, "http://127.0.0.1:8080"),  # noqa: S104
        (
            {"HOST": "localhost", "PORT": "8080", "SITE_URL": "https://demo.example/"},
            "https://demo.example",
        ),
    ],
)
def test_site_url_defaults_to_where_the_development_server_runs(env, site_url):
    result = load_settings(
        "config.settings.local", "settings.SITE_URL", DATABASE_URL="sqlite://", **env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [site_url]


@pytest.mark.parametrize(
    ("code", "ok"), [("EUR", True), ("eur", False), ("GB", False), ("GB1", False)]
)
def test_currency_is_an_iso_code(code, ok):
    result = load_settings(
        "config.settings.local",
        "settings.PILOTGATE_CURRENCY",
        PILOTGATE_CURRENCY=code,
        DATABASE_URL="sqlite://",
    )
    if ok:
        assert (result.returncode, result.stdout.split()) == (0, [code]), result.stderr
    else:
        assert result.returncode != 0
        assert "PILOTGATE_CURRENCY must be an ISO 4217 code like GBP" in result.stderr


SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}


@pytest.mark.parametrize(
    ("url", "options"),
    [
        ("", SQLITE_OPTIONS),  # the embedded default
        ("sqlite:////tmp/pilotgate.sqlite3?timeout=5", {**SQLITE_OPTIONS, "timeout": 5}),
        ("postgres://pilotgate@db.example.com/pilotgate", {}),
    ],
)
def test_sqlite_waits_for_the_write_lock_and_uses_wal(url, options):
    env = {"DATABASE_URL": url} if url else {}
    show = "repr(settings.DATABASES['default'].get('OPTIONS', {}))"
    result = load_settings("config.settings.local", show=show, **env)
    assert result.returncode == 0, result.stderr
    assert ast.literal_eval(result.stdout.strip()) == options


def test_var_dir_moves_the_embedded_defaults_local_data(tmp_path):
    show = (
        "settings.DATABASES['default']['NAME'], "
        "settings.CELERY_BROKER_TRANSPORT_OPTIONS['data_folder_in'], "
        "settings.CELERY_BEAT_SCHEDULE_FILENAME"
    )
    result = load_settings("config.settings.local", show=show, PILOTGATE_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        str(tmp_path / "pilotgate.sqlite3"),
        str(tmp_path / "celery-broker"),
        str(tmp_path / "celerybeat-schedule"),
    ]


@pytest.mark.parametrize("name", ["PILOTGATE_HANDOVER_LEAD_DAYS", "DJANGO_CONN_MAX_AGE"])
def test_malformed_number_setting_stops_start_up(name):
    result = load_settings("config.settings.local", **{name: "abc"}, DATABASE_URL="sqlite://")
    assert result.returncode != 0
    assert f"{name} must be a whole number" in result.stderr


def test_zero_lead_days_is_refused():
    result = load_settings(
        "config.settings.local", PILOTGATE_HANDOVER_LEAD_DAYS="0", DATABASE_URL="sqlite://"
    )
    assert result.returncode != 0
    assert "PILOTGATE_HANDOVER_LEAD_DAYS must be at least 1, got 0" in result.stderr


def beat_schedule(entry: str = "reminders", **env: str) -> subprocess.CompletedProcess[str]:
    ours = ("DJANGO_", "PILOTGATE_", "TIME_ZONE")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from config.celery import app; "
            f"s = app.conf.beat_schedule[{entry!r}]; "
            "print(s['task'], repr(s['schedule']), app.conf.timezone)",
        ],
        cwd=ROOT,
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DJANGO_READ_DOT_ENV_FILE": "false",
            "DATABASE_URL": "sqlite://",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_reminders_run_daily_at_the_configured_local_time():
    result = beat_schedule(PILOTGATE_REMINDERS_AT="06:45", TIME_ZONE="America/New_York")
    assert result.returncode == 0, result.stderr
    task, *schedule, zone = result.stdout.split()
    assert task == "pilots.reminders_sweep"
    assert " ".join(schedule) == "<crontab: 45 6 * * * (m/h/dM/MY/d)>"
    assert zone == "America/New_York"


def test_reminders_default_to_seven_in_the_morning():
    result = beat_schedule()
    assert result.returncode == 0, result.stderr
    assert "<crontab: 0 7 * * *" in result.stdout


def test_reminders_can_run_every_few_seconds():
    result = beat_schedule(PILOTGATE_REMINDERS_EVERY_SECONDS="30")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[1] == "30.0"


@pytest.mark.parametrize("value", ["7am", "24:00", "07:60", "7"])
def test_malformed_reminder_time_stops_start_up(value):
    result = beat_schedule(PILOTGATE_REMINDERS_AT=value)
    assert result.returncode != 0
    assert f"PILOTGATE_REMINDERS_AT must be a time like 07:00, got '{value}'" in result.stderr


def test_digests_go_out_daily_and_on_mondays_at_the_configured_local_hour():
    daily = beat_schedule("digests-daily", PILOTGATE_DIGEST_HOUR="6")
    weekly = beat_schedule("digests-weekly", PILOTGATE_DIGEST_HOUR="6")
    assert daily.returncode == 0, daily.stderr
    assert daily.stdout.startswith("pilots.digests_record <crontab: 0 6 * * * (m/h/dM/MY/d)>")
    assert weekly.stdout.startswith("pilots.digests_record <crontab: 0 6 * * 1 (m/h/dM/MY/d)>")


def test_the_portfolio_digest_goes_out_on_mondays_unless_turned_off():
    on = beat_schedule("portfolio-digest", PILOTGATE_DIGEST_HOUR="8")
    assert on.returncode == 0, on.stderr
    assert on.stdout.startswith("pilots.portfolio_digests_record <crontab: 0 8 * * 1 ")
    off = beat_schedule("portfolio-digest", PILOTGATE_PORTFOLIO_DIGEST="false")
    assert off.returncode != 0
    assert "KeyError: 'portfolio-digest'" in off.stderr


@pytest.mark.parametrize("value", ["24", "-1", "seven"])
def test_malformed_digest_hour_stops_start_up(value):
    result = load_settings(
        "config.settings.local", PILOTGATE_DIGEST_HOUR=value, DATABASE_URL="sqlite://"
    )
    assert result.returncode != 0
    assert "PILOTGATE_DIGEST_HOUR must be" in result.stderr


def test_scorecards_are_recomputed_nightly_at_the_configured_time():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from config.celery import app; "
            "s = app.conf.beat_schedule['scorecards-nightly']; "
            "print(s['task'], repr(s['schedule']))",
        ],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PILOTGATE_"))},
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DJANGO_READ_DOT_ENV_FILE": "false",
            "DATABASE_URL": "sqlite://",
            "PILOTGATE_SCORECARDS_AT": "03:15",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("scorecards.nightly <crontab: 15 3 * * *")


def test_the_reminder_escalation_needs_at_least_a_day_of_grace():
    result = load_settings(
        "config.settings.local", PILOTGATE_REMINDER_ESCALATION_DAYS="0", DATABASE_URL="sqlite://"
    )
    assert result.returncode != 0
    assert "PILOTGATE_REMINDER_ESCALATION_DAYS must be at least 1, got 0" in result.stderr


@pytest.mark.parametrize(
    "name",
    [
        "PILOTGATE_TASK_DUE_SOON_DAYS",
        "PILOTGATE_PILOT_ENDING_DAYS",
        "PILOTGATE_TARGET_DATE_DAYS",
        "PILOTGATE_START_GRACE_DAYS",
        "PILOTGATE_REVIEW_DAYS",
    ],
)
def test_the_days_before_and_the_gate_limit_refuse_negative_values(name):
    result = load_settings("config.settings.local", **{name: "-1"}, DATABASE_URL="sqlite://")
    assert result.returncode != 0
    assert f"{name} must be at least 0, got -1" in result.stderr
