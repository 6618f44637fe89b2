"""The Celery app and its beat schedule: the one place periodic jobs are scheduled."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("pilotgate")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_configure.connect
def _create_filesystem_broker_folders(sender: Celery, **kwargs: object) -> None:
    """kombu's filesystem transport (the embedded default) needs its folders to exist."""
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder"):
        if key in options:
            os.makedirs(options[key], exist_ok=True)


# Periodic jobs. Each job is safe to run twice (a second beat is harmless).
app.conf.beat_schedule = {
    # Proves to operators (health page, admin) that beat and a worker are alive.
    "heartbeat": {
        "task": "pilots.heartbeat_record",
        "schedule": 60.0,
        "kwargs": {"source": "beat"},
    },
}
