"""A password reset is answered at once and emailed by a real Celery worker (Redis).

The request records the task in the outbox, which relays it to Redis; a worker
in another process looks the address up and writes the email (a file-based
mail drop here). Known and
unknown addresses get the same answer; only the known one gets an email.
"""

from __future__ import annotations

import os
import time
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from pilots.services.outbox import celery_app
from tests import factories
from tests.integration.processes import database_url, solo_worker
from tests.services import redis_broker_url, require_postgresql


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_reset_email_is_sent_by_the_worker_after_the_answer(tmp_path, monkeypatch):
    require_postgresql()
    broker = redis_broker_url()
    queue = f"test-{uuid.uuid4().hex[:12]}"
    # The outbox relays the task to a queue of this test's own (Redis may hold
    # other tests' tasks).
    send_task = celery_app.send_task
    monkeypatch.setattr(
        celery_app,
        "send_task",
        lambda name, kwargs: send_task(name, kwargs=kwargs, queue=queue),
    )
    mail_drop = tmp_path / "mail"
    factories.UserFactory(username="alice", email="alice@example.com")
    env = {
        **os.environ,
        # The embedded settings (a real email backend: a folder), on the test database.
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DJANGO_READ_DOT_ENV_FILE": "false",
        "PILOTGATE_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker,
        "EMAIL_URL": f"filemail:///{mail_drop}",  # four slashes: an absolute path
    }
    worker = solo_worker(queue, env, tmp_path / "worker.log")
    try:
        answers = []
        for email in ("nobody@example.com", "alice@example.com"):
            response = Client().post(reverse("password_reset"), {"email": email})
            answers.append((response.status_code, response["Location"], response.content))
        assert answers[0] == answers[1] == (302, reverse("password_reset_done"), b"")

        deadline = time.monotonic() + 120
        while not (mail_drop.exists() and any(mail_drop.iterdir())):
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "worker.log").read_text()
            time.sleep(0.25)
        # One worker process, tasks in order: the unknown address's ran first, and sent nothing.
        messages = [path.read_text() for path in mail_drop.iterdir()]
        assert len(messages) == 1
        assert "To: alice@example.com" in messages[0]
        assert "/accounts/reset/" in messages[0]
        assert "nobody@example.com" not in messages[0]
    finally:
        worker.terminate()
        worker.wait(timeout=30)
