"""Celery app. Queues: ingest (webhooks), outbound (delivery), enrich (profiles, media and
subscription checks from the providers), timers (sweeps), automation (rules on customers'
messages, when settings.AUTOMATION_RUN is "queue"), reports, email (e-mail in and out; a worker
of its own in docker-compose.yml)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "inbox_project.settings")

app = Celery("inbox_project")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_routes = {
    "channels_app.tasks.webhook_*": {"queue": "ingest"},
    "channels_app.tasks.message_deliver*": {"queue": "outbound"},
    # Look-ups and downloads from the providers (profiles, media, webhook subscriptions): slow
    # calls that must wait neither behind nor in front of replies and timers.
    "channels_app.tasks.contact_profile*": {"queue": "enrich"},
    "channels_app.tasks.message_media*": {"queue": "enrich"},
    "channels_app.tasks.channel_subscription*": {"queue": "enrich"},
    "channels_app.tasks.channel_credentials*": {"queue": "enrich"},
    "routing.tasks.*": {"queue": "timers"},
    # Rules and phone capture on customers' messages when AUTOMATION_RUN is "queue".
    "automation.tasks.messages_process*": {"queue": "automation"},
    "automation.tasks.*": {"queue": "timers"},
    "reports.tasks.*": {"queue": "reports"},
}
app.autodiscover_tasks()
