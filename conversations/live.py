"""Render-once HTML for live pushes: a message bubble and a list row, the same for everyone of
the workspace, rendered in the workspace's language and time zone after the commit.

Browsers place them (bubble into the open timeline, row into the list when it matches the
list's filters); anything per person (claim panel, follow marks) is re-fetched over HTTP.
A render failure must never lose the event: the payload then goes without HTML and the
browser fetches the fragment instead. Pushes that leave together are rendered together
(`render_fragments`): a few queries per batch, each row and bubble rendered once.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import Workspace
from conversations.models import Conversation, Message, MessageKind
from conversations.presenters import present_rows
from conversations.selectors.rows import conversation_rows

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Render:
    """What to render into a payload after the commit: the conversation's list row and,
    for message events, the message's bubble."""

    workspace_id: int
    conversation_id: int
    message_id: int | None = None


ROW_TEMPLATE = "conversations/_rows.html#conv-row"
BUBBLE_TEMPLATE = "conversations/_rows.html#message-bubble"


class _Rendering:
    """Activate the workspace's language and zone for one render."""

    def __init__(self, workspace: Workspace):
        self.workspace = workspace

    def __enter__(self):
        self._language = translation.override(self.workspace.language or "vi")
        self._language.__enter__()
        try:
            timezone.activate(zoneinfo.ZoneInfo(self.workspace.time_zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        return self

    def __exit__(self, *exc):
        timezone.deactivate()
        self._language.__exit__(*exc)
        return False


def render_fragments(renders: Iterable[Render]) -> dict[Render, dict]:
    """The rendered extras of each push: {"row", "assignee_id", "status"} for its conversation
    and {"html", "direction", "kind", "preview"} for its message (a system line also
    "html_by_language"). Each workspace, row and
    message is loaded and rendered once, however many pushes name it. A failure only loses
    that fragment: the browser then fetches it over HTTP."""
    by_workspace: dict[int, list[Render]] = {}
    for render in renders:
        by_workspace.setdefault(render.workspace_id, []).append(render)
    fragments: dict[Render, dict] = {}
    for workspace_id, group in by_workspace.items():
        try:
            fragments.update(_render_workspace(workspace_id, group))
        except Exception:  # a broken template must not break the push
            log.warning("rendering live fragments failed", exc_info=True)
    return fragments


def _render_workspace(workspace_id: int, renders: list[Render]) -> dict[Render, dict]:
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:
        return {}
    conversation_ids = {r.conversation_id for r in renders}
    message_ids = {r.message_id for r in renders if r.message_id is not None}
    rows = list(
        conversation_rows(Conversation.objects.filter(workspace=workspace, pk__in=conversation_ids))
    )
    messages = (
        Message.objects.filter(workspace=workspace, pk__in=message_ids).select_related("author")
        if message_ids
        else []
    )
    row_parts, message_parts = {}, {}
    with _Rendering(workspace):
        present_rows(rows, workspace=workspace)
        for conversation in rows:
            row_parts[conversation.pk] = _safely(lambda c=conversation: {
                "row": render_to_string(ROW_TEMPLATE, {"c": c, "workspace": workspace}),
                "assignee_id": c.assignee_id,
                "status": c.status,
            })  # fmt: skip
        for message in messages:
            message_parts[message.pk] = _safely(lambda m=message: {
                "html": render_to_string(BUBBLE_TEMPLATE, {"m": m, "workspace": workspace}),
                "direction": m.direction,
                "kind": m.kind,
                "preview": (m.text or "")[:140],
                **_system_line_languages(m, workspace),
            })  # fmt: skip
    return {
        render: {**row_parts.get(render.conversation_id, {}),
                 **message_parts.get(render.message_id, {})}
        for render in renders
    }  # fmt: skip


def _system_line_languages(message: Message, workspace: Workspace) -> dict:
    """A system line is words, not the sender's text: it goes in every interface language
    ({"html_by_language": {"vi": …, "en": …}}) and each browser shows its own."""
    if message.kind != MessageKind.SYSTEM:
        return {}
    by_language = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            by_language[code] = render_to_string(
                BUBBLE_TEMPLATE, {"m": message, "workspace": workspace}
            )
    return {"html_by_language": by_language}


def _safely(build) -> dict:
    try:
        return build()
    except Exception:
        log.warning("rendering a live fragment failed", exc_info=True)
        return {}
