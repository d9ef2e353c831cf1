"""Routing test helpers: more agents, presence, settings, the capture of live pushes, task
enqueues and domain events, and a gang of threads that each keep their own database
connection (and capture too)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Membership
from conversations.models import Contact, Conversation, Customer
from inbox_project.on_commit import Enqueued
from routing import services
from routing.models import RoutingSettings
from tests.factories import make_user


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Persona passwords need no real hashing here (dozens of agents per test)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _captured(request):
    """Every live push, task enqueue and domain event of a routing test is kept instead of
    sent (no Redis traffic from routing tests); a test that asks for `live_pushes` runs the
    real push path instead."""
    if "live_pushes" in request.fixturenames:
        return None
    return request.getfixturevalue("capture_events")


@pytest.fixture
def live_pushes():
    """Opt out of the capture above: this test's pushes go through the real events module."""


@pytest.fixture
def dan(workspace_a):
    return make_user("dan@a.test", "Dan", workspace_a, "agent")


def membership(user, workspace) -> Membership:
    return Membership.objects.get(user=user, workspace=workspace)


HOURS = ("business_days", "business_start", "business_end")


def configure(workspace, **fields) -> RoutingSettings:
    """Save routing settings; the opening hours among `fields` go to the workspace."""
    hours = {name: fields.pop(name) for name in HOURS if name in fields}
    if hours:
        type(workspace).objects.filter(pk=workspace.pk).update(**hours)
    settings, _ = RoutingSettings.objects.update_or_create(workspace=workspace, defaults=fields)
    return settings


def assign_waiting_queued(workspace) -> Enqueued:
    """The enqueue that hands out `workspace`'s waiting pool on commit."""
    return Enqueued("routing.tasks.assign_waiting_task", (workspace.pk,), None)


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
    connection across rounds; each round's work is captured into `capture` when given. Close
    it to close the connections."""

    def __init__(self, size: int, capture=None):
        self.size = size
        self.capture = capture
        self.pool = ThreadPoolExecutor(max_workers=size)

    def run(self, work) -> list:
        barrier = threading.Barrier(self.size, timeout=60)

        def task(index):
            barrier.wait()
            if self.capture is None:
                return work(index)
            with self.capture.thread():
                return work(index)

        futures = [self.pool.submit(task, i) for i in range(self.size)]
        return [future.result(timeout=120) for future in futures]

    def close(self) -> None:
        self.run(lambda _index: connection.close())
        self.pool.shutdown()


@pytest.fixture
def gang(_captured):
    gangs: list[Gang] = []

    def make(size: int) -> Gang:
        gangs.append(Gang(size, _captured))
        return gangs[-1]

    yield make
    for g in gangs:
        g.close()
