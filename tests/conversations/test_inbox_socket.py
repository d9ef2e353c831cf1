"""The inbox socket: authenticated, origin-checked, and it only ever carries its own
workspace's events (rendered once, in the workspace's language)."""

import asyncio
import uuid

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from conversations import events
from conversations.models import Message
from tests.factories import make_channel_account, make_conversation, make_user, make_workspace
from web.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://localhost")


@pytest.fixture(autouse=True)
def private_channel_layer(settings):
    """Redis pub/sub is server-wide (the database number does not separate it): a prefix of
    our own keeps other test runs' events out of these sockets."""
    layers = {"default": {**settings.CHANNEL_LAYERS["default"]}}
    layers["default"]["CONFIG"] = {
        **layers["default"]["CONFIG"],
        "prefix": f"inbox-socket-{uuid.uuid4().hex[:10]}",
    }
    settings.CHANNEL_LAYERS = layers


@database_sync_to_async
def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def connect(slug: str, user=None, *, origin=ORIGIN):
    headers = [origin] if origin else []
    if user is not None:
        headers.append((b"cookie", await session_cookie(user)))
    communicator = WebsocketCommunicator(application, f"/ws/w/{slug}/inbox/", headers=headers)
    connected, _code = await communicator.connect(timeout=5)
    if connected:
        await drain(communicator)
    return communicator, connected


async def drain(communicator) -> None:
    """Skip what connecting itself pushes (routing's presence nudges)."""
    while not await communicator.receive_nothing(timeout=0.2):
        await communicator.receive_json_from()


async def receive_event(communicator, name: str) -> dict:
    while True:
        event = await communicator.receive_json_from(timeout=5)
        if event.get("event") == name:
            return event


@database_sync_to_async
def world():
    a = make_workspace("Shop A", "shop-a")
    b = make_workspace("Shop B", "shop-b")
    bob = make_user("bob@a.test", "Bob", a, "agent")
    charlie = make_user("charlie@b.test", "Charlie", b, "owner")
    page_a = make_channel_account(a, "facebook", "1001", "Shop A fanpage")
    page_b = make_channel_account(b, "facebook", "2001", "Shop B fanpage")
    return {
        "bob": bob,
        "charlie": charlie,
        "conv_a": make_conversation(page_a, "psid-a", "Nguyễn Văn A"),
        "conv_b": make_conversation(page_b, "psid-b", "Trần Thị B"),
    }


@database_sync_to_async
def new_inbound(conversation, text: str) -> Message:
    message = Message.objects.create(
        workspace_id=conversation.workspace_id, conversation=conversation,
        channel_account_id=conversation.channel_account_id, direction="in", text=text,
        external_id=f"live-{text}",
    )  # fmt: skip
    events.message_created(message)  # autocommit: on_commit runs right away
    return message


async def test_member_receives_rendered_events_of_their_workspace():
    w = await world()
    bob, connected = await connect("shop-a", w["bob"])
    assert connected
    message = await new_inbound(w["conv_a"], "Còn size M không <b>shop</b>?")
    event = await receive_event(bob, "message.created")
    assert event["event"] == "message.created"
    assert event["conversation_id"] == w["conv_a"].pk and event["message_id"] == message.pk
    assert f'id="msg-{message.pk}"' in event["html"]
    assert "&lt;b&gt;shop&lt;/b&gt;" in event["html"]  # escaped, rendered once on the server
    assert f'id="conv-{w["conv_a"].pk}"' in event["row"]
    assert event["direction"] == "in" and event["kind"] == "inbox"
    await bob.disconnect()


async def test_sockets_never_receive_another_workspaces_events():
    w = await world()
    charlie, connected = await connect("shop-b", w["charlie"])
    assert connected
    await new_inbound(w["conv_a"], "chỉ cho shop A")
    assert await charlie.receive_nothing(timeout=0.5)
    await new_inbound(w["conv_b"], "cho shop B")
    event = await receive_event(charlie, "message.created")
    assert event["conversation_id"] == w["conv_b"].pk
    await charlie.disconnect()


async def test_other_workspace_member_is_refused():
    w = await world()
    communicator, connected = await connect("shop-a", w["charlie"])
    assert not connected


async def test_anonymous_socket_is_refused():
    await world()
    communicator, connected = await connect("shop-a")
    assert not connected


async def test_foreign_origin_is_refused():
    w = await world()
    communicator, connected = await connect(
        "shop-a", w["bob"], origin=(b"origin", b"https://evil.test")
    )
    assert not connected


async def test_personal_nudges_reach_only_that_person():
    w = await world()
    bob, _ = await connect("shop-a", w["bob"])

    @database_sync_to_async
    def nudge(user_id):
        events.user_nudge(w["conv_a"].workspace_id, user_id, reason="assigned", conversation_id=1)

    await nudge(w["bob"].pk + 1000)
    assert await bob.receive_nothing(timeout=0.3)
    await nudge(w["bob"].pk)
    event = await bob.receive_json_from(timeout=5)
    assert event == {"event": "user.nudge", "reason": "assigned", "conversation_id": 1}
    await bob.send_json_to({"type": "ping"})
    assert (await bob.receive_json_from(timeout=5)) == {"event": "pong"}
    await bob.disconnect()
    await asyncio.sleep(0)
