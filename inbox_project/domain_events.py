"""Domain events: the facts one app publishes and the apps above it react to.

The events themselves (what happened, with which payload) are listed in one place,
`conversations/domain_events.py`; this module is only the mechanism, so every layer can use it.

A subscriber registers in its app's `AppConfig.ready()` with one of two phases:

- `IN_TRANSACTION`: runs inside the publisher's transaction, at `publish()`. Use it only when
  the reaction must commit or roll back with the fact (routing giving a new conversation its
  owner, the audit row of a tagged reply). An exception rolls the whole thing back.
- `AFTER_COMMIT`: runs once the transaction has committed, never if it rolls back. Everything
  that may be late or lost without lying (queueing work, reports, automation) goes here; an
  exception is logged and does not stop the other subscribers.

Publishers never know who listens, so a lower layer can cause work in a higher one without
importing it. `capturing()` is the supported test seam: it records every published event.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial

from django.db import transaction

log = logging.getLogger(__name__)

IN_TRANSACTION = "in_transaction"
AFTER_COMMIT = "after_commit"
PHASES = (IN_TRANSACTION, AFTER_COMMIT)

Handler = Callable[[object], None]

_subscribers: dict[type, list[tuple[str, Handler]]] = defaultdict(list)
_capture = threading.local()


def subscribe(event_type: type, handler: Handler, *, phase: str) -> None:
    """Call `handler(event)` for every published `event_type`. Registering twice is a no-op
    (Django may run `ready()` more than once in tests)."""
    if phase not in PHASES:
        raise ValueError(f"phase must be one of {PHASES}, not {phase!r}")
    entry = (phase, handler)
    if entry not in _subscribers[event_type]:
        _subscribers[event_type].append(entry)


def subscribers(event_type: type) -> list[tuple[str, Handler]]:
    """Who listens to `event_type`, in registration order (docs and tests)."""
    return list(_subscribers.get(event_type, ()))


def publish(event: object) -> None:
    """Announce that `event` happened. In-transaction subscribers run now; after-commit ones
    are queued on the current transaction."""
    for records in getattr(_capture, "stack", ()):
        records.append(event)
    for phase, handler in _subscribers.get(type(event), ()):
        if phase == IN_TRANSACTION:
            handler(event)
        else:
            transaction.on_commit(partial(_run_after_commit, handler, event))


def _run_after_commit(handler: Handler, event: object) -> None:
    try:
        handler(event)
    except Exception:  # one subscriber's failure must not cost the others their event
        log.exception("subscriber %s failed on %s", getattr(handler, "__qualname__", handler),
                      type(event).__name__)  # fmt: skip


@contextmanager
def capturing() -> Iterator[list]:
    """Record (also) every event published on this thread while the block runs."""
    stack = getattr(_capture, "stack", None)
    if stack is None:
        stack = _capture.stack = []
    records: list = []
    stack.append(records)
    try:
        yield records
    finally:
        stack.remove(records)
