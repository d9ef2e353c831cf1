"""What automation does with customers' messages once they are committed: phone capture,
then the rules. Each message is handled on its own: one that breaks is logged and costs
the others nothing (the customer's message itself is already stored and pushed)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import connection
from django.utils import timezone

from accounts.business_hours import is_open
from accounts.models import Workspace
from automation import models
from automation.models import Trigger
from automation.services import capture, comment_guard, followups, rules, timers
from conversations.models import Conversation, Direction, Message, MessageKind
from conversations.phone_parsing import phones_in

log = logging.getLogger(__name__)

BUSINESS_HOURS_FIELDS = (
    "time_zone", "business_days", "business_start", "business_end", "closed_on_holidays",
)  # fmt: skip


# Static SQL: the ORM's compile cost more than this query, which runs once per drained chunk.
_MESSAGES_SQL = (
    "SELECT id, workspace_id, text, conversation_id, channel_account_id, kind, sent_at "
    "FROM conversations_message WHERE id = ANY(%s) AND direction = 'in' "
    "AND NOT is_automated ORDER BY id"
)


def _messages(ids: list[int]) -> list[Message]:
    with connection.cursor() as cursor:
        cursor.execute(_MESSAGES_SQL, [ids])
        rows = cursor.fetchall()
    messages = []
    for pk, workspace_id, text, conversation_id, account_id, kind, sent_at in rows:
        message = Message(
            id=pk, workspace_id=workspace_id, text=text, conversation_id=conversation_id,
            channel_account_id=account_id, kind=kind, sent_at=sent_at, direction=Direction.IN,
            is_automated=False,
        )  # fmt: skip
        message._state.adding, message._state.db = False, "default"
        messages.append(message)
    return messages


def _with_customers(messages: list[Message]) -> None:
    """Load the conversations and customers of `messages` in one query."""
    found = Conversation.objects.select_related("customer").in_bulk(
        {m.conversation_id for m in messages}
    )
    for message in messages:
        message.conversation = found[message.conversation_id]


def messages_of_event(*, workspace_id: int, received) -> list[Message]:
    """The customers' messages as `MessagesReceived` carries them (the rows are not read
    again: what the rules and the capture need is in the event)."""
    messages = []
    for item in sorted(received, key=lambda r: r.message_id):
        message = Message(
            id=item.message_id, workspace_id=workspace_id, text=item.text,
            conversation_id=item.conversation_id, channel_account_id=item.channel_account_id,
            kind=item.kind, sent_at=item.received_at, direction=Direction.IN, is_automated=False,
        )  # fmt: skip
        message._state.adding, message._state.db = False, "default"
        messages.append(message)
    return messages


def messages_process(*, message_ids: Iterable[int] = (), messages: list[Message] | None = None,
                     ) -> None:  # fmt: skip
    """`message_ids` (read here) or the `messages` themselves (`messages_of_event`)."""
    if messages is None:
        ids = list(message_ids)
        if not ids:
            return
        messages = _messages(ids)
    if not messages:
        return
    workspace_id = messages[0].workspace_id
    # The rules' version and whether follow-ups and timed rules were ever started in the
    # workspace: one cache round trip, kept a quarter of a second by the process.
    flags = models.workspace_flags(workspace_id)
    conversation_ids = {m.conversation_id for m in messages}
    if flags["followups"]:
        # The customer wrote: their follow-ups stop (before a rule may start one again).
        followups.followups_cancel(conversation_ids=conversation_ids, reason="customer_wrote",
                                   now=messages[-1].sent_at)  # fmt: skip
    if flags["timers"]:
        timers.timers_break(conversation_ids=conversation_ids, reason="customer_wrote",
                            triggers=(Trigger.CUSTOMER_SILENT,), now=messages[-1].sent_at)  # fmt: skip
    for message in messages:  # parsed once: capture, the guard and the rules read it
        message.phones_found = (
            phones_in(message.text) if any(map(str.isdigit, message.text)) else []
        )
    with_phone = [m for m in messages if m.phones_found]
    if with_phone:
        _with_customers(with_phone)
    for message in with_phone:
        try:
            capture.capture_message(message)
        except Exception:
            log.exception("phone capture failed on message %s", message.pk)
        if message.kind == MessageKind.COMMENT:
            try:
                comment_guard.phone_comment_guard(comment=message)
            except Exception:
                log.exception("hiding the phone comment %s failed", message.pk)
    version = flags["rules"]
    timed = rules.active_specs(workspace_id=workspace_id, triggers=(Trigger.NO_AGENT_REPLY,),
                               version=version)  # fmt: skip
    if timed:
        # The first unanswered message starts the wait for an agent (an armed one keeps it).
        first = {}
        for message in messages:
            first.setdefault(message.conversation_id, message)
        timers.timers_arm(
            workspace_id=workspace_id, trigger=Trigger.NO_AGENT_REPLY, specs=timed,
            silences=[timers.Silence(m.conversation_id, m.channel_account_id, m.sent_at)
                      for m in first.values()],
        )  # fmt: skip
    specs = rules.active_specs(workspace_id=workspace_id, triggers=rules.MESSAGE_TRIGGERS,
                               version=version)  # fmt: skip
    if not specs:
        return
    now = timezone.now()
    inside = None  # read only when a rule's condition needs it, or when one acts
    if specs.reads_hours:
        hours = Workspace.objects.only(*BUSINESS_HOURS_FIELDS).get(pk=workspace_id).business_hours
        inside = is_open(now, hours)
    for message in messages:
        try:
            rules.message_rules_run(message=message, specs=specs, now=now, inside_hours=inside)
        except Exception:
            log.exception("automation rules failed on message %s", message.pk)
