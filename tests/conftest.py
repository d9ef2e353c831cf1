"""Shared personas: alice owns workspace A, bob is an agent in A, charlie
owns workspace B. Every view, socket and webhook test has a charlie case that must fail."""

import threading
import uuid
from contextlib import ExitStack, contextmanager

import pytest

from tests.factories import make_channel_account, make_conversation, make_user, make_workspace


@pytest.fixture(autouse=True, scope="session")
def private_channel_prefix():
    """Redis pub/sub ignores the database number: without a prefix of its own, a test run
    would receive the live pushes of any other run (or server) on the same Redis."""
    from channels.layers import channel_layers
    from django.conf import settings

    layers = {
        alias: {**conf, "CONFIG": dict(conf.get("CONFIG", {}))}
        for alias, conf in settings.CHANNEL_LAYERS.items()
    }
    layers["default"]["CONFIG"]["prefix"] = f"inbox-test-{uuid.uuid4().hex[:10]}"
    settings.CHANNEL_LAYERS = layers
    channel_layers.backends.clear()
    yield


@pytest.fixture
def workspace_a(db):
    return make_workspace("Shop A", "shop-a")


@pytest.fixture
def workspace_b(db):
    return make_workspace("Shop B", "shop-b")


@pytest.fixture
def alice(workspace_a):
    return make_user("alice@a.test", "Alice", workspace_a, "owner")


@pytest.fixture
def adam(workspace_a):
    return make_user("adam@a.test", "Adam", workspace_a, "admin")


@pytest.fixture
def bob(workspace_a):
    return make_user("bob@a.test", "Bob", workspace_a, "agent")


@pytest.fixture
def charlie(workspace_b):
    return make_user("charlie@b.test", "Charlie", workspace_b, "owner")


@pytest.fixture
def page_a(workspace_a):
    return make_channel_account(workspace_a, "facebook", "1001", "Shop A fanpage")


@pytest.fixture
def page_b(workspace_b):
    return make_channel_account(workspace_b, "facebook", "2001", "Shop B fanpage")


@pytest.fixture
def conversation_a(page_a):
    return make_conversation(page_a, "psid-a-1", "Nguyễn Văn A")


@pytest.fixture
def conversation_b(page_b):
    return make_conversation(page_b, "psid-b-1", "Trần Thị B")


@pytest.fixture
def client_for(client):
    """Log a persona in: `client_for(alice)`."""

    def login(user):
        client.force_login(user)
        return client

    return login


class CapturedEvents:
    """What the code under test published, queued and pushed; nothing reaches the broker or
    Redis. `.domain`: domain events, as published. `.enqueued`: `Enqueued` records and
    `.pushes`: (group, payload), both kept at commit. A test in the default (rolled back)
    transaction never commits, so reading `.enqueued` or `.pushes` first runs the on-commit
    callbacks queued since the capture began, as the commit would."""

    def __init__(self, *, domain: list, enqueued: list, pushes: list):
        self.domain = domain
        self._enqueued = enqueued
        self._pushes = pushes
        self._lock = threading.Lock()
        self._ran: dict[int, object] = {}  # callbacks already run (kept so no id is reused)
        self._skip_queued_before()

    @property
    def enqueued(self) -> list:
        self.commit()
        return self._enqueued

    @property
    def pushes(self) -> list[tuple[str, dict]]:
        self.commit()
        return self._pushes

    def reasons(self) -> list[str]:
        """The `reason` of every conversation.changed push, in order."""
        return [p["reason"] for _g, p in self.pushes if p.get("event") == "conversation.changed"]

    def events(self, name: str) -> list[dict]:
        """The payloads of the pushes named `name`."""
        return [p for _g, p in self.pushes if p.get("event") == name]

    def domain_events(self, event_type: type) -> list:
        return [event for event in self.domain if isinstance(event, event_type)]

    def commit(self) -> None:
        """Run the on-commit callbacks of the test's open transaction not run yet (and those
        they queue in turn)."""
        from django.db import connection

        if not connection.in_atomic_block:
            return
        while pending := [f for _s, f, *_r in connection.run_on_commit if id(f) not in self._ran]:
            for callback in pending:
                self._ran[id(callback)] = callback
                callback()

    def _skip_queued_before(self) -> None:
        from django.db import connection

        for _sids, callback, *_robust in connection.run_on_commit:
            self._ran[id(callback)] = callback

    @contextmanager
    def thread(self):
        """Capture in another thread too (each keeps its own records); what it kept joins
        these lists when the block ends."""
        with _seams() as (domain, enqueued, pushes):
            yield
        with self._lock:
            self.domain.extend(domain)
            self._enqueued.extend(enqueued)
            self._pushes.extend(pushes)


@contextmanager
def _seams():
    from conversations import events
    from inbox_project import domain_events, on_commit

    with ExitStack() as stack:
        domain = stack.enter_context(domain_events.capturing())
        enqueued = stack.enter_context(on_commit.recording())
        pushes = stack.enter_context(events.recording())
        yield domain, enqueued, pushes


@pytest.fixture
def capture_events():
    """Domain events, task enqueues and live pushes of this test, kept instead of sent (the
    supported seams: `domain_events.capturing()`, `on_commit.recording()` and
    `events.recording()`)."""
    with _seams() as (domain, enqueued, pushes):
        yield CapturedEvents(domain=domain, enqueued=enqueued, pushes=pushes)
