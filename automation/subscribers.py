"""How automation reacts to the inbox (registered in AutomationConfig.ready()).

All after commit: the customer's message is stored and pushed whatever automation does,
and a failing subscriber is logged by the bus. `settings.AUTOMATION_RUN` says where the
work runs: "commit" (here, in the process that recorded the message) or "queue" (a task on
the `automation` queue). docs/automation.md has the measurement behind the default.
"""

from __future__ import annotations

from django.conf import settings

from automation.models import TIMED_TRIGGERS, Trigger
from automation.services import followups, rules, timers
from automation.services.inbound import messages_of_event, messages_process
from conversations import domain_events as de
from conversations.models import MessageKind
from inbox_project.domain_events import AFTER_COMMIT, subscribe
from inbox_project.on_commit import enqueue_on_commit


def _run(message_ids: list[int], *, received=None, workspace_id: int | None = None) -> None:
    if not message_ids or settings.AUTOMATION_RUN == "off":
        return
    if settings.AUTOMATION_RUN == "queue":
        enqueue_on_commit("automation.tasks.messages_process_task", message_ids)
    elif received is not None:  # the event carries what automation reads: no row read again
        messages_process(messages=messages_of_event(workspace_id=workspace_id, received=received))
    else:
        messages_process(message_ids=message_ids)


def on_messages_received(event: de.MessagesReceived) -> None:
    """Customers' inbox messages (comments come through `on_comment_received`)."""
    inbox = [m for m in event.messages if m.kind != MessageKind.COMMENT]
    _run([m.message_id for m in inbox], received=inbox, workspace_id=event.workspace_id)


def on_comment_received(event: de.CommentReceived) -> None:
    _run([event.message_id])


def on_label_added(event: de.LabelAdded) -> None:
    if settings.AUTOMATION_RUN != "off":
        rules.conversation_rules_run(trigger=Trigger.LABEL_ADDED, workspace_id=event.workspace_id,
                                     conversation_id=event.conversation_id, label_id=event.label_id,
                                     now=event.added_at)  # fmt: skip


def on_closed(event: de.ConversationClosed) -> None:
    followups.followups_cancel(conversation_ids=[event.conversation_id], reason="closed",
                               now=event.closed_at)  # fmt: skip
    timers.timers_break(conversation_ids=[event.conversation_id], triggers=TIMED_TRIGGERS,
                        reason="closed", now=event.closed_at)  # fmt: skip
    if settings.AUTOMATION_RUN != "off":
        rules.conversation_rules_run(trigger=Trigger.CLOSED, workspace_id=event.workspace_id,
                                     conversation_id=event.conversation_id, now=event.closed_at)  # fmt: skip


def on_message_queued(event: de.MessageQueued) -> None:
    """We wrote: the customer's silence starts (timed rules). An agent replied: the
    conversation's follow-ups stop and so does the wait for an agent."""
    if event.retry:
        return  # a failed reply sent again is not a new message
    if event.author_id is not None and not event.automated:
        followups.followups_cancel(conversation_ids=[event.conversation_id],
                                   reason="agent_replied", now=event.queued_at)  # fmt: skip
        timers.timers_break(conversation_ids=[event.conversation_id], reason="agent_replied",
                            triggers=(Trigger.NO_AGENT_REPLY,), now=event.queued_at)  # fmt: skip
    if settings.AUTOMATION_RUN == "off":
        return
    specs = rules.active_specs(workspace_id=event.workspace_id,
                               triggers=(Trigger.CUSTOMER_SILENT,))  # fmt: skip
    if specs:
        timers.timers_arm(workspace_id=event.workspace_id, trigger=Trigger.CUSTOMER_SILENT,
                          specs=specs, silences=[timers.Silence(
                              event.conversation_id, event.channel_account_id, event.queued_at)])  # fmt: skip


def register() -> None:
    subscribe(de.MessagesReceived, on_messages_received, phase=AFTER_COMMIT)
    subscribe(de.CommentReceived, on_comment_received, phase=AFTER_COMMIT)
    subscribe(de.LabelAdded, on_label_added, phase=AFTER_COMMIT)
    subscribe(de.ConversationClosed, on_closed, phase=AFTER_COMMIT)
    subscribe(de.MessageQueued, on_message_queued, phase=AFTER_COMMIT)
