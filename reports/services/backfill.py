"""Rebuild the facts from what already exists: every conversation (its messages, owner
changes, orders and labels) and the phones on customers, then the rollups of every day
touched. Running it again writes nothing new; `recompute` rewrites the derived columns (after
a change of time zone or opening hours)."""

from __future__ import annotations

from collections.abc import Callable

from conversations.models import Conversation
from reports.services.derive import conversations_derive
from reports.services.phones import phones_backfill
from reports.services.rollup import pending_rollup

CHUNK = 500


def reports_backfill(
    *,
    workspace_ids: list[int] | None = None,
    recompute: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    conversations = Conversation.objects.all()
    if workspace_ids is not None:
        conversations = conversations.filter(workspace_id__in=workspace_ids)
    total = conversations.count()
    written = done = 0
    last = 0
    while True:
        ids = list(
            conversations.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:CHUNK]
        )
        if not ids:
            break
        written += conversations_derive(ids, recompute=recompute)
        last, done = ids[-1], done + len(ids)
        if progress:
            progress(done, total)
    written += phones_backfill(workspace_ids)
    days = pending_rollup()
    return {"conversations": done, "facts_written": written, "days_rebuilt": days}
