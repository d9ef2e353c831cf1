"""Running the workspace's rules on a customer's message (after its commit).

One query reads the workspace's active rules for the batch; `automation.engine` decides
(pure); this module checks the limits that need the log (cool-down per conversation, cap per
hour, a greeting once per conversation, reply loops), acts through the inbox's services
(`message_send` with `author=None, automated=True`, so the reply-window policy applies and
`human_agent` is never used; `conversation_label_add` / `_remove` with `user=None`) and
writes one `RuleRun` per action or refusal.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import F
from django.utils import timezone

from accounts.business_hours import is_open
from automation import engine
from automation.models import (
    AgentGuard,
    Rule,
    RuleRun,
    RunResult,
    Trigger,
    rules_changed,
    rules_version_key,
)
from automation.services import actions, followups, notices
from automation.services.run_announce import run_announce
from conversations.models import Conversation, ConversationLabel, Direction, Message, MessageKind
from conversations.phone_parsing import has_phone
from conversations.services.labels import conversation_label_add, conversation_label_remove
from conversations.services.outbound import message_send
from inbox_project.errors import ApplicationError
from routing import services as routing_services

log = logging.getLogger(__name__)

GREETINGS = frozenset({Trigger.NEW_CUSTOMER, Trigger.RETURNING_CUSTOMER})
MESSAGE_TRIGGERS = (Trigger.MESSAGE, Trigger.NEW_CUSTOMER, Trigger.RETURNING_CUSTOMER,
                    Trigger.COMMENT)  # fmt: skip
ADDRESS = actions.ADDRESS  # the form of address when the customer's is not known


def spec_of(rule: Rule) -> engine.RuleSpec:
    return engine.RuleSpec(
        id=rule.pk, trigger=rule.trigger, position=rule.position, priority=rule.priority,
        channel_account_id=rule.channel_account_id, keywords=engine.keywords_folded(rule.keywords),
        excludes=engine.excludes_folded(rule.keywords),
        needs_phone=rule.needs_phone, needs_label_id=rule.needs_label_id, hours=rule.hours,
        customer=rule.customer, replies=bool(rule.reply_text.strip()), payload=rule,
        wait_minutes=rule.wait_minutes,
    )  # fmt: skip


# workspace id -> (rules version, compiled specs of its enabled rules, their indexes by the
# triggers asked for), per process.
_compiled: dict[int, tuple[str, list[engine.RuleSpec], dict]] = {}


def active_specs(*, workspace_id: int, triggers, version: str | None = None) -> engine.RuleIndex:
    """The workspace's enabled rules for `triggers`, compiled once per version of its rules
    (one cache read a call, none when the caller read `version`; the rows are read again
    only after a rule changed) into an `engine.RuleIndex`."""
    key = rules_version_key(workspace_id)
    if version is None:
        version = cache.get(key)
    if version is None:
        rules_changed(workspace_id)
        version = cache.get(key) or ""
    hit = _compiled.get(workspace_id)
    if hit is None or hit[0] != version or not version:
        rules = (Rule.objects.filter(workspace_id=workspace_id, enabled=True)
                 .select_related("start_sequence", "assign_to").prefetch_related("notify_users"))  # fmt: skip
        hit = (version, [spec_of(rule) for rule in rules], {})
        _compiled[workspace_id] = hit
    wanted = tuple(triggers)
    index = hit[2].get(wanted)
    if index is None:
        index = hit[2][wanted] = engine.RuleIndex(s for s in hit[1] if s.trigger in wanted)
    return index


@dataclass
class Outcome:
    """What one fact led to (the "thử" box shows it; the log keeps it)."""

    decision: engine.Decision
    reply: str = ""
    refused: str = ""  # the answer's refusal code, if refused


def conversation_of(message: Message) -> Conversation:
    """The message's conversation with what the actions read (customer, page, workspace),
    loaded on first need and kept on the message."""
    cached = Message.conversation.field.get_cached_value(message, default=None)
    if (
        cached is None
        or not Conversation.customer.is_cached(cached)
        or not all(
            Conversation._meta.get_field(name).is_cached(cached)
            for name in ("channel_account", "workspace")
        )
    ):
        cached = (Conversation.objects.select_related("customer", "channel_account", "workspace")
                  .get(pk=message.conversation_id))  # fmt: skip
        message.conversation = cached
    return cached


def facts_for(*, message: Message, specs, inside_hours: bool) -> engine.Facts:
    """The value object the engine reads; each lookup only when some rule needs it (the
    conversation row only for the customer's history and labels, the phone parse only for
    a phone condition)."""
    if not isinstance(specs, engine.RuleIndex):
        specs = engine.RuleIndex(specs)
    trigger = Trigger.COMMENT if message.kind == MessageKind.COMMENT else Trigger.MESSAGE
    triggers = {trigger}
    needs_history = bool(specs.triggers & GREETINGS) or specs.reads_customer
    returning = False
    if needs_history:
        conversation = conversation_of(message)
        returning = Conversation.objects.filter(
            workspace_id=conversation.workspace_id, customer_id=conversation.customer_id,
            pk__lt=conversation.pk,
        ).exists()  # fmt: skip
        if trigger == Trigger.MESSAGE and specs.triggers & GREETINGS:
            first = not Message.objects.filter(
                conversation_id=conversation.pk, direction=Direction.IN, kind=MessageKind.INBOX,
                pk__lt=message.pk,
            ).exists()  # fmt: skip
            if first:
                triggers.add(Trigger.RETURNING_CUSTOMER if returning else Trigger.NEW_CUSTOMER)
    labels: frozenset[int] = frozenset()
    if specs.reads_labels:
        labels = frozenset(ConversationLabel.objects.filter(conversation_id=message.conversation_id)
                           .values_list("label_id", flat=True))  # fmt: skip
    phone = False
    if specs.reads_phone:
        found = getattr(message, "phones_found", None)
        phone = bool(found) if found is not None else has_phone(message.text)
    return engine.Facts(
        trigger=trigger, triggers=frozenset(triggers),
        channel_account_id=message.channel_account_id, text=engine.fold(message.text),
        has_phone=phone, label_ids=labels, inside_hours=inside_hours, returning=returning,
    )  # fmt: skip


def _log(rule: Rule, *, conversation, message, trigger, action, result, reason="", detail="",
         sent=None, now) -> RuleRun:  # fmt: skip
    run = RuleRun.objects.create(
        workspace_id=conversation.workspace_id, rule=rule, rule_name=rule.name,
        conversation=conversation, message=message, sent=sent, trigger=trigger, action=action,
        result=result, reason=reason, detail=detail[:2000], created_at=now,
    )  # fmt: skip
    if result == RunResult.DONE:
        Rule.objects.filter(pk=rule.pk).update(fire_count=F("fire_count") + 1, last_fired_at=now)
    return run_announce(run)


def reply_refusal(*, rule: Rule, conversation: Conversation, message: Message | None,
                  trigger: str, inside_hours: bool, now: datetime.datetime) -> str:  # fmt: skip
    """Why this rule may not answer now ("" when it may)."""
    if conversation.customer.is_blocked:
        return "blocked"
    if message is not None and (message.direction != Direction.IN or message.is_automated):
        return "not_a_customer"  # our own echoes and automated messages are never answered
    if conversation.assignee_id is not None and (
        rule.agent_guard == AgentGuard.BEFORE_CLAIM or inside_hours
    ):
        return "agent_holds"
    replies = RuleRun.objects.filter(action="reply", result=RunResult.DONE)
    if trigger in GREETINGS and replies.filter(conversation=conversation, rule=rule).exists():
        return "once_per_conversation"
    since = now - datetime.timedelta(minutes=rule.cooldown_minutes)
    if replies.filter(conversation=conversation, created_at__gt=since).exists():
        return "cooldown"
    hour_ago = now - datetime.timedelta(hours=1)
    if replies.filter(rule=rule, created_at__gt=hour_ago).count() >= rule.hourly_cap:
        return "hourly_cap"
    if message is not None:
        mine = (Message.objects.filter(conversation_id=conversation.pk, direction=Direction.OUT,
                                       is_automated=True).order_by("-pk")
                .values_list("text", flat=True).first())  # fmt: skip
        if mine and engine.fold(mine) == engine.fold(message.text):
            return "loop"  # another bot repeating our reply back
    return ""


def reply_text(rule: Rule, conversation: Conversation) -> str:
    return engine.render(rule.reply_text, name=conversation.customer.name, address=ADDRESS,
                         page=conversation.channel_account.display_name)  # fmt: skip


def act(decision: engine.Decision, *, facts: engine.Facts, conversation: Conversation,
         message: Message | None, now: datetime.datetime) -> Outcome:  # fmt: skip
    """The answer (at most one reply) and every matching rule's other actions, each logged."""
    outcome = Outcome(decision=decision)
    acting = [decision.answer] if decision.answer else []
    for matched in [*acting, *decision.others]:
        rule: Rule = matched.rule.payload
        trigger = matched.rule.trigger
        common = dict(conversation=conversation, message=message, trigger=trigger, now=now)
        if matched is decision.answer:
            refused = reply_refusal(rule=rule, conversation=conversation, message=message,
                                    trigger=trigger, inside_hours=facts.inside_hours, now=now)  # fmt: skip
            text = reply_text(rule, conversation)
            if refused:
                outcome.refused = refused
                _log(rule, action="reply", result=RunResult.REFUSED, reason=refused, detail=text,
                     **common)  # fmt: skip
                continue  # a refused answer changes nothing else either
            try:
                sent = message_send(conversation=conversation, author=None, text=text,
                                    automated=True, now=now)  # fmt: skip
            except ApplicationError as refusal:
                outcome.refused = refusal.code
                _log(rule, action="reply", result=RunResult.REFUSED, reason=refusal.code,
                     detail=refusal.message, **common)  # fmt: skip
                continue
            outcome.reply = text
            _log(rule, action="reply", result=RunResult.DONE, detail=text, sent=sent, **common)
        _labels(rule, **common)
        if rule.round_robin:
            _round_robin(rule, **common)
        if rule.start_sequence_id:
            started = followups.followup_start(rule=rule, conversation=conversation, now=now)
            _log(rule, action="start_sequence",
                 result=RunResult.DONE if started else RunResult.REFUSED,
                 reason="" if started else "already_running", **common)  # fmt: skip
        _more_actions(rule, inside_hours=facts.inside_hours, **common)
    return outcome


def _record(rule: Rule, done: actions.Done | None, **common) -> RuleRun | None:
    if done is None:
        return None
    return _log(rule, action=done.action, result=done.result, reason=done.reason,
                detail=done.detail, sent=done.sent, **common)  # fmt: skip


def _more_actions(rule: Rule, *, conversation, message, trigger, now, inside_hours) -> None:
    """Comment moderation, private reply, a named agent, the outcome, notices: each logged."""
    common = dict(conversation=conversation, message=message, trigger=trigger, now=now)
    if rule.hide_comment:
        _record(rule, actions.comment_hide(conversation=conversation, message=message, now=now),
                **common)  # fmt: skip
    if rule.private_reply_text.strip():
        _record(rule, actions.comment_private_reply(
            rule=rule, conversation=conversation, message=message, inside_hours=inside_hours,
            now=now), **common)  # fmt: skip
    if rule.assign_to_id:
        _record(rule, actions.give_to_agent(rule=rule, conversation=conversation, now=now),
                **common)  # fmt: skip
    if rule.set_outcome:
        _record(rule, actions.outcome_set(rule=rule, conversation=conversation), **common)
    if rule.notify:
        _notify(rule, **common)


def _notify(rule: Rule, *, conversation, message, trigger, now) -> None:
    common = dict(conversation=conversation, message=message, trigger=trigger, now=now)
    user_ids = notices.notice_recipients(rule=rule, conversation=conversation)
    text = engine.render(rule.notify_text or rule.name, name=conversation.customer.name,
                         address=ADDRESS, page=conversation.channel_account.display_name)  # fmt: skip
    if not user_ids:
        _log(rule, action="notify", result=RunResult.REFUSED, reason="nobody_to_notify",
             detail=text, **common)  # fmt: skip
        return
    run = _log(rule, action="notify", result=RunResult.DONE, detail=text, **common)
    notices.notices_give(run=run, user_ids=user_ids, text=text, now=now)


def message_rules_run(*, message: Message, specs, now: datetime.datetime | None = None,
                      inside_hours: bool | None = None) -> Outcome:  # fmt: skip
    """Run the rules on one customer message: the best answer (at most one reply) and every
    matching rule's other actions. `inside_hours`: the workspace's business hours at `now`,
    when the caller knows them (else read from the conversation's workspace)."""
    now = now or timezone.now()
    if message.is_automated:
        return Outcome(decision=engine.Decision(answer=None, others=(), losers=()))
    if not isinstance(specs, engine.RuleIndex):
        specs = engine.RuleIndex(specs)
    known_hours = inside_hours is not None
    if not known_hours and specs.reads_hours:
        inside_hours, known_hours = inside_hours_of(conversation_of(message), now), True
    facts = facts_for(message=message, specs=specs, inside_hours=bool(inside_hours))
    decision = engine.decide(specs, facts)
    if decision.answer is None and not decision.others:
        return Outcome(decision=decision)  # the common case: no row read, nothing written
    conversation = conversation_of(message)
    if conversation.customer.is_blocked:
        return Outcome(decision=engine.Decision(answer=None, others=(), losers=()))
    if not known_hours:  # no rule's condition read them: the agent guard does
        facts = dataclasses.replace(facts, inside_hours=inside_hours_of(conversation, now))
    return act(decision, facts=facts, conversation=conversation, message=message, now=now)


def inside_hours_of(conversation: Conversation, now: datetime.datetime) -> bool:
    return is_open(now, conversation.workspace.business_hours)


def conversation_rules_run(*, trigger: str, conversation_id: int, workspace_id: int,
                           label_id: int | None = None,
                           now: datetime.datetime | None = None) -> Outcome | None:  # fmt: skip
    """Run the rules of a trigger without a customer message (a label added, a close). For
    "a label is added", the label condition is the label just added (`label_id`)."""
    now = now or timezone.now()
    specs = active_specs(workspace_id=workspace_id, triggers=(trigger,))
    if not specs:
        return None
    conversation = (Conversation.objects.select_related("customer", "channel_account", "workspace")
                    .filter(workspace_id=workspace_id, pk=conversation_id).first())  # fmt: skip
    if conversation is None or conversation.customer.is_blocked:
        return None
    if label_id is not None:
        labels = frozenset({label_id})
    else:
        labels = frozenset(ConversationLabel.objects.filter(conversation_id=conversation.pk)
                           .values_list("label_id", flat=True))  # fmt: skip
    facts = engine.Facts(trigger=trigger, channel_account_id=conversation.channel_account_id,
                         label_ids=labels, inside_hours=inside_hours_of(conversation, now))  # fmt: skip
    return act(engine.decide(specs, facts), facts=facts, conversation=conversation,
                message=None, now=now)  # fmt: skip


def _round_robin(rule: Rule, *, conversation, message, trigger, now) -> None:
    common = dict(conversation=conversation, message=message, trigger=trigger, now=now)
    agent = routing_services.conversation_hand_to_round_robin(conversation=conversation, now=now)
    if agent is None:
        _log(rule, action="round_robin", result=RunResult.REFUSED, reason="nobody_or_held",
             **common)  # fmt: skip
    else:
        _log(rule, action="round_robin", result=RunResult.DONE, detail=str(agent.pk), **common)


def _labels(rule: Rule, *, conversation, message, trigger, now) -> None:
    common = dict(conversation=conversation, message=message, trigger=trigger, now=now)
    for action, label_id, service in (
        ("add_label", rule.add_label_id, conversation_label_add),
        ("remove_label", rule.remove_label_id, conversation_label_remove),
    ):
        if label_id is None:
            continue
        has = ConversationLabel.objects.filter(conversation_id=conversation.pk, label_id=label_id)
        if has.exists() == (action == "add_label"):
            continue  # nothing to change: nothing done, nothing logged
        try:
            service(conversation=conversation, user=None, label_id=label_id, now=now)
        except ApplicationError as refusal:
            _log(rule, action=action, result=RunResult.REFUSED, reason=refusal.code,
                 detail=refusal.message, **common)  # fmt: skip
        else:
            _log(rule, action=action, result=RunResult.DONE, detail=str(label_id), **common)


def rules_try(*, workspace, text: str, channel_account=None, returning: bool = False,
              now: datetime.datetime | None = None) -> Outcome:  # fmt: skip
    """The editor's "thử" box: which rule would answer `text` and with what. Reads only;
    nothing is sent, labelled or logged."""
    now = now or timezone.now()
    specs = active_specs(workspace_id=workspace.pk, triggers=MESSAGE_TRIGGERS)
    triggers = {Trigger.MESSAGE, Trigger.RETURNING_CUSTOMER if returning else Trigger.NEW_CUSTOMER}
    channel_id = channel_account.pk if channel_account is not None else (
        specs[0].channel_account_id if specs else 0)  # fmt: skip
    facts = engine.Facts(trigger=Trigger.MESSAGE, triggers=frozenset(triggers),
                         channel_account_id=channel_id or 0, text=engine.fold(text),
                         has_phone=has_phone(text), inside_hours=is_open(now, workspace.business_hours),
                         returning=returning)  # fmt: skip
    decision = engine.decide(specs, facts)
    reply = ""
    if decision.answer is not None:
        rule = decision.answer.rule.payload
        reply = engine.render(rule.reply_text, name="Lan", address=ADDRESS,
                              page=channel_account.display_name if channel_account else "")  # fmt: skip
    return Outcome(decision=decision, reply=reply)
