"""Shared personas: alice owns workspace A, bob is an agent in A, charlie
owns workspace B. Every view, socket and webhook test has a charlie case that must fail."""

import uuid

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
