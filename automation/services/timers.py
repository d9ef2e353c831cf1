"""Timed rules: "the customer silent for X minutes" and "no agent reply for X minutes".

Each is a durable deadline on a `RuleTimer` row (one per rule and conversation), never a
countdown in the broker:

- **armed** by the event that starts the silence: an outbound message (ours, by an agent or
  automation) for `customer_silent`; a customer's inbox message for `no_agent_reply`. Arming
  is one `INSERT … ON CONFLICT DO UPDATE … WHERE status = 'cancelled'`: a timer already
  waiting keeps its first deadline, and one that fired stays fired, so a rule fires at most
  once per silence;
- **broken** (`cancelled`) by the event that ends it: the customer writes (`customer_silent`),
  an agent replies (`no_agent_reply`), the conversation closes (both);
- **swept** by beat (`timers_due_sweep`): due rows taken with `FOR UPDATE SKIP LOCKED`
  through the partial index `ruletimer_due`, one short transaction each. The sweep checks
  the silence again from the conversation's rows before acting, so an event missed while a
  process was down cannot make a rule act on a silence that was broken.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from automation import engine
from automation.models import RuleTimer, TimerStatus, Trigger, flag_set, timers_key
from automation.services import rules
from conversations.models import ConversationLabel, ConversationStatus, Direction, Message

log = logging.getLogger(__name__)

# What breaks each silence.
BREAKS = {Trigger.CUSTOMER_SILENT: "customer_wrote", Trigger.NO_AGENT_REPLY: "agent_replied"}

_ARM_SQL = """
INSERT INTO automation_ruletimer
    (workspace_id, rule_id, conversation_id, trigger, armed_at, due_at, status, reason)
SELECT %s, r, c, %s, a, a + make_interval(mins => m), 'active', ''
FROM unnest(%s::bigint[], %s::bigint[], %s::int[], %s::timestamptz[]) AS t(r, c, m, a)
ON CONFLICT (rule_id, conversation_id) DO UPDATE
    SET armed_at = EXCLUDED.armed_at, due_at = EXCLUDED.due_at, status = 'active',
        reason = '', ended_at = NULL
    WHERE automation_ruletimer.status = 'cancelled'
"""


class Silence(NamedTuple):
    """A conversation whose silence starts `at` (what arming reads of it)."""

    conversation_id: int
    channel_account_id: int
    at: datetime.datetime


def timers_arm(*, workspace_id: int, trigger: str, specs, silences: Iterable[Silence]) -> int:
    """Arm the `trigger` rules among `specs` on each silence's conversation (a rule narrowed
    to a page only there). One statement; returns how many timers it armed."""
    timed = [s for s in specs if s.trigger == trigger and s.wait_minutes]
    if not timed:
        return 0
    rules_, convs, minutes, ats = [], [], [], []
    for silence in silences:
        for spec in timed:
            if spec.channel_account_id in (None, silence.channel_account_id):
                rules_.append(spec.id)
                convs.append(silence.conversation_id)
                minutes.append(spec.wait_minutes)
                ats.append(silence.at)
    if not rules_:
        return 0
    flag_set(timers_key(workspace_id), workspace_id)
    with connection.cursor() as cursor:
        cursor.execute(_ARM_SQL, [workspace_id, trigger, rules_, convs, minutes, ats])
        return cursor.rowcount


def timers_break(*, conversation_ids, triggers, reason: str, now: datetime.datetime) -> int:
    """The silence is over: the conversations' waiting or fired timers of `triggers` may be
    armed again."""
    ids = list(conversation_ids)
    if not ids:
        return 0
    return (
        RuleTimer.objects.filter(conversation_id__in=ids, trigger__in=list(triggers))
        .exclude(status=TimerStatus.CANCELLED)
        .update(status=TimerStatus.CANCELLED, reason=reason, due_at=None, ended_at=now)
    )


def _silence_broken(row: RuleTimer) -> str:
    """Why the timer's silence is over, read from the rows ("" while it lasts)."""
    conversation = row.conversation
    if conversation.status != ConversationStatus.OPEN:
        return "closed"
    if row.trigger == Trigger.CUSTOMER_SILENT:
        wrote = conversation.last_inbound_at and conversation.last_inbound_at > row.armed_at
        return "customer_wrote" if wrote else ""
    replied = Message.objects.filter(
        conversation_id=conversation.pk, direction=Direction.OUT, is_automated=False,
        author__isnull=False, sent_at__gte=row.armed_at,
    ).exists()  # fmt: skip
    return "agent_replied" if replied else ""


def _fire(row: RuleTimer, *, now: datetime.datetime) -> None:
    rule = row.rule
    broken = _silence_broken(row)
    if broken or not rule.enabled or rule.trigger != row.trigger:
        row.status, row.reason = TimerStatus.CANCELLED, broken or "rule_changed"
        row.due_at, row.ended_at = None, now
        row.save(update_fields=["status", "reason", "due_at", "ended_at"])
        return
    row.status, row.due_at, row.ended_at = TimerStatus.FIRED, None, now
    row.save(update_fields=["status", "due_at", "ended_at"])
    conversation = row.conversation
    if conversation.customer.is_blocked:
        return
    labels = frozenset(ConversationLabel.objects.filter(conversation_id=conversation.pk)
                       .values_list("label_id", flat=True))  # fmt: skip
    spec = rules.spec_of(rule)
    facts = engine.Facts(
        trigger=row.trigger, channel_account_id=conversation.channel_account_id,
        label_ids=labels, inside_hours=rules.inside_hours_of(conversation, now),
    )  # fmt: skip
    decision = engine.decide([spec], facts)
    if decision.answer is None and not decision.others:
        return  # its conditions (page, label, hours) do not hold now
    try:
        with transaction.atomic():  # a failing action leaves the timer fired, not due again
            rules.act(decision, facts=facts, conversation=conversation, message=None, now=now)
    except Exception:
        log.exception("timed rule %s failed on conversation %s", rule.pk, conversation.pk)


def timers_due_queryset(*, now: datetime.datetime):
    return (
        RuleTimer.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("rule", "conversation__customer", "conversation__channel_account",
                        "conversation__workspace")
        .filter(status=TimerStatus.ACTIVE, due_at__lte=now)
        .order_by("due_at")
    )  # fmt: skip


def timers_due_sweep(*, now: datetime.datetime | None = None, limit: int = 200) -> int:
    """Act on every timed rule whose silence is due (up to `limit`); returns how many."""
    now = now or timezone.now()
    handled = 0
    for _ in range(limit):
        with transaction.atomic():
            row = timers_due_queryset(now=now).first()
            if row is None:
                break
            _fire(row, now=now)
            handled += 1
    return handled
