"""The beat entries and the thin tasks behind them (no broker: tasks are called directly)."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from conversations.models import Conversation
from inbox_project.celery import app
from routing import tasks
from tests.routing.conftest import configure

pytestmark = pytest.mark.django_db


def test_beat_sweeps_every_few_seconds_on_the_timers_queue():
    entries = {e["task"]: e for e in settings.CELERY_BEAT_SCHEDULE.values()}
    for name in ("routing.tasks.release_due_sweep_task", "routing.tasks.assign_waiting_sweep_task"):
        assert name in app.tasks
        assert entries[name]["schedule"] <= 10  # seconds, never a long countdown
        assert entries[name]["options"]["expires"] <= entries[name]["schedule"]
        assert app.amqp.router.route({}, name)["queue"].name == "timers"


def test_release_task_runs_the_sweep(workspace_a, conversation_a, bob):
    configure(workspace_a, anti_steal_enabled=True)
    Conversation.objects.filter(pk=conversation_a.pk).update(
        assignee=bob, release_deadline=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert tasks.release_due_sweep_task() == 1
    assert Conversation.objects.get(pk=conversation_a.pk).assignee_id is None


def test_assign_waiting_tasks_are_no_ops_outside_round_robin(workspace_a, conversation_a):
    assert tasks.assign_waiting_task(workspace_a.pk) == 0
    assert tasks.assign_waiting_sweep_task() == 0
