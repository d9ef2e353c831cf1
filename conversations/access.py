"""The inbox's objects fetched for a member of a workspace: a foreign id is a 404
(`accounts.access.get_for_workspace`)."""

from __future__ import annotations

from django.db.models import Model

from accounts.access import get_for_workspace
from conversations.channels import channel_accounts_of
from conversations.models import Conversation, Customer


def get_conversation_for_member(*, workspace, pk) -> Conversation:
    return get_for_workspace(
        Conversation.objects.select_related("contact", "customer", "channel_account", "assignee"),
        workspace=workspace,
        pk=pk,
    )


def get_customer_for_member(*, workspace, pk) -> Customer:
    return get_for_workspace(Customer, workspace=workspace, pk=pk)


def get_channel_account_for_member(*, workspace, pk) -> Model:
    return get_for_workspace(channel_accounts_of(workspace_id=workspace.pk), workspace=workspace,
                             pk=pk)  # fmt: skip
