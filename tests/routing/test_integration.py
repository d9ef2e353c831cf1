"""Routing through the real message services: a customer message routes and arms
the clock; only the claimant or an admin may reply; the claimant's reply stops the clock."""

import datetime

import pytest
from django.utils import timezone

from conversations.models import Conversation
from conversations.services import inbound, outbound, read_state
from inbox_project.errors import ApplicationError
from routing import services
from routing.models import ChannelAgent
from tests.routing.conftest import configure, go_online, membership

pytestmark = pytest.mark.django_db


def fresh(conversation) -> Conversation:
    return Conversation.objects.get(workspace_id=conversation.workspace_id, pk=conversation.pk)


def test_an_inbound_message_is_routed_round_robin(workspace_a, page_a, bob):
    configure(workspace_a, mode="round_robin")
    ChannelAgent.objects.create(
        workspace=workspace_a, channel_account=page_a, membership=membership(bob, workspace_a)
    )
    go_online(bob, workspace_a)
    message = inbound.message_record_inbound(
        channel_account=page_a,
        contact_external_id="psid-new",
        external_id="m_new_1",
        sent_at=timezone.now(),
        text="Shop ơi",
    )
    assert fresh(message.conversation).assignee_id == bob.pk


def test_an_inbound_message_arms_the_claimants_clock(workspace_a, page_a, conversation_a, bob):
    configure(workspace_a, anti_steal_enabled=True, anti_steal_minutes=10)
    services.conversation_claim(conversation_id=conversation_a.pk, user=bob, workspace=workspace_a)
    outbound.message_send(conversation=conversation_a, author=bob, text="Dạ shop chào chị")
    assert fresh(conversation_a).release_deadline is None
    inbound.message_record_inbound(
        channel_account=page_a,
        contact_external_id="psid-a-1",
        external_id="m_psid-a-1_2",
        sent_at=timezone.now() + datetime.timedelta(seconds=1),
        text="Còn size M không?",
    )
    assert fresh(conversation_a).release_deadline is not None
    outbound.message_send(conversation=conversation_a, author=bob, text="Dạ còn ạ")
    assert fresh(conversation_a).release_deadline is None  # the claimant answered


def test_a_non_claimants_reply_is_refused_an_admins_accepted(
    workspace_a, conversation_a, bob, dan, alice
):
    with pytest.raises(ApplicationError) as refused:
        outbound.message_send(conversation=conversation_a, author=bob, text="Chào chị")
    assert refused.value.code == "claim_required"
    services.conversation_claim(conversation_id=conversation_a.pk, user=bob, workspace=workspace_a)
    with pytest.raises(ApplicationError) as refused:
        outbound.message_send(conversation=conversation_a, author=dan, text="Để em tư vấn")
    assert refused.value.code == "already_taken" and "Bob" in refused.value.message
    assert outbound.message_send(conversation=conversation_a, author=alice, text="Shop chào chị")
    assert outbound.message_send(conversation=conversation_a, author=bob, text="Dạ em đây")


def test_automated_sends_need_no_claim(conversation_a):
    message = outbound.message_send(
        conversation=conversation_a, author=None, text="Cảm ơn bạn đã nhắn tin", automated=True
    )
    assert message.is_automated


def test_the_inbox_actions_ask_routing(workspace_a, conversation_a, bob, dan):
    """Issue 4's actions call routing's rule: a non-claimant's label / rating is refused."""
    services.conversation_claim(conversation_id=conversation_a.pk, user=bob, workspace=workspace_a)
    with pytest.raises(ApplicationError) as refused:
        read_state.conversation_rate(conversation=conversation_a, user=dan, rating=5)
    assert refused.value.code == "already_taken"
    read_state.conversation_rate(conversation=conversation_a, user=bob, rating=5)
