"""The facts of one conversation, as a pure function of what the inbox and routing recorded
about it. This is the one definition of every per-conversation figure: live derivation and
`reports_backfill` both call it, and re-deriving gives the same keys, so a fact is written
once however often it is derived.

Definitions (docs/reports.md says the same in words):
- a **cycle** starts when the conversation starts and again when it is reopened; its **first
  response** is the first agent reply to a customer message of that cycle;
- a reply's **response time** runs from the oldest customer message not yet answered by an
  agent to that reply (automated messages, notes and system lines answer nothing);
- an agent **handled** a conversation on a local day when they claimed it or replied in it;
- a customer message counts for the agent who held the conversation when it came.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo

from accounts.business_hours import BusinessHours, open_seconds_between
from reports.counters import RETURNED
from reports.spans import closing_spans

CLAIMED = "claimed"
HOLDER_CHANGES = {"auto_assigned", "admin_assigned", "released", "admin_unassigned"}


@dataclass(frozen=True)
class ConversationInput:
    id: int
    workspace_id: int
    channel_account_id: int
    customer_id: int
    created_at: datetime.datetime
    is_returning: bool


@dataclass(frozen=True)
class MessageInput:
    id: int
    direction: str  # "in" / "out"
    kind: str  # inbox, comment, note, system
    author_id: int | None
    is_automated: bool
    sent_at: datetime.datetime


@dataclass(frozen=True)
class ChangeInput:
    id: int
    reason: str
    from_user_id: int | None
    to_user_id: int | None
    actor_id: int | None
    created_at: datetime.datetime


@dataclass(frozen=True)
class OrderInput:
    id: int
    status: str
    amount_vnd: int
    created_by_id: int | None
    created_at: datetime.datetime


@dataclass(frozen=True)
class LabelInput:
    id: int  # the conversation-label row
    label_id: int
    added_by_id: int | None
    added_at: datetime.datetime


@dataclass(frozen=True)
class Fact:
    key: str
    kind: str
    occurred_at: datetime.datetime
    day: datetime.date
    hour: int
    conversation_id: int | None
    channel_account_id: int | None
    customer_id: int | None
    agent_id: int | None = None
    label_id: int | None = None
    conversation_kind: str = ""
    value: int | None = None
    value_business: int | None = None
    first: bool = False
    detail: str = ""
    # handled facts only: the conversation's latest earlier day handled by anyone, and by this
    # agent. With `first` (the conversation's first handled fact of its day) they make the
    # distinct counts of handled conversations sums over days (selectors/figures.py).
    prev_day: datetime.date | None = None
    prev_day_agent: datetime.date | None = None
    # handled, order and (conversation) closing facts (_LABELLED): the conversation's labels
    labels: tuple[int, ...] | None = None
    # closing facts (a span from a handled day to a sale day): its first day; their
    # `prev_day` is the start of the conversation's (or the agent's) span before
    span_start: datetime.date | None = None


@dataclass
class _State:
    holder: int | None = None
    waiting_since: datetime.datetime | None = None
    answered: bool = False  # the cycle had its first response
    closed: bool = False
    kind: str = "inbox"  # the conversation's kind: how its first customer message came
    handled: set = field(default_factory=set)
    handled_at: dict = field(default_factory=dict)  # (agent, day) -> when
    handled_last_day: datetime.date | None = None  # the latest day anyone handled it
    handled_day_before: datetime.date | None = None  # the handled day before that one
    agent_last_day: dict = field(default_factory=dict)


_LABELLED = ("handled", "order", "closing")
# The order of things at the same instant: owner changes, then customer messages, then the
# rest, then replies.
_RANK = {"change": 0, "in": 1, "order": 2, "label": 2, "out": 3}


def conversation_facts(
    conversation: ConversationInput,
    *,
    messages: list[MessageInput],
    changes: list[ChangeInput],
    orders: list[OrderInput],
    labels: list[LabelInput],
    hours: BusinessHours,
) -> list[Fact]:
    zone = ZoneInfo(hours.zone)
    facts: list[Fact] = []
    state = _State()

    def fact(key, kind, at, **extra) -> None:
        local = at.astimezone(zone)
        facts.append(
            Fact(
                key=key, kind=kind, occurred_at=at, day=local.date(), hour=local.hour,
                conversation_id=conversation.id,
                channel_account_id=conversation.channel_account_id,
                customer_id=conversation.customer_id, **extra,
            )
        )  # fmt: skip

    def handled(agent_id, at) -> None:
        day = at.astimezone(zone).date()
        if agent_id is None or (agent_id, day) in state.handled:
            return
        state.handled.add((agent_id, day))
        state.handled_at[(agent_id, day)] = at
        first = day != state.handled_last_day  # the timeline runs forward: days never go back
        if first:
            state.handled_day_before, state.handled_last_day = state.handled_last_day, day
        fact(
            f"h:{conversation.id}:{agent_id}:{day.isoformat()}", "handled", at, agent_id=agent_id,
            first=first, prev_day=state.handled_day_before,
            prev_day_agent=state.agent_last_day.get(agent_id),
        )  # fmt: skip
        state.agent_last_day[agent_id] = day

    customer_messages = [
        m for m in messages if m.direction == "in" and m.kind in ("inbox", "comment")
    ]
    state.kind = customer_messages[0].kind if customer_messages else "inbox"
    fact(
        f"c:{conversation.id}", "conversation", conversation.created_at,
        conversation_kind=state.kind, detail="returning" if conversation.is_returning else "new",
    )  # fmt: skip

    timeline: list[tuple] = []
    for message in messages:
        if message.kind in ("inbox", "comment"):
            timeline.append((message.sent_at, _RANK[message.direction], message.id, message))
    timeline += [(c.created_at, _RANK["change"], c.id, c) for c in changes]
    timeline += [(o.created_at, _RANK["order"], o.id, o) for o in orders]
    timeline += [(x.added_at, _RANK["label"], x.id, x) for x in labels]
    timeline.sort(key=lambda item: item[:3])

    for at, _rank, _id, item in timeline:
        if isinstance(item, MessageInput):
            if item.direction == "in":
                _customer_message(item, state, fact)
            elif item.author_id is not None and not item.is_automated:
                _agent_reply(item, state, fact, hours)
                handled(item.author_id, at)
        elif isinstance(item, ChangeInput):
            _owner_change(conversation, item, state, fact)
            if item.reason == CLAIMED:
                handled(item.to_user_id, at)
        elif isinstance(item, OrderInput):
            fact(
                f"o:{item.id}", "order", at, value=item.amount_vnd, detail=item.status,
                agent_id=item.created_by_id if item.created_by_id is not None else state.holder,
            )  # fmt: skip
        else:
            fact(f"l:{item.id}", "label", at, label_id=item.label_id, agent_id=item.added_by_id)
    _closing(facts, state, fact)
    carried = tuple(sorted({x.label_id for x in labels}))
    return [replace(f, labels=carried) if f.kind in _LABELLED else f for f in facts]


def _closing(facts: list[Fact], state: _State, fact) -> None:
    """The closing spans (reports/spans.py) of the conversation ("closing", any agent) and of
    each agent who handled it ("closing_agent"): a day it was handled next to a day it had a
    sale (an order whose status is not returned)."""
    sold: dict = {}
    for f in facts:
        if f.kind == "order" and f.detail != RETURNED and f.day not in sold:
            sold[f.day] = f.occurred_at
    if not sold:
        return
    by_owner: dict = {None: {}}
    for (agent_id, day), at in sorted(state.handled_at.items(), key=lambda item: item[1]):
        by_owner.setdefault(agent_id, {}).setdefault(day, at)
        by_owner[None].setdefault(day, at)
    conversation_id = facts[0].conversation_id
    for owner, handled in by_owner.items():
        for span in closing_spans(handled, sold):
            fact(
                f"k:{conversation_id}:{owner or 0}:{span.start.isoformat()}:{span.end.isoformat()}",
                "closing" if owner is None else "closing_agent", span.at, agent_id=owner,
                prev_day=span.previous_start, span_start=span.start,
            )  # fmt: skip


def _customer_message(message: MessageInput, state: _State, fact) -> None:
    if state.closed:  # the customer's message reopens it: a new cycle
        state.closed, state.answered = False, False
    if state.waiting_since is None:
        state.waiting_since = message.sent_at
    fact(
        f"m:{message.id}", "inbound", message.sent_at, agent_id=state.holder,
        conversation_kind=message.kind,
    )  # fmt: skip


def _agent_reply(message: MessageInput, state: _State, fact, hours: BusinessHours) -> None:
    waited, waited_open, first = None, None, False
    if state.waiting_since is not None:
        waited = int((message.sent_at - state.waiting_since).total_seconds())
        waited_open = open_seconds_between(state.waiting_since, message.sent_at, hours)
        first = not state.answered
        state.answered = True
    state.waiting_since = None
    fact(
        f"m:{message.id}", "reply", message.sent_at, agent_id=message.author_id,
        conversation_kind=message.kind, value=waited, value_business=waited_open, first=first,
    )  # fmt: skip


def _owner_change(conversation, change: ChangeInput, state: _State, fact) -> None:
    at, key = change.created_at, f"a:{change.id}"
    if change.reason == CLAIMED:
        fact(key, "claim", at, agent_id=change.to_user_id)
    elif change.reason == "transferred":
        fact(key + ":out", "transfer_out", at, agent_id=change.from_user_id)
        fact(key + ":in", "transfer_in", at, agent_id=change.to_user_id)
    elif change.reason == "released_by_timer":
        fact(key, "release", at, agent_id=change.from_user_id)
    elif change.reason == "closed":
        state.closed = True
    elif change.reason == "reopened":
        if change.actor_id is None:  # the customer came back
            fact(
                f"c:{conversation.id}:r{change.id}", "conversation", at, agent_id=change.to_user_id,
                conversation_kind=state.kind, detail="returning",
            )  # fmt: skip
        state.closed, state.answered = False, False
    elif change.reason not in HOLDER_CHANGES:
        return
    state.holder = change.to_user_id
