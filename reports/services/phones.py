"""A captured phone number is its own fact: the day a customer's number became known."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.db import connection

from accounts.models import Workspace
from conversations import domain_events as de
from conversations.models import Conversation
from reports import derivation as d
from reports.services.derive import facts_write


def phone_fact(
    *, workspace_id: int, customer_id: int, conversation_id, channel_account_id, phone, at, zone
) -> tuple[int, d.Fact]:
    local = at.astimezone(zone)
    return workspace_id, d.Fact(
        key=f"p:{customer_id}:{phone}", kind="phone", occurred_at=at, day=local.date(),
        hour=local.hour, conversation_id=conversation_id, channel_account_id=channel_account_id,
        customer_id=customer_id,
    )  # fmt: skip


def phone_fact_write(event: de.PhoneCaptured) -> None:
    channel = None
    if event.conversation_id is not None:
        channel = (
            Conversation.objects.filter(workspace_id=event.workspace_id, pk=event.conversation_id)
            .values_list("channel_account_id", flat=True)
            .first()
        )
    zone = Workspace.objects.values_list("time_zone", flat=True).get(pk=event.workspace_id)
    fact = phone_fact(
        workspace_id=event.workspace_id, customer_id=event.customer_id,
        conversation_id=event.conversation_id, channel_account_id=channel, phone=event.phone,
        at=event.captured_at, zone=ZoneInfo(zone),
    )  # fmt: skip
    facts_write([fact])


_EXISTING_PHONES = """
SELECT c.workspace_id, w.time_zone, c.id, c.phones, c.first_seen_at, last.id,
       last.channel_account_id
FROM conversations_customer c
JOIN accounts_workspace w ON w.id = c.workspace_id
LEFT JOIN LATERAL (
    SELECT v.id, v.channel_account_id FROM conversations_conversation v
    WHERE v.customer_id = c.id ORDER BY v.last_message_at DESC LIMIT 1
) last ON true
WHERE c.phones <> '{}' AND (%s::bigint[] IS NULL OR c.workspace_id = ANY(%s::bigint[]))
"""


def phones_backfill(workspace_ids: list[int] | None = None) -> int:
    """Phones already on customers, dated when the customer was first seen (their capture
    time was not recorded before the reports existed), on their newest conversation."""
    with connection.cursor() as cursor:
        cursor.execute(_EXISTING_PHONES, [workspace_ids, workspace_ids])
        rows = cursor.fetchall()
    facts = [
        phone_fact(
            workspace_id=ws, customer_id=customer, conversation_id=conversation,
            channel_account_id=channel, phone=phone, at=first_seen, zone=ZoneInfo(zone),
        )
        for ws, zone, customer, numbers, first_seen, conversation, channel in rows
        for phone in numbers
    ]  # fmt: skip
    return facts_write(facts)
