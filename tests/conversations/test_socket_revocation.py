"""A member removed (or demoted) while their socket is open stops receiving at once."""

import pytest
from channels.db import database_sync_to_async

from accounts import services
from accounts.models import Membership
from routing.member_removal import member_remove
from tests.conversations.test_inbox_socket import (  # noqa: F401  (fixture)
    connect,
    new_inbound,
    private_channel_layer,
    receive_event,
    world,
)
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def owner_of_a():
    owner = make_user("olivia@a.test", "Olivia", None)
    workspace = Membership.objects.get(user__email="bob@a.test").workspace
    return Membership.objects.create(workspace=workspace, user=owner, role="owner")


@database_sync_to_async
def remove(actor, email):
    target = Membership.objects.get(user__email=email, workspace=actor.workspace)
    member_remove(actor=actor, membership=target)


@database_sync_to_async
def set_role(actor, email, role):
    target = Membership.objects.get(user__email=email, workspace=actor.workspace)
    services.membership_set_role(actor=actor, membership=target, role=role)


async def test_removed_member_socket_is_closed_and_hears_nothing_more():
    w = await world()
    owner = await owner_of_a()
    bob, connected = await connect("shop-a", w["bob"])
    assert connected
    await new_inbound(w["conv_a"], "trước khi xoá")
    await receive_event(bob, "message.created")
    await remove(owner, "bob@a.test")
    closed = await bob.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": 4403}
    await new_inbound(w["conv_a"], "sau khi xoá")
    assert await bob.receive_nothing(timeout=0.5)
    _again, reconnected = await connect("shop-a", w["bob"])
    assert not reconnected


async def test_demoted_admin_socket_is_closed_and_reconnects_as_agent():
    w = await world()
    owner = await owner_of_a()
    await set_role(owner, "bob@a.test", "admin")
    bob, connected = await connect("shop-a", w["bob"])
    assert connected
    await set_role(owner, "bob@a.test", "agent")
    closed = await bob.receive_output(timeout=5)
    assert closed["type"] == "websocket.close"
    _again, reconnected = await connect("shop-a", w["bob"])
    assert reconnected
    await _again.disconnect()


async def test_promotion_keeps_the_socket_open():
    w = await world()
    owner = await owner_of_a()
    bob, _ = await connect("shop-a", w["bob"])
    await set_role(owner, "bob@a.test", "admin")
    await new_inbound(w["conv_a"], "vẫn nghe")
    event = await receive_event(bob, "message.created")
    assert event["event"] == "message.created"
    await bob.disconnect()
