"""Races on a real PostgreSQL: threads with their own connections, started by a barrier."""

import datetime
from collections import Counter

import pytest
from django.utils import timezone

from accounts.models import Membership
from conversations.models import Conversation
from inbox_project.errors import ApplicationError
from routing import services
from routing.models import AgentPresence, AssignmentChange, ChannelAgent
from tests.factories import make_channel_account, make_conversation, make_user
from tests.routing.conftest import bulk_conversations, configure, go_online

pytestmark = pytest.mark.django_db(transaction=True)

CLAIMANTS = 50
TRIALS = 100


def test_fifty_simultaneous_claims_have_exactly_one_winner_every_time(
    workspace_a, page_a, gang, capture_events
):
    agents = [
        make_user(f"c{i}@a.test", f"Claimant {i}", workspace_a, "agent") for i in range(CLAIMANTS)
    ]
    threads = gang(CLAIMANTS)
    winners = Counter()
    for trial in range(TRIALS):
        conversation = make_conversation(page_a, f"race-{trial}", f"Khách {trial}")

        def attempt(index, conversation=conversation):
            try:
                services.conversation_claim(
                    conversation_id=conversation.pk, user=agents[index], workspace=workspace_a
                )
            except ApplicationError as refused:
                assert refused.code == "already_taken", refused.message
                return None
            return agents[index].pk

        results = [r for r in threads.run(attempt) if r is not None]
        assert len(results) == 1, f"trial {trial}: {len(results)} winners"
        held = Conversation.objects.get(workspace=workspace_a, pk=conversation.pk)
        assert held.assignee_id == results[0]
        winners[results[0]] += 1
    assert AssignmentChange.objects.filter(reason="claimed").count() == TRIALS
    assert capture_events.reasons().count("claimed") == TRIALS  # one push per win, none for losers


def test_two_sweepers_never_release_one_conversation_twice(workspace_a, page_a, bob, gang):
    configure(workspace_a, anti_steal_enabled=True, anti_steal_minutes=10)
    now = timezone.now()
    threads = gang(2)
    total = 0
    for round_ in range(3):
        batch = bulk_conversations(page_a, 100, prefix=f"sweep{round_}")
        Conversation.objects.filter(pk__in=[c.pk for c in batch]).update(
            assignee=bob, claimed_at=now, release_deadline=now - datetime.timedelta(seconds=1)
        )
        released = threads.run(lambda _i: services.release_due_sweep(now=now, limit=1000))
        assert sum(released) == 100
        total += 100
    per_conversation = Counter(
        AssignmentChange.objects.filter(reason="released_by_timer").values_list(
            "conversation_id", flat=True
        )
    )
    assert len(per_conversation) == total and set(per_conversation.values()) == {1}


def test_concurrent_round_robin_and_sweeps_respect_capacity_without_deadlock(
    workspace_a, page_a, gang
):
    """Two channels share three capped agents; eight threads route and sweep at once."""
    configure(workspace_a, mode="round_robin", anti_steal_enabled=True, anti_steal_minutes=10)
    zalo = make_channel_account(workspace_a, "zalo", "oa-9", "Zalo OA")
    agents = [make_user(f"rr{i}@a.test", f"RR {i}", workspace_a, "agent") for i in range(3)]
    for agent in agents:
        member = Membership.objects.get(user=agent, workspace=workspace_a)
        for account in (page_a, zalo):
            ChannelAgent.objects.create(
                workspace=workspace_a, channel_account=account, membership=member
            )
        go_online(agent, workspace_a)
    AgentPresence.objects.filter(workspace=workspace_a).update(capacity=5)
    conversations = bulk_conversations(page_a, 24, prefix="fb") + bulk_conversations(
        zalo, 24, prefix="zl"
    )
    # half of them already claimed by nobody-in-particular with deadlines due: sweeps race too
    now = timezone.now()
    threads = gang(8)

    def work(index):
        if index == 7:
            return services.release_due_sweep(now=now, limit=100)
        for conversation in conversations[index::7]:
            services.conversation_route_inbound(conversation=conversation, now=now)
        return 0

    threads.run(work)
    open_counts = Counter(
        Conversation.objects.filter(
            workspace=workspace_a, status="open", assignee__isnull=False
        ).values_list("assignee_id", flat=True)
    )
    assert all(n <= 5 for n in open_counts.values()), open_counts
    assert sum(open_counts.values()) == 15  # every seat filled, none beyond
