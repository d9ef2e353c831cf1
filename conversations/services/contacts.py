"""Who wrote and where it lands: the contact of a provider identity (with its customer) and
the contact's live conversation, created on first contact.

Concurrent writers race on the contact / conversation unique constraints inside savepoints
and the loser re-reads the winner's row. Creating either announces it (`ContactCreated`,
`ConversationOpened`).
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction

from conversations.models import (
    Contact,
    Conversation,
    ConversationStatus,
    Customer,
)
from conversations.services import announcements

LIVE = [ConversationStatus.OPEN, ConversationStatus.CLOSED]


def contact_resolve(
    *, channel_account, external_id: str, name: str = "", seen_at: datetime
) -> Contact:
    """The contact for a provider identity, creating it (and its customer) on first contact."""
    lookup = {"workspace_id": channel_account.workspace_id, "channel_account": channel_account,
              "external_id": external_id}  # fmt: skip
    contact = Contact.objects.filter(**lookup).first()
    if contact is None:
        try:
            with transaction.atomic():
                customer = Customer.objects.create(
                    workspace_id=channel_account.workspace_id, name=name, first_seen_at=seen_at,
                    last_seen_at=seen_at,
                )  # fmt: skip
                contact = Contact.objects.create(customer=customer, display_name=name, **lookup)
                # Messenger and Instagram name nobody: the edge asks the provider, later.
                announcements.contact_created(contact, named=bool(name), at=seen_at)
                return contact
        except IntegrityError:  # a concurrent first message created it: use theirs
            contact = Contact.objects.get(**lookup)
    if name and not contact.display_name:
        Contact.objects.filter(pk=contact.pk, workspace_id=contact.workspace_id).update(
            display_name=name
        )
        Customer.objects.filter(pk=contact.customer_id, workspace_id=contact.workspace_id,
                                name="").update(name=name)  # fmt: skip
        contact.display_name = name
    return contact


def conversation_resolve(*, contact: Contact, at: datetime) -> Conversation:
    """The contact's live (open or closed) conversation, or a new open one."""
    live = Conversation.objects.filter(
        workspace_id=contact.workspace_id, contact=contact, status__in=LIVE
    )
    conversation = live.first()
    if conversation is not None:
        return conversation
    returning = Conversation.objects.filter(
        workspace_id=contact.workspace_id, customer_id=contact.customer_id
    ).exists()
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(
                workspace_id=contact.workspace_id, channel_account_id=contact.channel_account_id,
                contact=contact, customer_id=contact.customer_id, last_message_at=at,
                is_returning=returning,
            )  # fmt: skip
            announcements.conversation_opened(conversation, at=at)
            return conversation
    except IntegrityError:  # conversation_live_per_contact: a concurrent writer won
        return live.get()
