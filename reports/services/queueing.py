"""Queue the derivation task at most once every few seconds: a burst of events costs one
task, which drains everything queued by then."""

from __future__ import annotations

import logging

from django.core.cache import cache

from inbox_project.on_commit import enqueue_on_commit

log = logging.getLogger(__name__)
DERIVE_TASK = "reports.tasks.reports_derive_task"
DEBOUNCE_SECONDS = 2


def derivation_enqueue() -> None:
    try:
        first = cache.add("reports:derive-queued", 1, timeout=DEBOUNCE_SECONDS)
    except Exception:  # Redis down: queue anyway; beat drains the queues regardless
        log.warning("reports: could not debounce the derivation task", exc_info=True)
        first = True
    if first:
        enqueue_on_commit(DERIVE_TASK, countdown=DEBOUNCE_SECONDS)
