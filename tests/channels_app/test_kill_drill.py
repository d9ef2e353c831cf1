"""The kill-the-worker drill: a real Celery worker processes accepted webhooks, is killed with
SIGKILL mid-run, is started again; the sweeper re-queues what the dead worker held. Every
accepted event must end processed exactly once: no message lost, none duplicated."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Sum
from django.test import Client

from channels_app.models import WebhookEvent
from conversations.models import Conversation, Message
from inbox_project.celery import app
from tests.channels_app.meta import encode, fixture, post

ROOT = Path(__file__).resolve().parents[2]
EVENTS = 240


def _database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def _start_worker(beat_dir: Path) -> subprocess.Popen:
    """A real worker on the ingest queue with beat embedded, so the sweeper runs as in
    production (every 5 s), here re-queueing what has waited more than 2 s."""
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_DEBUG": "1",
           "REDIS_URL": app.conf.broker_url, "CELERY_BROKER_URL": app.conf.broker_url,
           "WEBHOOK_SWEEP_AFTER_SECONDS": "2"}  # fmt: skip
    env.pop("TEST_DATABASE_NAME", None)
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "inbox_project", "worker", "-Q", "ingest",
         "--concurrency", "2", "--loglevel", "WARNING", "-n", f"drill-{os.getpid()}@%h",
         "--without-gossip", "--without-mingle", "--without-heartbeat",
         "-B", "--schedule", str(beat_dir / "beat-schedule")],
        cwd=ROOT, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _kill(worker: subprocess.Popen) -> None:
    try:
        os.killpg(worker.pid, signal.SIGKILL)  # the parent and its pool children at once
    except ProcessLookupError:
        pass
    worker.wait(10)


def _processed() -> int:
    return WebhookEvent.objects.filter(status="processed").count()


def _wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def _clear_broker() -> None:
    with app.connection_for_write() as conn:
        client = conn.default_channel.client
        client.delete("ingest", "outbound", "timers", "unacked", "unacked_index")
        for key in client.scan_iter("ingest:wake:*"):
            client.delete(key)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_sigkill_mid_run_loses_nothing_and_duplicates_nothing(page_a, tmp_path):
    _clear_broker()
    client = Client()
    for i in range(EVENTS):
        data = fixture("facebook", "message_text")
        item = data["entry"][0]["messaging"][0]
        item["sender"]["id"] = f"psid-drill-{i % 40}"
        item["message"]["mid"] = f"m_drill_{i}"
        assert post(client, page_a, encode(data)).status_code == 200  # queued on commit
    assert WebhookEvent.objects.filter(status="pending").count() == EVENTS

    worker = _start_worker(tmp_path)
    try:
        assert _wait_for(lambda: _processed() >= 20, 60), "the worker never started processing"
        _kill(worker)
        done_at_kill = _processed()
        assert done_at_kill < EVENTS, "killed too late to prove anything"
        # The dead worker's drain tasks stay unacknowledged in Redis; the new worker's beat
        # runs the sweeper, which queues drains for every shard with stale pending events.
        worker = _start_worker(tmp_path)
        _wait_for(lambda: _processed() == EVENTS, 120)
    finally:
        _kill(worker)
        _clear_broker()

    assert _processed() == EVENTS
    assert not WebhookEvent.objects.exclude(status="processed").exists()
    mids = list(Message.objects.values_list("external_id", flat=True))
    assert len(mids) == EVENTS
    assert set(mids) == {f"m_drill_{i}" for i in range(EVENTS)}
    assert Conversation.objects.count() == 40
    # A half-applied event would show up here as a second unread increment.
    assert Conversation.objects.aggregate(total=Sum("unread_count"))["total"] == EVENTS
