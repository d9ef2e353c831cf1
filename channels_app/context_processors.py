"""The notice every page shows a workspace's admins while a channel needs reconnecting (its
token expired or its renewal was refused): read from the cache, never a query per page."""

from __future__ import annotations

from accounts.models import Role
from channels_app.services.notices import reconnect_count


def reconnect_notice(request) -> dict:
    workspace = getattr(request, "workspace", None)
    membership = getattr(request, "membership", None)
    if workspace is None or membership is None or not membership.has_role(Role.ADMIN):
        return {}
    return {"channels_needing_reconnect": reconnect_count(workspace.pk)}
