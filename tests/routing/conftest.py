"""Routing test helpers: more agents, presence, settings, a recorder for live pushes and
task enqueues, and a gang of threads that each keep their own database connection."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Membership
from conversations.models import Contact, Conversation, Customer
from routing import services
from routing.models import RoutingSettings
from tests.factories import make_user


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Persona passwords need no real hashing here (dozens of agents per test)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


class Recorder:
    def __init__(self):
        self.sent: list[tuple[str, dict]] = []
        self.enqueued: list[int] = []

    def reasons(self) -> list[str]:
        return [p["reason"] for _g, p in self.sent if p.get("event") == "conversation.changed"]

    def events(self, name: str) -> list[dict]:
        return [p for _g, p in self.sent if p.get("event") == name]


@pytest.fixture(autouse=True)
def pushes(monkeypatch) -> Recorder:
    """Every live push and every assign-waiting enqueue, recorded instead of sent (no Redis
    traffic from routing tests; `test_events_leave_on_commit` checks the real path)."""
    from conversations import events

    recorder = Recorder()
    monkeypatch.setattr(
        events,
        "send_on_commit",
        lambda group, payload, **kw: recorder.sent.append((group, payload)),
    )
    monkeypatch.setattr(services, "_enqueue_assign_waiting", recorder.enqueued.append)
    return recorder


@pytest.fixture
def dan(workspace_a):
    return make_user("dan@a.test", "Dan", workspace_a, "agent")


def membership(user, workspace) -> Membership:
    return Membership.objects.get(user=user, workspace=workspace)


def configure(workspace, **fields) -> RoutingSettings:
    settings, _ = RoutingSettings.objects.update_or_create(workspace=workspace, defaults=fields)
    return settings


def go_online(user, workspace, *, now=None):
    now = now or timezone.now()
    services.presence_socket_connected(user=user, workspace_id=workspace.pk, now=now)
    return services.presence_set(membership=membership(user, workspace), status="online", now=now)


def bulk_conversations(account, count: int, *, at=None, prefix: str = "bulk") -> list[Conversation]:
    """`count` new, unassigned conversations waiting for a reply, in three INSERTs."""
    at = at or timezone.now()
    workspace = account.workspace
    customers = Customer.objects.bulk_create(
        [Customer(workspace=workspace, name=f"{prefix} {i}") for i in range(count)]
    )
    contacts = Contact.objects.bulk_create(
        [
            Contact(
                workspace=workspace,
                customer=customer,
                channel_account=account,
                external_id=f"{prefix}-{account.pk}-{i}",
            )
            for i, customer in enumerate(customers)
        ]
    )
    return Conversation.objects.bulk_create(
        [
            Conversation(
                workspace=workspace,
                channel_account=account,
                contact=contact,
                customer=contact.customer,
                last_message_at=at,
                last_message_direction="in",
                last_inbound_at=at,
                unread_count=1,
            )
            for contact in contacts
        ]
    )


class Gang:
    """`size` threads that start each round together (a barrier) and keep their own database
    connection across rounds. Close it to close the connections."""

    def __init__(self, size: int):
        self.size = size
        self.pool = ThreadPoolExecutor(max_workers=size)

    def run(self, work) -> list:
        barrier = threading.Barrier(self.size, timeout=60)

        def task(index):
            barrier.wait()
            return work(index)

        futures = [self.pool.submit(task, i) for i in range(self.size)]
        return [future.result(timeout=120) for future in futures]

    def close(self) -> None:
        self.run(lambda _index: connection.close())
        self.pool.shutdown()


@pytest.fixture
def gang():
    gangs: list[Gang] = []

    def make(size: int) -> Gang:
        gangs.append(Gang(size))
        return gangs[-1]

    yield make
    for g in gangs:
        g.close()
