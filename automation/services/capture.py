"""Phone capture: every inbound message and comment is read for Vietnamese numbers
(`conversations.phone_parsing`), and each number new to its customer is added through the
inbox's `customer_phone_add` (which announces `PhoneCaptured`).

The customer's message is committed before this runs; a failure here is logged per message
and never touches it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from conversations.models import Message
from conversations.phone_parsing import phones_in
from conversations.services.phones import customer_phone_add

log = logging.getLogger(__name__)


def messages_capture_phones(*, message_ids: Iterable[int]) -> int:
    """Read the messages for phone numbers; returns how many numbers were new. One query
    reads the texts of all the ids (only those with a digit come back); a number costs
    its customer's row lock and update only when the customer does not have it yet."""
    ids = list(message_ids)
    if not ids:
        return 0
    rows = (
        Message.objects.filter(pk__in=ids, direction="in", text__regex=r"[0-9]")
        .select_related("conversation__customer")
        .only("pk", "text", "sent_at", "conversation_id", "conversation__customer_id",
              "conversation__customer__phones", "conversation__customer__workspace_id")
    )  # fmt: skip
    added = 0
    for message in rows:
        try:
            added += capture_message(message)
        except Exception:  # one message's failure costs the others nothing
            log.exception("phone capture failed on message %s", message.pk)
    return added


def capture_message(message: Message) -> int:
    """The numbers of one message (its conversation and customer loaded) new to its customer."""
    customer = message.conversation.customer
    added = 0
    found_before = getattr(message, "phones_found", None)  # parsed by the caller
    for found in found_before if found_before is not None else phones_in(message.text):
        if found.e164 in customer.phones:
            continue
        added += customer_phone_add(customer=customer, phone=found.e164, message=message,
                                    now=message.sent_at)  # fmt: skip
    return added
