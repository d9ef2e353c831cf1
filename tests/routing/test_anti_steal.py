"""Anti-steal release, inbound routing and reopening, the sweep and its index."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from conversations.domain_events import ConversationReopened, OwnerChanged
from conversations.models import Conversation, Message
from conversations.services import status as conversation_status
from routing import services
from routing.models import AssignmentChange, ChannelAgent
from tests.routing.conftest import configure, go_online, membership

pytestmark = pytest.mark.django_db

SWEEP_INTERVAL = datetime.timedelta(seconds=5)


def fresh(conversation) -> Conversation:
    return Conversation.objects.get(workspace_id=conversation.workspace_id, pk=conversation.pk)


def claim(conversation, user, now=None):
    return services.conversation_claim(
        conversation_id=conversation.pk, user=user, workspace=conversation.workspace, now=now
    )


def customer_writes(conversation, now):
    """What the inbound recorder does before calling routing."""
    Conversation.objects.filter(pk=conversation.pk).update(
        last_inbound_at=now, last_message_at=now, last_message_direction="in"
    )
    return services.conversation_route_inbound(conversation=conversation, now=now)


def agent_replies(conversation, user, now):
    Conversation.objects.filter(pk=conversation.pk).update(
        last_outbound_at=now, last_message_at=now, last_message_direction="out"
    )
    services.conversation_note_agent_reply(conversation=conversation, user=user, now=now)


@pytest.fixture
def armed(workspace_a, conversation_a, bob):
    """Bob claimed and answered; then the customer writes at T0 with anti-steal at 10 min."""
    configure(workspace_a, anti_steal_enabled=True, anti_steal_minutes=10)
    t0 = timezone.now()
    claim(conversation_a, bob, now=t0 - datetime.timedelta(minutes=2))
    agent_replies(conversation_a, bob, t0 - datetime.timedelta(minutes=1))
    assert fresh(conversation_a).release_deadline is None
    customer_writes(conversation_a, t0)
    return t0


def test_a_customer_message_arms_the_deadline(armed, conversation_a):
    assert fresh(conversation_a).release_deadline == armed + datetime.timedelta(minutes=10)


def test_later_customer_messages_do_not_push_the_deadline_back(armed, conversation_a):
    customer_writes(conversation_a, armed + datetime.timedelta(minutes=4))
    assert fresh(conversation_a).release_deadline == armed + datetime.timedelta(minutes=10)


def test_the_claimants_reply_disarms_it(armed, conversation_a, bob, capture_events):
    agent_replies(conversation_a, bob, armed + datetime.timedelta(minutes=3))
    assert fresh(conversation_a).release_deadline is None
    assert "release_disarmed" in capture_events.reasons()


def test_someone_elses_reply_does_not_disarm_it(armed, conversation_a, adam):
    agent_replies(conversation_a, adam, armed + datetime.timedelta(minutes=3))
    assert fresh(conversation_a).release_deadline is not None


def test_released_exactly_at_the_deadline_not_before(armed, conversation_a, bob, capture_events):
    deadline = armed + datetime.timedelta(minutes=10)
    assert services.release_due_sweep(now=deadline - datetime.timedelta(milliseconds=1)) == 0
    assert fresh(conversation_a).assignee_id == bob.pk
    # The beat sweeps every SWEEP_INTERVAL: a sweep at any moment in (T, T + interval]
    # releases it, so it is free by T + interval + 1 s at the latest.
    assert services.release_due_sweep(now=deadline) == 1
    released = fresh(conversation_a)
    assert released.assignee_id is None and released.release_deadline is None
    change = AssignmentChange.objects.get(conversation=conversation_a, reason="released_by_timer")
    assert change.from_user == bob and change.actor is None and change.to_user is None
    event = Message.objects.filter(conversation=conversation_a, kind="system").latest("id")
    assert event.meta["reason"] == "released_by_timer" and event.meta["minutes"] == 10
    assert event.external_id is None
    assert "released_by_timer" in capture_events.reasons()
    assert services.release_due_sweep(now=deadline + SWEEP_INTERVAL) == 0  # once only


def test_in_round_robin_the_customer_goes_to_the_next_agent(
    armed, workspace_a, page_a, conversation_a, bob, dan
):
    configure(workspace_a, mode="round_robin", anti_steal_enabled=True, anti_steal_minutes=10)
    ChannelAgent.objects.bulk_create(
        [
            ChannelAgent(
                workspace=workspace_a, channel_account=page_a, membership=membership(u, workspace_a)
            )
            for u in (bob, dan)
        ]
    )
    go_online(bob, workspace_a)
    go_online(dan, workspace_a)
    deadline = armed + datetime.timedelta(minutes=10)
    assert services.release_due_sweep(now=deadline) == 1
    moved = fresh(conversation_a)
    assert moved.assignee_id == dan.pk  # never back to bob, who did not answer
    assert moved.release_deadline == deadline + datetime.timedelta(minutes=10)  # dan's clock
    assert list(
        AssignmentChange.objects.filter(conversation=conversation_a)
        .order_by("id")
        .values_list("reason", flat=True)
    )[-2:] == ["released_by_timer", "auto_assigned"]


def test_switching_anti_steal_off_stops_running_clocks(armed, workspace_a, alice, conversation_a):
    services.routing_settings_update(workspace=workspace_a, actor=alice, anti_steal_enabled=False)
    assert fresh(conversation_a).release_deadline is None


def test_a_clock_left_armed_when_anti_steal_was_switched_off_only_stops(
    armed, workspace_a, conversation_a, bob
):
    configure(workspace_a, anti_steal_enabled=False)
    assert services.release_due_sweep(now=armed + datetime.timedelta(hours=1)) == 0
    stopped = fresh(conversation_a)
    assert stopped.assignee_id == bob.pk and stopped.release_deadline is None


def test_no_deadline_when_anti_steal_is_off(workspace_a, conversation_a, bob):
    claim(conversation_a, bob)
    customer_writes(conversation_a, timezone.now())
    assert fresh(conversation_a).release_deadline is None


def test_business_hours_only(workspace_a, conversation_a, bob):
    workspace_a.time_zone = "Asia/Ho_Chi_Minh"
    workspace_a.save()
    configure(
        workspace_a,
        anti_steal_enabled=True,
        anti_steal_minutes=30,
        business_hours_only=True,
        business_days=[0, 1, 2, 3, 4, 5],
        business_start=datetime.time(8),
        business_end=datetime.time(22),
    )
    claim(conversation_a, bob)
    agent_replies(conversation_a, bob, timezone.now())
    # Friday 21:50 local: 10 minutes Friday, 20 minutes from Saturday 08:00.
    friday = datetime.datetime(2026, 3, 6, 14, 50, tzinfo=datetime.UTC)
    customer_writes(conversation_a, friday)
    assert fresh(conversation_a).release_deadline == datetime.datetime(
        2026, 3, 7, 1, 20, tzinfo=datetime.UTC
    )


def test_a_customer_message_reopens_a_closed_conversation_and_routes_it(
    workspace_a, page_a, conversation_a, bob, dan, capture_events
):
    configure(workspace_a, mode="round_robin")
    ChannelAgent.objects.create(
        workspace=workspace_a, channel_account=page_a, membership=membership(dan, workspace_a)
    )
    go_online(dan, workspace_a)
    claim(conversation_a, bob)
    conversation_status.conversation_close(
        conversation_id=conversation_a.pk, user=bob, workspace=workspace_a
    )
    customer_writes(conversation_a, timezone.now())
    reopened = fresh(conversation_a)
    assert reopened.status == "open" and reopened.closed_at is None
    assert reopened.assignee_id == dan.pk
    kinds = list(
        Message.objects.filter(conversation=conversation_a, kind="system")
        .order_by("id")
        .values_list("meta__event", "meta__reason")
    )
    assert kinds[-2:] == [("reopened", None), ("assignment", "auto_assigned")]
    assert "reopened" in capture_events.reasons()
    closed, returned, dealt = capture_events.domain_events(OwnerChanged)[-3:]
    assert (closed.reason, closed.from_user_id, closed.to_user_id) == ("closed", bob.pk, bob.pk)
    assert (returned.reason, returned.from_user_id, returned.to_user_id) == (
        "reopened",
        bob.pk,
        None,
    )
    assert (dealt.reason, dealt.to_user_id) == ("auto_assigned", dan.pk)
    [reopen] = capture_events.domain_events(ConversationReopened)
    assert reopen == ConversationReopened(
        workspace_id=workspace_a.pk, conversation_id=conversation_a.pk, previous_status="closed",
        actor_id=None, handler_id=bob.pk, reopened_at=reopen.reopened_at,
    )  # fmt: skip


def test_route_inbound_refreshes_the_callers_instance(workspace_a, page_a, conversation_a, bob):
    configure(workspace_a, mode="round_robin")
    ChannelAgent.objects.create(
        workspace=workspace_a, channel_account=page_a, membership=membership(bob, workspace_a)
    )
    go_online(bob, workspace_a)
    stale = fresh(conversation_a)
    services.conversation_route_inbound(conversation=stale, now=timezone.now())
    assert stale.assignee_id == bob.pk  # a later save(update_fields=...) cannot undo it


def test_archived_conversations_are_not_routed(workspace_a, conversation_a):
    Conversation.objects.filter(pk=conversation_a.pk).update(status="archived")
    services.conversation_route_inbound(conversation=conversation_a, now=timezone.now())
    assert fresh(conversation_a).status == "archived"


def test_route_inbound_query_count_is_pinned(
    workspace_a, page_a, conversation_a, bob, django_assert_num_queries
):
    configure(workspace_a, mode="round_robin", anti_steal_enabled=True)
    ChannelAgent.objects.create(
        workspace=workspace_a, channel_account=page_a, membership=membership(bob, workspace_a)
    )
    go_online(bob, workspace_a)
    # state check, lock (+ settings), list (+ presence), assign, cursor, history, event
    # (+ savepoint pair)
    with django_assert_num_queries(9):
        services.conversation_route_inbound(conversation=conversation_a, now=timezone.now())


def test_route_inbound_that_changes_nothing_costs_one_query(
    workspace_a, page_a, conversation_a, bob, django_assert_num_queries
):
    """The common case on the ingest path: claim-first mode and nobody holds the customer,
    or a claim whose anti-steal clock already runs. One static query, no lock with joins."""
    configure(workspace_a, mode="first_click", anti_steal_enabled=True)
    with django_assert_num_queries(1):
        services.conversation_route_inbound(conversation=conversation_a, now=timezone.now())
    claim(conversation_a, bob)
    customer_writes(conversation_a, timezone.now())  # arms the clock
    armed = fresh(conversation_a).release_deadline
    assert armed is not None
    with django_assert_num_queries(1):
        services.conversation_route_inbound(conversation=conversation_a, now=timezone.now())
    assert fresh(conversation_a).release_deadline == armed


def test_the_due_query_uses_the_partial_index(workspace_a, page_a, bob):
    """EXPLAIN of the sweep's query: an index scan of conv_release_due, whatever the table size."""
    from tests.routing.conftest import bulk_conversations

    conversations = bulk_conversations(page_a, 300)
    now = timezone.now()
    Conversation.objects.filter(pk__in=[c.pk for c in conversations[:200]]).update(
        assignee=bob, release_deadline=now + datetime.timedelta(hours=1)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE conversations_conversation")
    query = services.release_due_queryset(now=now)[:1]  # exactly what the sweep runs
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "conv_release_due" in plan, plan
