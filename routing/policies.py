"""Routing rules as pure functions: no database, `now` is always a parameter."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from accounts.business_hours import BusinessHours, deadline_after
from conversations.permissions import (  # noqa: F401  (re-exported)
    REFUSE_CLAIM_FIRST,
    REFUSE_TAKEN,
    act_refusal,
)

UTC = datetime.UTC

# Why an agent may not act on a conversation (None: they may): the rule lives with the
# conversation (re-exported here), so the inbox offers exactly the controls it allows.


def inbound_needs_routing(
    *, status: str, assignee_id: int | None, release_deadline, mode: str, anti_steal: bool
) -> bool:
    """Does a customer's new message change anything routing owns? A closed conversation
    reopens; an unclaimed one is dealt out in round-robin mode; a claimed one arms its
    anti-steal clock unless it is already running. Everything else: nothing to do."""
    if status == "closed":
        return True
    if assignee_id is None:
        return mode == "round_robin"
    return anti_steal and release_deadline is None


def is_waiting_for_reply(
    *, last_inbound_at: datetime.datetime | None, last_outbound_at: datetime.datetime | None
) -> bool:
    """The customer wrote last: someone owes them an answer."""
    if last_inbound_at is None:
        return False
    return last_outbound_at is None or last_inbound_at > last_outbound_at


def release_deadline_at(
    *, start: datetime.datetime, minutes: int, hours: BusinessHours | None = None
) -> datetime.datetime:
    """When an unanswered claim lapses: `minutes` after `start`, counting only business time
    when `hours` is given (time outside opening hours does not run the clock)."""
    return deadline_after(start=start, minutes=minutes, hours=hours)


# --- presence ----------------------------------------------------------------------------

STATE_ONLINE = "online"
STATE_IDLE = "idle"
STATE_AWAY = "away"
STATE_OFFLINE = "offline"


def presence_state(
    *,
    status: str,
    socket_count: int,
    last_seen_at: datetime.datetime | None,
    idle_timeout_minutes: int,
    now: datetime.datetime,
) -> str:
    """What an agent is right now: offline when no browser is connected, away by choice,
    idle when online but silent beyond the workspace's idle timeout, else online."""
    if socket_count <= 0:
        return STATE_OFFLINE
    if status != STATE_ONLINE:
        return STATE_AWAY
    if idle_timeout_minutes and (
        last_seen_at is None
        or now - last_seen_at > datetime.timedelta(minutes=idle_timeout_minutes)
    ):
        return STATE_IDLE
    return STATE_ONLINE


def has_room(*, open_count: int, capacity: int | None) -> bool:
    return capacity is None or open_count < capacity


@dataclass(frozen=True)
class Candidate:
    """One row of a round-robin list, with what eligibility needs to know."""

    user_id: int
    turn: int
    row_id: int
    state: str
    open_count: int = 0
    capacity: int | None = None


def round_robin_order(
    candidates: Iterable[Candidate], *, exclude_user_ids: Iterable[int] = ()
) -> list[Candidate]:
    """Eligible agents, the one who waited longest for a customer first (lowest turn; ties by
    list order). Away, idle, offline and full agents are skipped, not moved back: they keep
    their place and get the next customer once they are online again."""
    excluded = set(exclude_user_ids)
    eligible = [
        c
        for c in candidates
        if c.user_id not in excluded
        and c.state == STATE_ONLINE
        and has_room(open_count=c.open_count, capacity=c.capacity)
    ]
    return sorted(eligible, key=lambda c: (c.turn, c.row_id))


def next_turn(turns: Sequence[int]) -> int:
    return (max(turns) if turns else 0) + 1


# --- closing and the customer's return -------------------------------------------------------


@dataclass(frozen=True)
class ReturnOutcome:
    """What a customer's new message does to a closed conversation."""

    reopen: bool
    free_owner: bool  # the last handler no longer holds it: it can be claimed or dealt anew


def owner_kept_on_close(*, assignee_id: int | None) -> int | None:
    """Closing keeps the last handler: history, "my customers" and the reports need to know
    who handled the customer. Only the anti-steal clock stops."""
    return assignee_id


def on_customer_return(*, status: str, assignee_id: int | None) -> ReturnOutcome:
    """A closed conversation reopens when the customer writes again, and its last handler
    lets go of it: the new consultation goes to whoever claims it (first click), to the next
    online agent (round robin) or to an admin's choice (manual). An open conversation keeps
    its owner."""
    if status != "closed":
        return ReturnOutcome(reopen=False, free_owner=False)
    return ReturnOutcome(reopen=True, free_owner=assignee_id is not None)
