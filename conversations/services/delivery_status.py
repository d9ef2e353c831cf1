"""Where an outbound message is: the provider accepted it, it failed, it will be tried again
(called by channels_app's delivery service), and the customer's delivered / read receipts.

A status never moves backwards: pending → sent → delivered → read, or failed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from conversations import events
from conversations.models import (
    Contact,
    DeliveryStatus,
    Direction,
    Message,
)
from conversations.services import announcements, customers
from conversations.services.touch import last_outbound_failed_set

STATUS_ORDER = [DeliveryStatus.PENDING, DeliveryStatus.SENT, DeliveryStatus.DELIVERED,
                DeliveryStatus.READ]  # fmt: skip


def message_update_delivery(
    *,
    channel_account,
    contact_external_id: str,
    status: str,
    watermark: datetime | None = None,
    external_ids: Iterable[str] = (),
    limit: int = 200,
) -> int:
    """Delivered / read receipts: every outbound message up to the watermark (or named by id)
    moves forward to `status`; a status never moves backwards."""
    if status not in {DeliveryStatus.DELIVERED, DeliveryStatus.READ}:
        raise ValueError(status)
    contact = Contact.objects.filter(
        workspace_id=channel_account.workspace_id, channel_account=channel_account,
        external_id=contact_external_id,
    ).first()  # fmt: skip
    if contact is None:
        return 0
    external_ids = [mid for mid in external_ids if mid]
    if watermark is None and external_ids:
        # IG `messaging_seen` names the last message read: everything before it is read too.
        newest = Message.objects.filter(
            workspace_id=contact.workspace_id, channel_account=channel_account,
            external_id__in=external_ids,
        ).order_by("-sent_at").values_list("sent_at", flat=True).first()  # fmt: skip
        watermark = newest
    which = Q(external_id__in=external_ids) if external_ids else Q(pk__in=[])
    if watermark is not None:
        which |= Q(sent_at__lte=watermark)
    earlier = STATUS_ORDER[: STATUS_ORDER.index(status)]
    ids = list(
        Message.objects.filter(
            which, workspace_id=contact.workspace_id, conversation__contact=contact,
            direction=Direction.OUT, delivery_status__in=earlier[1:],
        ).values_list("pk", flat=True)[:limit]
    )  # fmt: skip
    if not ids:
        return 0
    Message.objects.filter(pk__in=ids, workspace_id=contact.workspace_id).update(
        delivery_status=status
    )
    for message in Message.objects.filter(pk__in=ids, workspace_id=contact.workspace_id).only(
        "pk", "workspace_id", "conversation_id"
    ):
        events.message_updated(message)
    return len(ids)


def message_mark_sent(
    *, message: Message, external_id: str, extra: dict | None = None, now: datetime | None = None
) -> None:
    now = now or timezone.now()
    message.delivery_status = DeliveryStatus.SENT
    message.delivery_error = ""
    message.delivery_attempts += 1
    if external_id:
        message.external_id = message.external_id or external_id
    fields = ["delivery_status", "delivery_error", "delivery_attempts", "external_id"]
    if extra:
        message.meta = {**message.meta, **extra}
        fields.append("meta")
    message.save(update_fields=fields)
    events.message_updated(message)
    announcements.message_sent(message, at=now)
    if message.meta.get("private_reply_to") and message.meta.get("recipient_id"):
        customers.contact_link_private_reply(
            message=message, recipient_id=message.meta["recipient_id"]
        )


def message_mark_failed(
    *, message: Message, error: str, code: str = "", now: datetime | None = None
) -> None:
    """The reply did not go out and will not be tried again unless someone sends it again
    (message_retry): the bubble shows the reason, the list row "Not sent:" when it is the
    conversation's last message."""
    now = now or timezone.now()
    message.delivery_status = DeliveryStatus.FAILED
    message.delivery_error = error
    message.delivery_attempts += 1
    message.meta = {**message.meta, "delivery_error_code": code, "retry_at": None}
    message.save(update_fields=["delivery_status", "delivery_error", "delivery_attempts", "meta"])
    last_outbound_failed_set(message, failed=True)
    events.message_updated(message)
    announcements.message_failed(message, code=code, at=now)


def message_mark_retrying(*, message: Message, error: str, code: str, retry_in: float,
                          now: datetime | None = None) -> None:  # fmt: skip
    now = now or timezone.now()
    message.delivery_error = error
    message.delivery_attempts += 1
    message.meta = {**message.meta, "delivery_error_code": code,
                    "retry_at": (now + timedelta(seconds=retry_in)).isoformat()}  # fmt: skip
    message.save(update_fields=["delivery_error", "delivery_attempts", "meta"])
    events.message_updated(message)
