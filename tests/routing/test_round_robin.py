"""Round robin, first click, presence and handing out the waiting pool."""

import datetime
from collections import Counter

import pytest
from django.utils import timezone

from conversations.models import Conversation
from conversations.services import status as conversation_status
from routing import services
from routing.models import AgentPresence, AssignmentChange, ChannelAgent
from tests.factories import make_channel_account, make_user
from tests.routing.conftest import (
    assign_waiting_queued,
    bulk_conversations,
    configure,
    go_online,
    membership,
)

pytestmark = pytest.mark.django_db


def put_on_list(workspace, account, *users):
    ChannelAgent.objects.bulk_create(
        [
            ChannelAgent(
                workspace=workspace, channel_account=account, membership=membership(u, workspace)
            )
            for u in users
        ]
    )


def route_all(conversations, *, now=None):
    now = now or timezone.now()
    for conversation in conversations:
        services.conversation_route_inbound(conversation=conversation, now=now)


def owners(workspace) -> Counter:
    return Counter(
        Conversation.objects.filter(workspace=workspace, assignee__isnull=False).values_list(
            "assignee__email", flat=True
        )
    )


@pytest.fixture
def four_agents(workspace_a, page_a):
    agents = [make_user(f"agent{i}@a.test", f"Agent {i}", workspace_a, "agent") for i in range(4)]
    put_on_list(workspace_a, page_a, *agents)
    for agent in agents:
        go_online(agent, workspace_a)
    configure(workspace_a, mode="round_robin")
    return agents


def test_a_thousand_conversations_over_four_online_agents_are_shared_evenly(
    workspace_a, page_a, four_agents
):
    route_all(bulk_conversations(page_a, 1000))
    counts = owners(workspace_a)
    assert sum(counts.values()) == 1000
    assert all(249 <= n <= 251 for n in counts.values()), counts
    assert len(counts) == 4
    assert AssignmentChange.objects.filter(reason="auto_assigned").count() == 1000


def test_an_away_agent_gets_none(workspace_a, page_a, four_agents):
    services.presence_set(membership=membership(four_agents[0], workspace_a), status="away")
    route_all(bulk_conversations(page_a, 300))
    counts = owners(workspace_a)
    assert counts[four_agents[0].email] == 0
    assert sorted(counts.values()) == [100, 100, 100]


def test_an_agent_with_every_browser_closed_gets_none(workspace_a, page_a, four_agents):
    services.presence_socket_disconnected(user=four_agents[1], workspace_id=workspace_a.pk)
    route_all(bulk_conversations(page_a, 30))
    assert owners(workspace_a)[four_agents[1].email] == 0


def test_an_idle_agent_gets_none(workspace_a, page_a, four_agents):
    configure(workspace_a, mode="round_robin", idle_timeout_minutes=10)
    later = timezone.now() + datetime.timedelta(minutes=11)
    for agent in four_agents[1:]:
        services.presence_touch(user=agent, workspace_id=workspace_a.pk, now=later)
    route_all(bulk_conversations(page_a, 30), now=later)
    assert owners(workspace_a)[four_agents[0].email] == 0
    assert sum(owners(workspace_a).values()) == 30


def test_capacity_is_never_exceeded(workspace_a, page_a, four_agents):
    AgentPresence.objects.filter(workspace=workspace_a).update(capacity=3)
    AgentPresence.objects.filter(membership=membership(four_agents[0], workspace_a)).update(
        capacity=1
    )
    route_all(bulk_conversations(page_a, 20))
    counts = owners(workspace_a)
    assert counts[four_agents[0].email] == 1
    assert all(counts[a.email] == 3 for a in four_agents[1:])
    assert Conversation.objects.filter(workspace=workspace_a, assignee__isnull=True).count() == 10


def test_closing_frees_a_seat_and_the_waiting_pool_is_handed_out(workspace_a, page_a, four_agents):
    AgentPresence.objects.filter(workspace=workspace_a).update(capacity=1)
    route_all(bulk_conversations(page_a, 6))
    assert sum(owners(workspace_a).values()) == 4
    held = Conversation.objects.filter(workspace=workspace_a, assignee=four_agents[2]).get()
    conversation_status.conversation_close(
        conversation_id=held.pk, user=four_agents[2], workspace=workspace_a
    )
    assert services.assign_waiting(workspace_id=workspace_a.pk, now=timezone.now()) == 1
    # the closed one keeps its handler; the seat it freed took the next waiting customer
    assert owners(workspace_a)[four_agents[2].email] == 2
    assert (
        Conversation.objects.filter(
            workspace=workspace_a, assignee=four_agents[2], status="open"
        ).count()
        == 1
    )
    assert (
        Conversation.objects.filter(
            workspace=workspace_a, assignee__isnull=True, status="open"
        ).count()
        == 1
    )


def test_waiting_conversations_are_assigned_when_someone_comes_online(
    workspace_a, page_a, bob, capture_events
):
    configure(workspace_a, mode="round_robin")
    put_on_list(workspace_a, page_a, bob)
    waiting = bulk_conversations(page_a, 3)
    route_all(waiting)
    assert not owners(workspace_a)  # nobody online: they wait in the pool
    go_online(bob, workspace_a)
    assert capture_events.enqueued == [assign_waiting_queued(workspace_a)]  # on commit
    assert services.assign_waiting(workspace_id=workspace_a.pk, now=timezone.now()) == 3
    assert owners(workspace_a)[bob.email] == 3


def test_assign_waiting_sweep_covers_only_round_robin_workspaces_with_someone_online(
    workspace_a, workspace_b, page_a, page_b, bob, charlie
):
    configure(workspace_a, mode="round_robin")
    configure(workspace_b, mode="first_click")
    put_on_list(workspace_a, page_a, bob)
    put_on_list(workspace_b, page_b, charlie)
    bulk_conversations(page_a, 2)
    bulk_conversations(page_b, 2)
    go_online(bob, workspace_a)
    go_online(charlie, workspace_b)
    assert services.assign_waiting_sweep(now=timezone.now()) == 2
    assert owners(workspace_a)[bob.email] == 2
    assert not owners(workspace_b)  # first click: the pool waits for a claim


def test_a_channel_without_a_list_uses_the_default_list(workspace_a, page_a, bob, dan):
    other_page = make_channel_account(workspace_a, "zalo", "oa-1", "Zalo OA")
    configure(workspace_a, mode="round_robin")
    put_on_list(workspace_a, page_a, bob)  # page_a has its own list
    put_on_list(workspace_a, None, dan)  # the default list
    go_online(bob, workspace_a)
    go_online(dan, workspace_a)
    route_all(
        bulk_conversations(page_a, 4, prefix="fb") + bulk_conversations(other_page, 4, prefix="zl")
    )
    assert set(
        Conversation.objects.filter(channel_account=page_a).values_list(
            "assignee__email", flat=True
        )
    ) == {bob.email}
    assert set(
        Conversation.objects.filter(channel_account=other_page).values_list(
            "assignee__email", flat=True
        )
    ) == {dan.email}


def test_a_deactivated_member_gets_none(workspace_a, page_a, four_agents):
    dropped = membership(four_agents[3], workspace_a)
    dropped.is_active = False
    dropped.save()
    route_all(bulk_conversations(page_a, 9))
    assert owners(workspace_a)[four_agents[3].email] == 0


def test_first_click_leaves_new_conversations_in_the_pool(workspace_a, page_a, bob):
    configure(workspace_a, mode="first_click")
    put_on_list(workspace_a, page_a, bob)
    go_online(bob, workspace_a)
    route_all(bulk_conversations(page_a, 3))
    assert not owners(workspace_a)


def test_fair_over_time_an_agent_back_from_away_is_next_once(workspace_a, page_a, four_agents):
    first = membership(four_agents[0], workspace_a)
    services.presence_set(membership=first, status="away")
    route_all(bulk_conversations(page_a, 6, prefix="a"))
    services.presence_set(membership=first, status="online")
    batch = bulk_conversations(page_a, 4, prefix="b")
    route_all(batch)
    got = [Conversation.objects.get(pk=c.pk).assignee_id for c in batch]
    assert got[0] == four_agents[0].pk  # waited longest
    assert len(set(got)) == 4  # then everyone in turn


def test_presence_socket_counts(workspace_a, bob):
    services.presence_socket_connected(user=bob, workspace_id=workspace_a.pk)
    services.presence_socket_connected(user=bob, workspace_id=workspace_a.pk)
    services.presence_socket_disconnected(user=bob, workspace_id=workspace_a.pk)
    presence = AgentPresence.objects.get(membership=membership(bob, workspace_a))
    assert presence.socket_count == 1
    services.presence_socket_disconnected(user=bob, workspace_id=workspace_a.pk)
    services.presence_socket_disconnected(user=bob, workspace_id=workspace_a.pk)  # never negative
    presence.refresh_from_db()
    assert presence.socket_count == 0


def test_presence_for_a_foreign_workspace_is_ignored(workspace_b, bob):
    assert services.presence_socket_connected(user=bob, workspace_id=workspace_b.pk) is None
    assert not AgentPresence.objects.exists()


def test_touch_after_idle_hands_out_waiting(workspace_a, page_a, bob, capture_events):
    configure(workspace_a, mode="round_robin", idle_timeout_minutes=5)
    go_online(bob, workspace_a)
    capture_events.enqueued.clear()
    services.presence_touch(
        user=bob, workspace_id=workspace_a.pk, now=timezone.now() + datetime.timedelta(minutes=1)
    )
    assert capture_events.enqueued == []  # was not idle
    services.presence_touch(
        user=bob, workspace_id=workspace_a.pk, now=timezone.now() + datetime.timedelta(minutes=20)
    )
    assert capture_events.enqueued == [assign_waiting_queued(workspace_a)]


def test_channel_agent_lists_and_capacity_settings(workspace_a, page_a, page_b, alice, bob, dan):
    from inbox_project.errors import ApplicationError

    ids = [membership(bob, workspace_a).pk, membership(dan, workspace_a).pk]
    services.channel_agents_set(
        workspace=workspace_a, actor=alice, channel_account_id=page_a.pk, membership_ids=ids
    )
    assert ChannelAgent.objects.filter(channel_account=page_a).count() == 2
    services.channel_agents_set(
        workspace=workspace_a, actor=alice, channel_account_id=page_a.pk, membership_ids=ids[:1]
    )
    assert (
        list(
            ChannelAgent.objects.filter(channel_account=page_a).values_list(
                "membership_id", flat=True
            )
        )
        == ids[:1]
    )
    with pytest.raises(ApplicationError):  # a foreign channel
        services.channel_agents_set(
            workspace=workspace_a, actor=alice, channel_account_id=page_b.pk, membership_ids=ids
        )
    with pytest.raises(ApplicationError):  # agents are not admins
        services.channel_agents_set(
            workspace=workspace_a, actor=bob, channel_account_id=None, membership_ids=ids
        )
    services.agent_capacity_set(workspace=workspace_a, actor=alice, capacities={ids[0]: 4})
    assert AgentPresence.objects.get(membership_id=ids[0]).capacity == 4
