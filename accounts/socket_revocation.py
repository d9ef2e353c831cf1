"""Open inbox sockets of a person whose access shrank are closed at once.

Membership is checked when a socket connects; a socket already open would keep receiving the
workspace's pushes after its person was removed. So every inbox socket also joins this
module's per-person group, and removing or demoting a member sends "membership.revoked" to it
after the commit: the consumer closes, and the browser's reconnect is checked anew (refused
for a removed member, the new role for a demoted one).
"""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def access_group(workspace_id: int, user_id: int) -> str:
    return f"acc.t{workspace_id}.u{user_id}"


def _send_revoked(workspace_id: int, user_id: int) -> None:
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(
            access_group(workspace_id, user_id), {"type": "membership.revoked"}
        )


def close_sockets_after_commit(*, workspace_id: int, user_id: int) -> None:
    transaction.on_commit(lambda: _send_revoked(workspace_id, user_id))
