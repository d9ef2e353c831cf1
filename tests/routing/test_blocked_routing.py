"""Routing leaves a blocked customer alone on its own (its own queries read the customer's
flag): no round robin, no waiting pool, no anti-steal hand-over; unblocked, they route again."""

import datetime

import pytest
from django.utils import timezone

from conversations.models import Conversation, Customer
from conversations.services import blocking
from routing import selectors, services
from routing.models import AssignmentChange, ChannelAgent
from tests.routing.conftest import bulk_conversations, configure, go_online, membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def online_bob(workspace_a, page_a, bob):
    ChannelAgent.objects.create(
        workspace=workspace_a, channel_account=page_a, membership=membership(bob, workspace_a)
    )
    go_online(bob, workspace_a)
    return bob


def block(conversation: Conversation) -> None:
    Customer.objects.filter(pk=conversation.customer_id).update(
        is_blocked=True, blocked_at=timezone.now()
    )


def test_round_robin_does_not_assign_a_blocked_customers_message(workspace_a, page_a, online_bob):
    configure(workspace_a, mode="round_robin")
    blocked, normal = bulk_conversations(page_a, 2)
    block(blocked)
    for conversation in (blocked, normal):
        services.conversation_route_inbound(conversation=conversation)
    blocked.refresh_from_db()
    normal.refresh_from_db()
    assert blocked.assignee_id is None and blocked.release_deadline is None
    assert normal.assignee_id == online_bob.pk
    assert not AssignmentChange.objects.filter(conversation=blocked).exists()


def test_the_waiting_pool_leaves_blocked_customers_out_until_unblocked(
    workspace_a, page_a, alice, online_bob
):
    configure(workspace_a, mode="manual")  # they pile up unassigned
    blocked, normal = bulk_conversations(page_a, 2)
    blocking.customer_block(conversation=blocked, user=alice)
    assert selectors.waiting_count(workspace_id=workspace_a.pk) == 1
    configure(workspace_a, mode="round_robin")
    assert services.assign_waiting_sweep(now=timezone.now()) == 1
    blocked.refresh_from_db()
    assert blocked.assignee_id is None
    assert services.assign_waiting_sweep(now=timezone.now()) == 0  # nothing left waiting

    blocking.customer_unblock(customer=blocked.customer, user=alice, reason="Khách đã trả tiền")
    assert selectors.waiting_count(workspace_id=workspace_a.pk) == 1
    assert services.assign_waiting(workspace_id=workspace_a.pk, now=timezone.now()) == 1
    blocked.refresh_from_db()
    assert blocked.assignee_id == online_bob.pk


def test_a_due_claim_of_a_blocked_customer_is_disarmed_not_handed_over(
    workspace_a, page_a, bob, dan, online_bob
):
    configure(workspace_a, mode="round_robin", anti_steal_enabled=True, anti_steal_minutes=5)
    [conversation] = bulk_conversations(page_a, 1)
    services.conversation_claim(conversation_id=conversation.pk, user=dan, workspace=workspace_a)
    services.conversation_route_inbound(conversation=conversation)  # arms dan's clock
    conversation.refresh_from_db()
    assert conversation.release_deadline is not None
    block(conversation)
    later = conversation.release_deadline + datetime.timedelta(seconds=1)
    assert services.release_due_sweep(now=later) == 0
    conversation.refresh_from_db()
    assert (conversation.assignee_id, conversation.release_deadline) == (dan.pk, None)
