"""Who owns a conversation, and every way that changes; plus agent presence and the admin's
routing settings. One module per responsibility:

- ownership.py       claim, release, transfer, admin assign / unassign
- round_robin.py     the next agent of a channel who is online with room
- inbound.py         reactions to the inbox: a customer's message, a reply, close, reopen
- sweeps.py          anti-steal release when due; handing out the waiting pool
- presence.py        online / away, inbox sockets, activity
- admin_settings.py  routing settings, channel agent lists, capacities
- records.py         the one owner change (write + history, event, timeline, pushes)
- _common.py         the locked read, admin / member checks, anti-steal deadlines

Concurrency: a claim is one conditional UPDATE (`... WHERE assignee IS NULL`): one row
updated means you won. Everything else locks in one order: the conversation row (FOR NO KEY
UPDATE, so inserting its messages is not blocked), then the round-robin list rows of its
channel, then agents' presence rows by id. Each transaction routes one conversation and no
lock outlives a request, so routing paths cannot deadlock one another. Side effects (live
pushes, tasks queued by name) leave on commit.

This module is the package's public face: `from routing import services`.
"""

from routing.services.admin_settings import (
    agent_capacity_set,
    channel_agents_set,
    routing_settings_update,
)
from routing.services.inbound import (
    conversation_closed_record,
    conversation_note_agent_reply,
    conversation_reopened_assign,
    conversation_route_inbound,
    conversations_route_inbound_many,
)
from routing.services.ownership import (
    conversation_assign,
    conversation_claim,
    conversation_release,
    conversation_transfer,
    conversation_unassign,
)
from routing.services.presence import (
    presence_set,
    presence_socket_connected,
    presence_socket_disconnected,
    presence_touch,
)
from routing.services.round_robin import (
    conversation_give_automatically,
    conversation_hand_to_round_robin,
)
from routing.services.sweeps import (
    assign_waiting,
    assign_waiting_sweep,
    release_due_queryset,
    release_due_sweep,
    waiting_queryset,
)

__all__ = [
    "agent_capacity_set",
    "assign_waiting",
    "assign_waiting_sweep",
    "channel_agents_set",
    "conversation_assign",
    "conversation_claim",
    "conversation_closed_record",
    "conversation_give_automatically",
    "conversation_hand_to_round_robin",
    "conversation_note_agent_reply",
    "conversation_release",
    "conversation_reopened_assign",
    "conversation_route_inbound",
    "conversation_transfer",
    "conversation_unassign",
    "conversations_route_inbound_many",
    "presence_set",
    "presence_socket_connected",
    "presence_socket_disconnected",
    "presence_touch",
    "release_due_queryset",
    "release_due_sweep",
    "routing_settings_update",
    "waiting_queryset",
]
