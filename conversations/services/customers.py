"""One customer per person: linking a new identity to the customer it belongs to, and merging
two customer records that turn out to be the same person.

A Facebook commenter is known by the id the feed webhook gives; when an agent answers the
comment privately, Meta's Send API answers with the person's Messenger id (PSID; docs/providers.md,
marked unverified there, hence `META_LINK_PRIVATE_REPLY_RECIPIENT`). Linking that PSID to
the commenter's customer means their Messenger answer opens under the customer the agent
already knows, with the comment in the same timeline, instead of as a stranger.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Min
from django.utils import timezone

from conversations import events
from conversations.models import (
    Contact,
    Conversation,
    ConversationStatus,
    Customer,
    CustomerNote,
    Message,
    Order,
)
from conversations.services import announcements

log = logging.getLogger(__name__)


def contact_link_private_reply(*, message: Message, recipient_id: str) -> Contact | None:
    """After a private reply to a comment was sent: the Messenger identity the provider named
    becomes (or already is) a contact of the commenter's customer. Returns that contact, or
    None when there is nothing to link."""
    if not settings.META_LINK_PRIVATE_REPLY_RECIPIENT or not recipient_id:
        return None
    commenter = Contact.objects.get(
        workspace_id=message.workspace_id, pk=message.conversation.contact_id
    )
    if recipient_id == commenter.external_id:
        return None  # the provider uses one id for both: nothing to link
    lookup = {"workspace_id": message.workspace_id, "channel_account_id": message.channel_account_id,
              "external_id": recipient_id}  # fmt: skip
    with transaction.atomic():
        contact = Contact.objects.select_for_update().filter(**lookup).first()
        if contact is None:
            try:
                with transaction.atomic():
                    contact = Contact.objects.create(
                        customer_id=commenter.customer_id, display_name=commenter.display_name,
                        avatar_url=commenter.avatar_url, **lookup,
                    )  # fmt: skip
            except IntegrityError:  # their first Messenger message arrived meanwhile
                contact = Contact.objects.select_for_update().get(**lookup)
        if contact.customer_id != commenter.customer_id:
            customers = Customer.objects.filter(
                workspace_id=message.workspace_id,
                pk__in=[contact.customer_id, commenter.customer_id],
            ).order_by("first_seen_at", "pk")
            keep, fold = list(customers.select_for_update())
            customer_merge(source=fold, target=keep)
            contact.customer_id = keep.pk
    return contact


def customer_merge(*, source: Customer, target: Customer, now: datetime | None = None) -> Customer:
    """Fold `source` into `target`: contacts, conversations, orders and notes move over;
    name, avatar, phones and e-mails fill what the target lacks; the earliest first-seen
    and latest last-seen win. The emptied source record is removed. Call inside a
    transaction with both rows locked; `CustomersMerged` is announced in it."""
    if source.pk == target.pk or source.workspace_id != target.workspace_id:
        raise ValueError("merge two customers of one workspace")
    now = now or timezone.now()
    merged_id = source.pk
    scope = {"workspace_id": source.workspace_id, "customer_id": source.pk}
    Contact.objects.filter(**scope).update(customer_id=target.pk)
    moved = list(Conversation.objects.filter(**scope).values_list("pk", "status"))
    Conversation.objects.filter(**scope).update(customer_id=target.pk)
    Order.objects.filter(**scope).update(customer_id=target.pk)
    CustomerNote.objects.filter(**scope).update(customer_id=target.pk)
    target.name = target.name or source.name
    target.avatar_url = target.avatar_url or source.avatar_url
    target.phones = list(dict.fromkeys([*target.phones, *source.phones]))
    target.emails = list(dict.fromkeys([*target.emails, *source.emails]))
    target.first_seen_at = min(target.first_seen_at, source.first_seen_at)
    target.last_seen_at = max(target.last_seen_at, source.last_seen_at)
    target.is_blocked = target.is_blocked or source.is_blocked
    target.blocked_at = target.blocked_at or source.blocked_at
    target.save(update_fields=["name", "avatar_url", "phones", "emails", "first_seen_at",
                               "last_seen_at", "is_blocked", "blocked_at"])  # fmt: skip
    source.delete()
    _returning_recount(target)
    announcements.customers_merged(kept=target, merged_id=merged_id, at=now)
    for pk, status in moved:
        if status != ConversationStatus.ARCHIVED:
            events.conversation_changed(
                Conversation(pk=pk, workspace_id=target.workspace_id), reason="customer_merged"
            )
    log.info("customer %s merged into %s", merged_id, target.pk)
    return target


def _returning_recount(customer: Customer) -> None:
    """With two histories joined, every conversation but the customer's first is a
    returning one."""
    span = Conversation.objects.filter(
        workspace_id=customer.workspace_id, customer_id=customer.pk
    ).aggregate(first=Min("created_at"), last=Max("created_at"))
    if span["first"] is None:
        return
    Conversation.objects.filter(
        workspace_id=customer.workspace_id, customer_id=customer.pk, created_at__gt=span["first"]
    ).update(is_returning=True)
