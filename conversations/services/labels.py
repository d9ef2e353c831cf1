"""Labels: putting them on and taking them off a conversation (a system line each, and the
`LabelAdded` / `LabelRemoved` events when something changed), and keeping a page's or the
workspace's set (create, hide, delete, copy to every page).

Deleting a label only sets `deleted_at`: conversations keep it for history and reports.
"""

from __future__ import annotations

import re
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.admin_actions import admin_action_publish
from conversations import events
from conversations.channels import channel_accounts_of
from conversations.models import (
    Conversation,
    ConversationLabel,
    Label,
)
from conversations.services import announcements
from conversations.services.acting import conversation_assert_can_act
from conversations.services.system_events import system_event_create
from inbox_project.errors import ApplicationError


def _label_for(conversation: Conversation, label_id: int) -> Label:
    label = (
        Label.objects.filter(
            workspace_id=conversation.workspace_id, pk=label_id, deleted_at__isnull=True
        )
        .filter(
            Q(channel_account_id=conversation.channel_account_id) | Q(channel_account__isnull=True)
        )
        .first()
    )
    if label is None:
        raise ApplicationError(_("This label does not exist on this page."), code="label")
    return label


def conversation_label_add(
    *, conversation: Conversation, user, label_id: int, now: datetime | None = None
) -> Label:
    """Put a label of the page's (or the workspace's) set on the conversation. `label_id`
    comes from the picker and is checked against the conversation's page here. Adding one
    it already has changes nothing and announces nothing. `user=None` is automation: its
    rules, not the claim, decide."""
    now = now or timezone.now()
    label = _label_for(conversation, label_id)
    if user is not None:
        conversation_assert_can_act(conversation=conversation, user=user)
    with transaction.atomic():
        row, created = ConversationLabel.objects.get_or_create(
            conversation=conversation,
            label=label,
            defaults={"workspace_id": conversation.workspace_id, "added_by": user, "added_at": now},
        )
        if created:
            system_event_create(
                conversation=conversation,
                user=user,
                event="label_added",
                label=label.name,
                now=now,
            )
            announcements.label_added(row, actor=user)
    if created:
        events.conversation_changed(conversation, reason="labels")
    return label


def conversation_label_remove(
    *, conversation: Conversation, user, label_id: int, now: datetime | None = None
) -> None:
    """Take a label off; a label the conversation does not have changes nothing.
    `user=None` is automation."""
    now = now or timezone.now()
    if user is not None:
        conversation_assert_can_act(conversation=conversation, user=user)
    rows = ConversationLabel.objects.filter(
        workspace_id=conversation.workspace_id, conversation=conversation, label_id=label_id
    ).select_related("label")
    with transaction.atomic():
        row = rows.first()
        if row is None:
            return
        row.delete()
        system_event_create(
            conversation=conversation,
            user=user,
            event="label_removed",
            label=row.label.name,
            now=now,
        )
        announcements.label_removed(
            conversation=conversation, label_id=label_id, actor=user, at=now
        )
    events.conversation_changed(conversation, reason="labels")


LABEL_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def label_create(*, workspace, channel_account, name: str, color: str = "#64748b") -> Label:
    name = " ".join(name.split())[:60]
    if not name:
        raise ApplicationError(_("A label needs a name."), code="label_name")
    if not LABEL_COLOR.match(color or ""):
        color = "#64748b"
    if channel_account is not None and channel_account.workspace_id != workspace.pk:
        raise ApplicationError(_("This page is not in your workspace."), code="label_page")
    try:
        with transaction.atomic():
            return Label.objects.create(
                workspace=workspace, channel_account=channel_account, name=name, color=color
            )
    except IntegrityError as error:
        raise ApplicationError(
            _("This page already has a label named “%(name)s”.") % {"name": name},
            code="label_exists",
        ) from error


def label_set_hidden(*, label: Label, hidden: bool) -> None:
    Label.objects.filter(pk=label.pk).update(is_hidden=hidden)


def label_delete(*, label: Label, now: datetime | None = None) -> None:
    """Marks the label deleted: conversations keep it for history and reports."""
    now = now or timezone.now()
    Label.objects.filter(pk=label.pk, deleted_at__isnull=True).update(deleted_at=now)


def label_set_copy(*, workspace, source_channel_account, actor=None) -> int:
    """Copy one page's label set (or the workspace-wide set) to every page of the workspace.
    Names a page already has are skipped (case-insensitive). Returns labels created."""
    source = list(
        Label.objects.filter(
            workspace=workspace,
            channel_account=source_channel_account,
            deleted_at__isnull=True,
        )
    )
    targets = channel_accounts_of(workspace_id=workspace.pk)
    if source_channel_account is not None:
        targets = targets.exclude(pk=source_channel_account.pk)
    existing = set(
        Label.objects.filter(workspace=workspace, deleted_at__isnull=True)
        .annotate(lname=Lower("name"))
        .values_list("channel_account_id", "lname")
    )
    new = [
        Label(
            workspace=workspace,
            channel_account=account,
            name=label.name,
            color=label.color,
            is_hidden=label.is_hidden,
        )
        for account in targets
        for label in source
        if (account.pk, label.name.lower()) not in existing
    ]
    # The partial unique index (per set, case-insensitive) still guards concurrent copies.
    with transaction.atomic():
        Label.objects.bulk_create(new, ignore_conflicts=True)
        admin_action_publish(
            workspace_id=workspace.pk, actor=actor, action="labels.set_copied",
            target_type="channel" if source_channel_account else "workspace",
            target_id=source_channel_account.pk if source_channel_account else workspace.pk,
            target_label=source_channel_account.display_name if source_channel_account
            else workspace.name,
            details={"labels": len(source), "created": len(new),
                     "pages": len({label.channel_account_id for label in new})},
        )  # fmt: skip
    return len(new)
