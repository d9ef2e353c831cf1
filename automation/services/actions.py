"""A rule's actions beyond its reply and labels: hide the comment, answer it privately,
give the conversation to a named agent, set its outcome, notify members. Each returns a
`Done` (what the log records: done or refused with its reason); `rules._act` writes it.

They act through the owning apps' services (comments, routing, the outcome), as automation:
no author, and whatever the service refuses is recorded, never raised to the ingest path.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from automation import engine
from automation.models import AgentGuard, Rule, RunResult
from conversations.models import Conversation, Direction, Message, MessageKind
from conversations.services.comments import comment_moderate, comment_reply_private
from conversations.services.outcome import conversation_outcome_set
from inbox_project.errors import ApplicationError
from routing import services as routing_services

ADDRESS = "anh/chị"  # the form of address when the customer's is not known


@dataclass(frozen=True)
class Done:
    action: str
    result: str = RunResult.DONE
    reason: str = ""
    detail: str = ""
    sent: Message | None = None


def _refused(action: str, reason: str, detail: str = "") -> Done:
    return Done(action=action, result=RunResult.REFUSED, reason=reason, detail=detail)


def _comment(message: Message | None) -> bool:
    return (
        message is not None
        and message.kind == MessageKind.COMMENT
        and (message.direction == Direction.IN)
    )


def comment_hide(*, conversation: Conversation, message: Message | None,
                 now: datetime.datetime) -> Done:  # fmt: skip
    if not _comment(message):
        return _refused("hide_comment", "not_a_comment")
    try:
        comment_moderate(comment=message, author=None, action="hide", now=now, automated=True)
    except ApplicationError as refusal:
        return _refused("hide_comment", refusal.code, refusal.message)
    return Done(action="hide_comment", detail=message.external_id or str(message.pk))


def comment_private_reply(*, rule: Rule, conversation: Conversation, message: Message | None,
                          inside_hours: bool, now: datetime.datetime) -> Done:  # fmt: skip
    if not _comment(message):
        return _refused("private_reply", "not_a_comment")
    if conversation.assignee_id is not None and (
        rule.agent_guard == AgentGuard.BEFORE_CLAIM or inside_hours
    ):
        return _refused("private_reply", "agent_holds")
    text = engine.render(rule.private_reply_text, name=conversation.customer.name,
                         address=ADDRESS, page=conversation.channel_account.display_name)  # fmt: skip
    try:
        sent = comment_reply_private(comment=message, author=None, text=text, now=now,
                                     automated=True)  # fmt: skip
    except ApplicationError as refusal:
        return _refused("private_reply", refusal.code, refusal.message)
    return Done(action="private_reply", detail=text, sent=sent)


def give_to_agent(*, rule: Rule, conversation: Conversation, now: datetime.datetime) -> Done:
    """To the rule's named agent, only while nobody holds the conversation; refused with
    "not_member" when they left the workspace (or their account was switched off)."""
    name = rule.assign_to.display_name if rule.assign_to is not None else ""
    refusal = routing_services.conversation_give_automatically(
        conversation=conversation, to_user_id=rule.assign_to_id, now=now
    )
    if refusal:
        return _refused("assign", refusal, name)
    return Done(action="assign", detail=name)


def outcome_set(*, rule: Rule, conversation: Conversation) -> Done | None:
    """None when the conversation already had that outcome (nothing to log)."""
    try:
        changed = conversation_outcome_set(conversation=conversation, outcome=rule.set_outcome)
    except ApplicationError as refusal:
        return _refused("set_outcome", refusal.code, refusal.message)
    return Done(action="set_outcome", detail=rule.set_outcome) if changed else None
