"""Waking the drains: a Redis flag per shard, one thread per process, and the sweeper.

Events are processed by drain tasks, one shard of the pending events each (event id modulo
INGEST_SHARDS), so a burst costs one Celery publish per shard rather than one per event. A
Redis flag per shard says "a drain is queued or running". The drain clears the flag *before*
each look for pending rows, and an accepted event is committed *before* its flag check, so
either the check finds the flag clear (and queues a drain) or a drain's next look sees the
row: no wake-up is lost. The flag expires on its own (INGEST_WAKE_TTL_SECONDS) and the sweeper
covers any crash or broker outage.
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from channels_app.models import WebhookEvent
from inbox_project.on_commit import enqueue_on_commit

log = logging.getLogger(__name__)

WAKE_KEY = "ingest:wake:{shard}"
DRAIN_TASK = "channels_app.tasks.webhook_events_drain_task"
_redis = None


def flags():
    """The Redis client holding the wake flags."""
    global _redis
    if _redis is None:
        import redis

        _redis = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=1
        )
    return _redis


class _Waker:
    """Wakes drains off the request path: the webhook answers as soon as its row is committed
    and one thread per process checks the flags (after that commit, which is all the rule
    above needs). A burst of requests then costs one flag check per shard, not one Redis
    round trip per request. If the process dies first, the row is pending and the sweeper
    queues it, as when Redis is down."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._shards: set[int] = set()
        self._requested = 0  # wake-ups asked for, ever
        self._done = 0  # of those, carried out
        self._pid: int | None = None
        self._thread: threading.Thread | None = None

    def request(self, shard: int) -> None:
        with self._changed:
            if self._pid != os.getpid() or not (self._thread and self._thread.is_alive()):
                self._thread = threading.Thread(target=self._run, name="ingest-waker", daemon=True)
                self._thread.start()
                self._pid = os.getpid()  # a forked child starts its own thread
            self._shards.add(shard)
            self._requested += 1
            self._changed.notify_all()

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._shards:
                    self._changed.wait()
                shards, self._shards = self._shards, set()
                covered = self._requested
            for shard in sorted(shards):
                try:
                    webhook_events_wake(shard=shard)
                except Exception:  # the sweeper covers it
                    log.warning("waking shard %s failed", shard, exc_info=True)
            with self._changed:
                self._done = covered
                self._changed.notify_all()

    def wait(self, timeout: float) -> bool:
        """Until every wake-up requested so far was carried out."""
        with self._changed:
            goal = self._requested
            return self._changed.wait_for(lambda: self._done >= goal, timeout)


_waker = _Waker()


def request(shard: int) -> None:
    """Ask this process's waker thread to wake `shard` (call it after the commit)."""
    _waker.request(shard)


def webhook_wakes_wait(timeout: float = 5.0) -> bool:
    """Wait until this process's requested drain wake-ups were carried out (tests)."""
    return _waker.wait(timeout)


def webhook_events_wake(*, shard: int) -> None:
    """Queue a drain of `shard` unless one is already queued or running. If the publish
    fails (broker down) the flag stays until it expires and the sweeper queues the drain."""
    key = WAKE_KEY.format(shard=shard)
    try:
        if not flags().set(key, "1", nx=True, ex=settings.INGEST_WAKE_TTL_SECONDS):
            return
    except Exception:
        log.warning("wake flag unavailable; queueing a drain anyway", exc_info=True)
    webhook_events_drain_enqueue(shard=shard)


def webhook_events_drain_enqueue(*, shard: int) -> None:
    enqueue_on_commit(DRAIN_TASK, shard)


def webhook_event_sweep(*, older_than: float | None = None, limit: int = 1000) -> int:
    """Re-queue pending events nobody processed in time (Redis or every worker was down, or a
    worker was killed): a drain per shard with such events, whatever its flag says.
    Duplicates are harmless: processing skips what is done or locked."""
    age = settings.WEBHOOK_SWEEP_AFTER_SECONDS if older_than is None else older_than
    cutoff = timezone.now() - timedelta(seconds=age)
    with transaction.atomic():
        stale = list(
            WebhookEvent.objects.select_for_update(skip_locked=True)
            .filter(
                status=WebhookEvent.Status.PENDING, received_at__lte=cutoff, queued_at__lte=cutoff
            )  # fmt: skip
            .order_by("received_at")
            .values_list("pk", "workspace_id")[:limit]
        )
        if not stale:
            return 0
        WebhookEvent.objects.filter(pk__in=[pk for pk, _ in stale]).update(queued_at=timezone.now())
        for shard in sorted({pk % settings.INGEST_SHARDS for pk, _ in stale}):
            webhook_events_drain_enqueue(shard=shard)
    log.info("re-queued %d stale webhook events", len(stale))
    return len(stale)
