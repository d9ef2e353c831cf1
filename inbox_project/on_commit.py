"""The one way work leaves a transaction: a Celery task, queued by its name once the
transaction commits (at once when none is open), never when it rolls back.

Callers name the task (`"channels_app.tasks.message_deliver_task"`) instead of importing it,
so a lower layer can queue work a higher one runs without importing it. A name that no
installed app registers raises at the call, inside the caller's transaction, so a typo fails
the test that reaches it. A broker that is down is logged and forgiven: every queued job has a
sweeper or backfill that finds its row again, which is why nothing is retried here.

`recording()` is the supported test seam: inside it nothing reaches the broker and every
enqueue is kept, in order, as (task name, args, countdown).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import transaction

from inbox_project.celery import app

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Enqueued:
    task: str
    args: tuple
    countdown: float | None


_recording = threading.local()


def _task(name: str):
    if name not in app.tasks:
        # Outside a worker the apps' tasks modules are imported on first need (the worker
        # imports them at start): the same discovery, done once per process.
        app.loader.import_default_modules()
    try:
        return app.tasks[name]
    except KeyError:
        raise LookupError(f"no Celery task is registered as {name!r}") from None


def enqueue_on_commit(task_name: str, *args, countdown: float | None = None) -> None:
    """Queue `task_name(*args)` after the commit; `countdown` seconds later if given."""
    task = _task(task_name)
    records = getattr(_recording, "items", None)

    def send() -> None:
        if records is not None:
            records.append(Enqueued(task_name, args, countdown))
            return
        try:
            task.apply_async(args=list(args), countdown=countdown, retry=False)
        except Exception:  # broker down: the task's sweeper or backfill catches up
            log.warning("could not queue %s%r (its sweeper catches up)", task_name, args,
                        exc_info=True)  # fmt: skip

    transaction.on_commit(send)


@contextmanager
def recording() -> Iterator[list[Enqueued]]:
    """Keep the enqueues of this thread instead of sending them (tests)."""
    previous = getattr(_recording, "items", None)
    _recording.items = items = []
    try:
        yield items
    finally:
        _recording.items = previous
