"""Small builders for test data: real rows in PostgreSQL, no mocks."""

from django.utils import timezone

from accounts.models import Membership, User, Workspace
from channels_app.models import ChannelAccount
from conversations.models import Contact, Conversation, Customer, Message

PASSWORD = "correct-horse-battery-staple"


def make_workspace(name: str, slug: str, **fields) -> Workspace:
    return Workspace.objects.create(name=name, slug=slug, **fields)


def make_user(
    email: str, name: str, workspace: Workspace | None = None, role: str = "agent"
) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD, full_name=name)
    if workspace is not None:
        Membership.objects.create(workspace=workspace, user=user, role=role)
    return user


def make_channel_account(workspace, kind: str, external_id: str, name: str, **credentials):
    account = ChannelAccount(
        workspace=workspace, kind=kind, external_id=external_id, display_name=name
    )
    account.credentials = credentials or {"page_access_token": f"token-{external_id}"}
    account.save()
    return account


def make_conversation(
    account, external_id: str, name: str, *, text: str = "Shop ơi, còn hàng không?", at=None
) -> Conversation:
    at = at or timezone.now()
    customer = Customer.objects.create(
        workspace=account.workspace, name=name, first_seen_at=at, last_seen_at=at
    )
    contact = Contact.objects.create(
        workspace=account.workspace,
        customer=customer,
        channel_account=account,
        external_id=external_id,
        display_name=name,
    )
    conversation = Conversation.objects.create(
        workspace=account.workspace,
        channel_account=account,
        contact=contact,
        customer=customer,
        last_message_at=at,
        last_message_preview=text[:200],
        last_message_direction="in",
        last_inbound_at=at,
        unread_count=1,
    )
    Message.objects.create(
        workspace=account.workspace,
        conversation=conversation,
        channel_account=account,
        direction="in",
        text=text,
        external_id=f"m_{external_id}_1",
        sent_at=at,
    )
    return conversation
