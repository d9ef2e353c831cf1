"""The one way work leaves a transaction: by task name, after the commit, never on rollback;
an unknown name fails at the call; a dead broker is logged, not raised."""

import pytest
from django.db import transaction

from inbox_project import on_commit
from inbox_project.backoff import backoff_seconds

pytestmark = pytest.mark.django_db(transaction=True)
TASK = "routing.tasks.assign_waiting_task"


def test_queued_after_commit_by_name_and_dropped_on_rollback():
    with on_commit.recording() as queued:
        with transaction.atomic():
            on_commit.enqueue_on_commit(TASK, 7, countdown=3)
            assert queued == []
        with pytest.raises(RuntimeError), transaction.atomic():
            on_commit.enqueue_on_commit(TASK, 8)
            raise RuntimeError
    assert queued == [on_commit.Enqueued(TASK, (7,), 3)]


def test_an_unknown_task_name_fails_at_the_call():
    with pytest.raises(LookupError, match="no Celery task"):
        on_commit.enqueue_on_commit("routing.tasks.no_such_task", 1)


def test_a_broker_that_refuses_is_logged_not_raised(monkeypatch, caplog):
    task = on_commit.app.tasks[TASK]

    def refuse(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(task, "apply_async", refuse)
    on_commit.enqueue_on_commit(TASK, 9)  # no transaction: sent at once
    assert "could not queue routing.tasks.assign_waiting_task" in caplog.text


@pytest.mark.parametrize(
    ("attempt", "expected"), [(0, 2.0), (1, 2.0), (2, 4.0), (3, 8.0), (6, 60.0), (40, 60.0)]
)
def test_backoff_doubles_from_its_base_up_to_its_cap(attempt, expected):
    assert backoff_seconds(attempt, base=2.0, cap=60.0) == expected
