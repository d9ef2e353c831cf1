"""Render-once HTML for live pushes: a message bubble and a list row, the same for everyone of
the workspace, rendered in the workspace's language and time zone after the commit.

Browsers place them (bubble into the open timeline, row into the list when it matches the
list's filters); anything per person (claim panel, follow marks) is re-fetched over HTTP.
A render failure must never lose the event: the payload then goes without HTML and the
browser fetches the fragment instead.
"""

from __future__ import annotations

import logging
import zoneinfo

from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import Workspace
from conversations import selectors
from conversations.models import Message
from conversations.presenters import present_rows

log = logging.getLogger(__name__)

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


def row_payload(*, workspace: Workspace, conversation_id: int) -> dict:
    conversation = selectors.conversation_row(workspace=workspace, pk=conversation_id)
    if conversation is None:
        return {}
    with _Rendering(workspace):
        present_rows([conversation], workspace=workspace)
        html = render_to_string(ROW_TEMPLATE, {"c": conversation, "workspace": workspace})
    return {
        "row": html,
        "assignee_id": conversation.assignee_id,
        "status": conversation.status,
    }


def message_payload(*, workspace: Workspace, message_id: int) -> dict:
    message = (
        Message.objects.filter(workspace=workspace, pk=message_id).select_related("author").first()
    )
    if message is None:
        return {}
    with _Rendering(workspace):
        html = render_to_string(BUBBLE_TEMPLATE, {"m": message, "workspace": workspace})
    return {
        "html": html,
        "direction": message.direction,
        "kind": message.kind,
        "preview": (message.text or "")[:140],
    }


def safely(build, **kwargs) -> dict:
    """Extra payload for an event; {} when anything goes wrong (the browser then re-fetches)."""
    try:
        workspace = Workspace.objects.filter(pk=kwargs.pop("workspace_id")).first()
        if workspace is None:
            return {}
        return build(workspace=workspace, **kwargs)
    except Exception:  # a broken template must not break the push
        log.warning("rendering a live fragment failed", exc_info=True)
        return {}
