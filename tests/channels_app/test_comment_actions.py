"""Agent actions on page comments, delivered to the stand-in over HTTP: public reply,
private reply (once, within 7 days), hide / unhide, like."""

from datetime import timedelta

import pytest
from django.utils import timezone

from channels_app.services import delivery
from conversations.models import Message
from conversations.services import comments
from inbox_project.errors import ApplicationError
from tests.channels_app.meta import deliver, fixture
from tests.channels_app.test_delivery import fail_next, sent

pytestmark = pytest.mark.django_db


@pytest.fixture
def comment(client, page_a):
    data = fixture("facebook", "comment_add")
    data["entry"][0]["changes"][0]["value"]["created_time"] = int(timezone.now().timestamp())
    deliver(client, page_a, data)
    return Message.objects.get(kind="comment")


def test_public_reply_goes_under_the_comment(graph, comment, alice):
    reply = comments.comment_reply_public(comment=comment, author=alice, text="Shop inbox bạn nhé")
    assert (reply.kind, reply.direction, reply.conversation_id) == (
        "comment",
        "out",
        comment.conversation_id,
    )
    assert delivery.message_deliver(workspace_id=reply.workspace_id, message_id=reply.pk) == "sent"
    [call] = sent(graph)
    assert call["path"] == "/555000111_888001/comments"
    assert call["body"] == {"message": "Shop inbox bạn nhé"}
    reply.refresh_from_db()
    assert reply.external_id == call["result_id"]


def test_our_public_reply_coming_back_as_a_feed_event_is_not_a_new_message(
    graph, client, page_a, comment, alice
):
    reply = comments.comment_reply_public(comment=comment, author=alice, text="Shop inbox bạn nhé")
    delivery.message_deliver(workspace_id=reply.workspace_id, message_id=reply.pk)
    count = Message.objects.count()
    deliver(client, page_a, fixture("facebook", "comment_from_page"))
    assert Message.objects.count() == count


def test_private_reply_once_per_comment(graph, comment, alice):
    private = comments.comment_reply_private(
        comment=comment, author=alice, text="Chào bạn, giá 150k"
    )
    assert private.kind == "inbox"
    assert delivery.message_deliver(workspace_id=private.workspace_id, message_id=private.pk) == (
        "sent"
    )
    [call] = sent(graph)
    assert call["body"]["recipient"] == {"comment_id": "555000111_888001"}
    comment.refresh_from_db()
    assert comment.meta["private_reply_message_id"] == private.pk
    with pytest.raises(ApplicationError) as refused:
        comments.comment_reply_private(comment=comment, author=alice, text="Lần hai")
    assert refused.value.code == "policy.private_reply"


def test_private_reply_after_7_days_is_refused(comment, alice):
    Message.objects.filter(pk=comment.pk).update(sent_at=timezone.now() - timedelta(days=8))
    comment.refresh_from_db()
    with pytest.raises(ApplicationError):
        comments.comment_reply_private(comment=comment, author=alice, text="Muộn rồi")


def test_private_reply_ignores_the_messenger_window(graph, comment, alice):
    """The commenter never wrote in Messenger: a private reply is still allowed."""
    assert comment.conversation.last_inbound_at is None
    comments.comment_reply_private(comment=comment, author=alice, text="Chào bạn")


@pytest.mark.parametrize(
    "action,path,method,meta",
    [
        ("hide", "/555000111_888001", "POST", {"is_hidden": True}),
        ("like", "/555000111_888001/likes", "POST", {"liked": True}),
        ("unlike", "/555000111_888001/likes", "DELETE", {"liked": False}),
    ],
)
def test_moderation_actions(graph, comment, alice, action, path, method, meta):
    comments.comment_moderate(comment=comment, author=alice, action=action)
    comment.refresh_from_db()
    assert comment.meta["pending_action"] == action
    result = delivery.message_deliver_action(
        workspace_id=comment.workspace_id, message_id=comment.pk, action=action
    )
    assert result == "done"
    [call] = sent(graph)
    assert (call["path"], call["method"]) == (path, method)
    comment.refresh_from_db()
    assert meta.items() <= comment.meta.items()
    assert comment.meta["pending_action"] == ""


def test_failed_action_is_reported_on_the_comment(graph, comment, alice):
    comments.comment_moderate(comment=comment, author=alice, action="hide")
    fail_next(graph, "server_error")
    delivery.message_deliver_action(
        workspace_id=comment.workspace_id, message_id=comment.pk, action="hide"
    )
    comment.refresh_from_db()
    assert comment.meta["action_error"]
    assert comment.meta["is_hidden"] is False


def test_actions_only_apply_to_customer_comments(conversation_a, alice):
    message = conversation_a.messages.get()
    with pytest.raises(ApplicationError):
        comments.comment_moderate(comment=message, author=alice, action="hide")
    with pytest.raises(ApplicationError):
        comments.comment_moderate(comment=message, author=alice, action="delete")


def messenger_message_from(psid: str, mid: str) -> dict:
    data = fixture("facebook", "message_text")
    event = data["entry"][0]["messaging"][0]
    event["sender"]["id"] = psid
    event["message"]["mid"] = mid
    return data


def test_a_private_reply_links_the_commenters_messenger_id_to_their_customer(
    graph, client, page_a, comment, alice
):
    """The Send API's answer names the commenter's PSID (the stand-in: psid-of-<comment>):
    their Messenger answer then opens under the customer who commented."""
    from conversations.models import Contact, Conversation

    private = comments.comment_reply_private(comment=comment, author=alice, text="Chào bạn")
    delivery.message_deliver(workspace_id=private.workspace_id, message_id=private.pk)
    psid = "psid-of-555000111_888001"
    linked = Contact.objects.get(channel_account=page_a, external_id=psid)
    assert linked.customer_id == comment.conversation.customer_id
    deliver(client, page_a, messenger_message_from(psid, "m_after_private_reply"))
    answer = Message.objects.get(external_id="m_after_private_reply")
    assert answer.conversation.customer_id == comment.conversation.customer_id
    assert Conversation.objects.filter(customer_id=linked.customer_id).count() == 2


def test_a_private_reply_to_someone_known_in_messenger_merges_the_two_customers(
    graph, client, page_a, comment, alice
):
    from conversations.models import Contact, Conversation, Customer, CustomerNote, Order

    psid = "psid-of-555000111_888001"
    deliver(client, page_a, messenger_message_from(psid, "m_before_the_comment"))
    known = Contact.objects.get(channel_account=page_a, external_id=psid).customer
    commenter = comment.conversation.customer
    assert known.pk != commenter.pk
    Customer.objects.filter(pk=commenter.pk).update(phones=["+84901234567"])
    Order.objects.create(workspace_id=commenter.workspace_id, customer=commenter, amount_vnd=150000)
    CustomerNote.objects.create(workspace_id=commenter.workspace_id, customer=commenter, text="VIP")

    private = comments.comment_reply_private(comment=comment, author=alice, text="Chào bạn")
    delivery.message_deliver(workspace_id=private.workspace_id, message_id=private.pk)

    [survivor] = Customer.objects.filter(workspace_id=commenter.workspace_id)
    assert survivor.phones == ["+84901234567"]
    assert Contact.objects.filter(customer=survivor).count() == 2
    assert Order.objects.get().customer_id == survivor.pk
    assert CustomerNote.objects.get().customer_id == survivor.pk
    assert set(Conversation.objects.values_list("customer_id", flat=True)) == {survivor.pk}
