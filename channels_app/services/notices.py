"""How many of a workspace's channels need reconnecting, cached (the notice on every admin
page reads it); forgotten whenever a channel is flagged, connected or disconnected."""

from __future__ import annotations

from django.core.cache import cache

TTL_SECONDS = 60


def _key(workspace_id: int) -> str:
    return f"channels:reconnect:{workspace_id}"


def reconnect_count(workspace_id: int) -> int:
    from channels_app.models import ChannelAccount

    def count() -> int:
        return ChannelAccount.objects.filter(
            workspace_id=workspace_id, is_active=True, needs_reconnect=True
        ).count()

    try:
        return int(cache.get_or_set(_key(workspace_id), count, TTL_SECONDS))
    except Exception:  # the cache is down: no notice rather than no page
        return 0


def reconnect_forget(workspace_id: int) -> None:
    try:
        cache.delete(_key(workspace_id))
    except Exception:
        pass
