"""Follow-up sequences (durable deadlines, swept by beat like routing's anti-steal release).

A rule starts one on a conversation (`followup_start`); its `due_at` is the next step's
time. The beat sweep (`followups_due_sweep`) takes due rows with `FOR UPDATE SKIP LOCKED`
through the partial index `followup_due`, one short transaction each, sends the step as
automation through the reply-window policy (a refused step is skipped and logged with its
reason) and moves to the next step or finishes. Nothing waits in the broker: a beat or
worker restart loses nothing, and a late sweep sends what fell due meanwhile.

A follow-up is cancelled when the customer writes, an agent replies or the conversation
closes (the subscribers call `followups_cancel`; the sweep checks the same facts again
before it sends, so an event missed while a process was down cannot make it talk anyway).
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from automation.models import (
    FollowUp,
    FollowUpStatus,
    Rule,
    RuleRun,
    RunResult,
    flag_set,
    followups_key,
)
from automation.services.run_announce import run_announce
from conversations.models import ConversationLabel, ConversationStatus, Direction, Message
from conversations.services.outbound import message_send
from inbox_project.errors import ApplicationError

ACTION = "follow_up"


def followup_start(*, rule: Rule, conversation, now: datetime.datetime) -> FollowUp | None:
    """Start the rule's sequence on the conversation; None when it has no steps or is
    already running there."""
    steps = list(rule.start_sequence.steps.all())
    if not steps:
        return None
    flag_set(followups_key(conversation.workspace_id), conversation.workspace_id)
    try:
        with transaction.atomic():
            return FollowUp.objects.create(
                workspace_id=conversation.workspace_id, sequence=rule.start_sequence,
                conversation=conversation, rule=rule, started_at=now,
                due_at=now + datetime.timedelta(hours=steps[0].after_hours),
            )  # fmt: skip
    except IntegrityError:  # one active run per conversation and sequence
        return None


def followups_cancel(*, conversation_ids, reason: str, now: datetime.datetime) -> int:
    ids = list(conversation_ids)
    if not ids:
        return 0
    return FollowUp.objects.filter(conversation_id__in=ids, status=FollowUpStatus.ACTIVE).update(
        status=FollowUpStatus.CANCELLED, reason=reason, ended_at=now, due_at=None
    )


def _log(row: FollowUp, *, result: str, reason: str = "", detail: str = "", sent=None, now):
    run_announce(RuleRun.objects.create(
        workspace_id=row.workspace_id, rule=row.rule, rule_name=row.sequence.name,
        conversation=row.conversation, sent=sent, trigger="follow_up", action=ACTION,
        result=result, reason=reason, detail=detail[:2000], created_at=now,
    ))  # fmt: skip


def _end(row: FollowUp, *, status: str, reason: str, now) -> None:
    row.status, row.reason, row.ended_at, row.due_at = status, reason, now, None
    row.save(update_fields=["status", "reason", "ended_at", "due_at"])


def _stop_reason(row: FollowUp) -> str:
    """Why this follow-up must stop now ("" when it may go on)."""
    conversation = row.conversation
    if conversation.status != ConversationStatus.OPEN:
        return "closed"
    if conversation.customer.is_blocked:
        return "blocked"
    if conversation.last_inbound_at and conversation.last_inbound_at > row.started_at:
        return "customer_wrote"
    agent_replied = Message.objects.filter(
        conversation_id=conversation.pk, direction=Direction.OUT, is_automated=False,
        author__isnull=False, sent_at__gt=row.started_at,
    ).exists()  # fmt: skip
    return "agent_replied" if agent_replied else ""


def _fire(row: FollowUp, *, now: datetime.datetime) -> None:
    stop = _stop_reason(row)
    if stop:
        _end(row, status=FollowUpStatus.CANCELLED, reason=stop, now=now)
        return
    steps = list(row.sequence.steps.all())
    if row.next_step >= len(steps):
        _end(row, status=FollowUpStatus.DONE, reason="", now=now)
        return
    step = steps[row.next_step]
    has_label = (
        step.needs_label_id is None
        or ConversationLabel.objects.filter(
            conversation_id=row.conversation_id, label_id=step.needs_label_id
        ).exists()
    )
    if not has_label:
        _log(row, result=RunResult.REFUSED, reason="label_missing", detail=step.text, now=now)
    else:
        try:
            sent = message_send(conversation=row.conversation, author=None, text=step.text,
                                automated=True, now=now)  # fmt: skip
        except ApplicationError as refusal:  # the step is skipped, with its reason
            _log(row, result=RunResult.REFUSED, reason=refusal.code, detail=refusal.message,
                 now=now)  # fmt: skip
        else:
            _log(row, result=RunResult.DONE, detail=step.text, sent=sent, now=now)
    row.next_step += 1
    if row.next_step >= len(steps):
        _end(row, status=FollowUpStatus.DONE, reason="", now=now)
        return
    row.due_at = now + datetime.timedelta(hours=steps[row.next_step].after_hours)
    row.save(update_fields=["next_step", "due_at"])


def followups_due_queryset(*, now: datetime.datetime):
    return (
        FollowUp.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("conversation__customer", "conversation__channel_account", "sequence",
                        "rule")
        .filter(status=FollowUpStatus.ACTIVE, due_at__lte=now)
        .order_by("due_at")
    )  # fmt: skip


def followups_due_sweep(*, now: datetime.datetime | None = None, limit: int = 200) -> int:
    """Fire every follow-up step that is due (up to `limit`); returns how many were handled."""
    now = now or timezone.now()
    handled = 0
    for _ in range(limit):
        with transaction.atomic():
            row = followups_due_queryset(now=now).first()
            if row is None:
                break
            _fire(row, now=now)
            handled += 1
    return handled
