"""How the reports learn what happened (registered in ReportsConfig.ready()): every event
about a conversation queues that conversation for derivation, after the commit; a captured
phone is a fact of its own. A fact may be late, never wrong: beat derives and rolls up what
is still queued."""

from __future__ import annotations

from conversations import domain_events as de
from inbox_project.domain_events import AFTER_COMMIT, subscribe
from reports.services import phones
from reports.services.derive import conversations_mark
from reports.services.queueing import derivation_enqueue


def on_conversation_event(event) -> None:
    conversations_mark([event.conversation_id])
    derivation_enqueue()


def on_messages_received(event: de.MessagesReceived) -> None:
    conversations_mark(m.conversation_id for m in event.messages)
    derivation_enqueue()


def on_phone_captured(event: de.PhoneCaptured) -> None:
    phones.phone_fact_write(event)
    derivation_enqueue()


CONVERSATION_EVENTS = (
    de.CommentReceived, de.MessageQueued, de.OwnerChanged, de.OrderRecorded, de.OrderChanged,
    de.LabelAdded, de.LabelRemoved, de.ConversationOpened, de.ConversationClosed,
    de.ConversationReopened,
)  # fmt: skip


def register() -> None:
    subscribe(de.MessagesReceived, on_messages_received, phase=AFTER_COMMIT)
    for event_type in CONVERSATION_EVENTS:
        subscribe(event_type, on_conversation_event, phase=AFTER_COMMIT)
    subscribe(de.PhoneCaptured, on_phone_captured, phase=AFTER_COMMIT)
