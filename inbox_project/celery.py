"""Celery app. Queues: ingest (webhooks), outbound (delivery), timers (sweeps), reports."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "inbox_project.settings")

app = Celery("inbox_project")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_routes = {
    "channels_app.tasks.webhook_*": {"queue": "ingest"},
    "channels_app.tasks.message_deliver*": {"queue": "outbound"},
    "routing.tasks.*": {"queue": "timers"},
    "automation.tasks.*": {"queue": "timers"},
    "reports.tasks.*": {"queue": "reports"},
}
app.autodiscover_tasks()
