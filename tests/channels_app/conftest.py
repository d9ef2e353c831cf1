import asyncio
import threading
import time

import pytest
from channels.layers import get_channel_layer

from conversations.events import workspace_group
from devtools import standin
from tests.channels_app.meta import APP_ID, SECRET
from tests.channels_app.shopee import shopee_api  # noqa: F401  (the Shopee stand-in fixture)
from tests.factories import make_channel_account


@pytest.fixture(autouse=True, scope="session")
def empty_task_queues():
    """Tests queue real Celery tasks on commit into the test Redis; nobody consumes them."""
    from inbox_project.celery import app

    def purge():
        with app.connection_for_write() as conn:
            client = conn.default_channel.client
            for queue in ("ingest", "outbound", "enrich", "celery"):
                client.delete(queue)
            for key in client.scan_iter("ingest:wake:*"):
                client.delete(key)

    purge()
    yield
    purge()


@pytest.fixture(autouse=True)
def meta_settings(settings):
    settings.META_APP_SECRET = SECRET
    settings.META_APP_ID = APP_ID
    settings.META_VERIFY_TOKEN = "verify-me"
    settings.WEBHOOK_MAX_BODY_BYTES = 64 * 1024
    # Personas are created per test: a fast hasher keeps this suite quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return settings


@pytest.fixture
def wake_flags():
    """The real Redis wake flags of the ingest drains, cleared before and after a test."""
    from channels_app.services import ingest

    def clear():
        ingest.webhook_wakes_wait()  # a wake-up still on its way would set a flag later
        for key in ingest.wake_flags().scan_iter("ingest:wake:*"):
            ingest.wake_flags().delete(key)

    clear()
    yield ingest.wake_flags()
    clear()


@pytest.fixture
def ig_a(workspace_a):
    return make_channel_account(workspace_a, "instagram", "17841400000000001", "Shop A Instagram")


@pytest.fixture
def graph(settings):
    """The provider stand-in on a free port, over real HTTP; META_GRAPH_URL points at it."""
    server = standin.start_in_thread()
    settings.META_GRAPH_URL = standin.base_url(server)
    yield server
    server.shutdown()
    server.server_close()


class PushRecorder:
    """Listens on a workspace's real channel-layer group (Redis) and keeps what arrives.

    It never cancels `receive` (channels_redis unsubscribes a cancelled receiver, which would
    lose pushes); it stops on a message sent to its own channel."""

    def __init__(self, workspace_id: int):
        self.group = workspace_group(workspace_id)
        self.received: list[dict] = []
        self.ready = threading.Event()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_until_complete,
                                       args=(self._listen(),), daemon=True)  # fmt: skip

    async def _listen(self):
        self.layer = get_channel_layer()
        self.channel = await self.layer.new_channel()
        await self.layer.group_add(self.group, self.channel)
        self.ready.set()
        try:
            while True:
                message = await self.layer.receive(self.channel)
                if message.get("type") == "recorder.stop":
                    break
                self.received.append(message)
        finally:
            await self.layer.group_discard(self.group, self.channel)
            await self.layer.flush()

    def stop(self):
        asyncio.run_coroutine_threadsafe(
            self.layer.send(self.channel, {"type": "recorder.stop"}), self.loop
        ).result(5)
        self.thread.join(5)

    def events(self, name: str, *, expect: int = 1, timeout: float = 20) -> list[dict]:
        """Pushes named `name`: waits for `expect` of them, then a moment longer for extras
        (pushes leave after commit and are rendered first, so they arrive a little later)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self._named(name)) < expect:
            time.sleep(0.02)
        time.sleep(0.3)
        return self._named(name)

    def _named(self, name: str) -> list[dict]:
        return [m for m in list(self.received) if m.get("event") == name]


@pytest.fixture
def pushes(workspace_a):
    recorder = PushRecorder(workspace_a.pk)
    recorder.thread.start()
    assert recorder.ready.wait(5)
    yield recorder
    recorder.stop()


# Zalo OA: the settings, an OA of workspace A and the stand-in (tests/channels_app/zalo.py).
from tests.channels_app.zalo import oa_a, zalo_api, zalo_settings  # noqa: E402, F401
