"""Agent actions on page comments, delivered to the stand-in over HTTP: public reply,
private reply (once, within 7 days), hide / unhide, like."""

from datetime import timedelta

import pytest
from django.utils import timezone

from channels_app.services import delivery
from conversations.models import Message
from conversations.services import messages
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
    reply = messages.comment_reply_public(comment=comment, author=alice, text="Shop inbox bạn nhé")
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
    reply = messages.comment_reply_public(comment=comment, author=alice, text="Shop inbox bạn nhé")
    delivery.message_deliver(workspace_id=reply.workspace_id, message_id=reply.pk)
    count = Message.objects.count()
    deliver(client, page_a, fixture("facebook", "comment_from_page"))
    assert Message.objects.count() == count


def test_private_reply_once_per_comment(graph, comment, alice):
    private = messages.comment_reply_private(
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
        messages.comment_reply_private(comment=comment, author=alice, text="Lần hai")
    assert refused.value.code == "policy.private_reply"


def test_private_reply_after_7_days_is_refused(comment, alice):
    Message.objects.filter(pk=comment.pk).update(sent_at=timezone.now() - timedelta(days=8))
    comment.refresh_from_db()
    with pytest.raises(ApplicationError):
        messages.comment_reply_private(comment=comment, author=alice, text="Muộn rồi")


def test_private_reply_ignores_the_messenger_window(graph, comment, alice):
    """The commenter never wrote in Messenger: a private reply is still allowed."""
    assert comment.conversation.last_inbound_at is None
    messages.comment_reply_private(comment=comment, author=alice, text="Chào bạn")


@pytest.mark.parametrize(
    "action,path,method,meta",
    [
        ("hide", "/555000111_888001", "POST", {"is_hidden": True}),
        ("like", "/555000111_888001/likes", "POST", {"liked": True}),
        ("unlike", "/555000111_888001/likes", "DELETE", {"liked": False}),
    ],
)
def test_moderation_actions(graph, comment, alice, action, path, method, meta):
    messages.comment_moderate(comment=comment, author=alice, action=action)
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
    messages.comment_moderate(comment=comment, author=alice, action="hide")
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
        messages.comment_moderate(comment=message, author=alice, action="hide")
    with pytest.raises(ApplicationError):
        messages.comment_moderate(comment=message, author=alice, action="delete")
