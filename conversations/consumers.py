"""The inbox socket: one per open browser tab.

Authenticated (session), origin-checked (whole origin: inbox_project/ws_origin.py) and scoped:
a socket joins only its own workspace's group and its own person's group, so it can only
ever receive its workspace's events. A visitor who is not an active member of the workspace
in the URL is refused before the handshake completes (the socket twin of the HTTP 404).
"""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import timezone

from accounts.access import membership_for
from accounts.socket_revocation import access_group
from conversations import events
from conversations.domain_events import InboxConnected, InboxDisconnected
from inbox_project.domain_events import publish

CLOSE_NOT_A_MEMBER = 4404
CLOSE_ACCESS_CHANGED = 4403


@database_sync_to_async
def _membership(user, slug):
    return membership_for(user=user, slug=slug)


@database_sync_to_async
def _announce(event_type, *, user, workspace_id: int) -> None:
    """An agent with an open inbox is reachable: routing's presence subscribes to this."""
    publish(event_type(workspace_id=workspace_id, user_id=user.pk, at=timezone.now()))


class InboxConsumer(AsyncJsonWebsocketConsumer):
    groups = ()

    async def connect(self):
        self.joined: list[str] = []
        self.membership = None
        user = self.scope.get("user")
        slug = self.scope["url_route"]["kwargs"]["ws"]
        membership = await _membership(user, slug) if user is not None else None
        if membership is None:
            await self.close(code=CLOSE_NOT_A_MEMBER)
            return
        self.membership = membership
        workspace_id = membership.workspace_id
        self.joined = [
            events.workspace_group(workspace_id),
            events.user_group(workspace_id, membership.user_id),
            access_group(workspace_id, membership.user_id),
        ]
        for group in self.joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await _announce(InboxConnected, user=user, workspace_id=workspace_id)

    async def disconnect(self, code):
        for group in self.joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        if self.membership is not None:
            await _announce(
                InboxDisconnected,
                user=self.scope["user"],
                workspace_id=self.membership.workspace_id,
            )

    async def receive_json(self, content, **kwargs):
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"event": "pong"})

    async def membership_revoked(self, event):
        """Removed or demoted: stop listening now; a reconnect is checked anew."""
        for group in self.joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        self.joined = []
        await self.close(code=CLOSE_ACCESS_CHANGED)

    async def inbox_event(self, event):
        await self.send_json({key: value for key, value in event.items() if key != "type"})
