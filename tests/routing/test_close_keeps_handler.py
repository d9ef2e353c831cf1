"""Closing keeps the last handler; the customer's return frees the conversation for routing."""

import datetime

from django.utils import timezone

from conversations.domain_events import OwnerChanged
from conversations.models import Conversation
from conversations.services import acting, inbound
from conversations.services import status as conversation_status
from routing import policies, services
from routing.models import AssignmentChange, ChannelAgent
from tests.routing.conftest import configure, go_online, membership


def fresh(conversation) -> Conversation:
    return Conversation.objects.get(workspace_id=conversation.workspace_id, pk=conversation.pk)


def test_policy_close_keeps_the_handler_and_a_return_frees_it():
    assert policies.owner_kept_on_close(assignee_id=7) == 7
    assert policies.owner_kept_on_close(assignee_id=None) is None
    assert policies.on_customer_return(status="closed", assignee_id=7) == policies.ReturnOutcome(
        reopen=True, free_owner=True
    )
    assert policies.on_customer_return(status="closed", assignee_id=None) == (
        policies.ReturnOutcome(reopen=True, free_owner=False)
    )
    assert policies.on_customer_return(status="open", assignee_id=7) == policies.ReturnOutcome(
        reopen=False, free_owner=False
    )


def write_again(page, external_id: str):
    return inbound.message_record_inbound(
        channel_account=page,
        contact_external_id="psid-a-1",
        external_id=external_id,
        sent_at=timezone.now() + datetime.timedelta(seconds=5),
        text="Shop ơi, em muốn mua thêm",
    )


def test_closed_conversation_stays_with_its_handler_until_the_customer_returns(
    workspace_a, page_a, conversation_a, bob, dan, capture_events
):
    services.conversation_claim(conversation_id=conversation_a.pk, user=bob, workspace=workspace_a)
    conversation_status.conversation_close(
        conversation_id=conversation_a.pk, user=bob, workspace=workspace_a
    )
    closed = fresh(conversation_a)
    assert closed.status == "closed" and closed.assignee_id == bob.pk
    close_change = capture_events.domain_events(OwnerChanged)[-1]
    assert close_change == OwnerChanged(
        workspace_id=workspace_a.pk, conversation_id=conversation_a.pk, from_user_id=bob.pk,
        to_user_id=bob.pk, actor_id=bob.pk, reason="closed", changed_at=closed.closed_at,
    )  # fmt: skip
    write_again(page_a, "m_return_1")
    back = fresh(conversation_a)
    # first-click mode: reopened, nobody holds it, anyone may claim it anew
    assert back.status == "open" and back.assignee_id is None
    last = AssignmentChange.objects.filter(conversation=conversation_a).order_by("id").last()
    assert (last.reason, last.from_user_id, last.to_user_id) == ("reopened", bob.pk, None)
    services.conversation_claim(conversation_id=conversation_a.pk, user=dan, workspace=workspace_a)
    assert fresh(conversation_a).assignee_id == dan.pk


def test_round_robin_deals_a_returning_customer_anew(workspace_a, page_a, conversation_a, bob, dan):
    configure(workspace_a, mode="round_robin")
    ChannelAgent.objects.create(
        workspace=workspace_a, channel_account=page_a, membership=membership(dan, workspace_a)
    )
    go_online(dan, workspace_a)  # Bob is not on the list (or offline): Dan gets it
    services.conversation_claim(conversation_id=conversation_a.pk, user=bob, workspace=workspace_a)
    conversation_status.conversation_close(
        conversation_id=conversation_a.pk, user=bob, workspace=workspace_a
    )
    write_again(page_a, "m_return_2")
    back = fresh(conversation_a)
    assert back.status == "open" and back.assignee_id == dan.pk


def test_last_handler_cannot_act_on_a_closed_conversation_before_reopening(
    workspace_a, conversation_a, bob
):
    from inbox_project.errors import ApplicationError

    services.conversation_claim(conversation_id=conversation_a.pk, user=bob, workspace=workspace_a)
    conversation_status.conversation_close(
        conversation_id=conversation_a.pk, user=bob, workspace=workspace_a
    )
    try:
        acting.conversation_assert_can_act(conversation=conversation_a, user=bob)
    except ApplicationError as error:
        assert error.code == "closed"
    else:
        raise AssertionError("a closed conversation must be reopened first")
