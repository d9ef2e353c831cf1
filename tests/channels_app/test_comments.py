"""Page comments: they land in the commenter's conversation with the post link."""

import pytest

from conversations.models import Conversation, Message
from tests.channels_app.meta import deliver, fixture

pytestmark = pytest.mark.django_db
POST_URL = "https://www.facebook.com/shopa/posts/pfbid02abc"


def test_comment_lands_in_the_same_customers_conversation(client, page_a):
    deliver(client, page_a, fixture("facebook", "message_text"))
    deliver(client, page_a, fixture("facebook", "comment_add"))
    comment = Message.objects.get(kind="comment")
    assert comment.external_id == "555000111_888001"
    assert comment.text == "Giá bao nhiêu vậy shop? Ib mình nhé"
    assert comment.meta["post_url"] == POST_URL
    assert comment.meta["post_id"] == "1001_555000111"
    assert comment.meta["is_hidden"] is False
    assert Conversation.objects.count() == 1
    conversation = Conversation.objects.get()
    assert comment.conversation == conversation
    assert conversation.customer.name == "Nguyễn Thị Hoa"  # comments carry the name
    assert conversation.unread_count == 2


def test_comment_does_not_open_the_messenger_window(client, page_a):
    deliver(client, page_a, fixture("facebook", "comment_add"))
    conversation = Conversation.objects.get()
    assert conversation.last_inbound_at is None
    assert conversation.last_message_preview.startswith("Giá bao nhiêu")


def test_comment_with_photo_and_nested_reply(client, page_a):
    deliver(client, page_a, fixture("facebook", "comment_add_photo"))
    deliver(client, page_a, fixture("facebook", "comment_reply_nested"))
    photo = Message.objects.get(external_id="555000111_888002")
    assert photo.attachments[0]["type"] == "image"
    nested = Message.objects.get(external_id="555000111_888003")
    assert nested.meta["parent_id"] == "555000111_888001"


def test_edit_remove_hide_unhide_update_the_comment(
    client, page_a, pushes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, page_a, fixture("facebook", "comment_add"))
        deliver(client, page_a, fixture("facebook", "comment_edited"))
    comment = Message.objects.get()
    assert comment.text == "Giá bao nhiêu vậy shop? Mình ở Hà Nội"
    assert comment.meta["edited_at"]
    deliver(client, page_a, fixture("facebook", "comment_hide"))
    comment.refresh_from_db()
    assert comment.meta["is_hidden"] is True
    deliver(client, page_a, fixture("facebook", "comment_unhide"))
    comment.refresh_from_db()
    assert comment.meta["is_hidden"] is False
    deliver(client, page_a, fixture("facebook", "comment_remove"))
    comment.refresh_from_db()
    assert comment.meta["removed"] is True  # nothing is deleted for good
    assert Message.objects.count() == 1
    assert len(pushes.events("message.updated")) == 1  # the edit, inside the capture block


def test_page_own_comment_and_reactions_are_not_messages(client, page_a):
    assert deliver(client, page_a, fixture("facebook", "comment_from_page")) == ["processed"]
    assert deliver(client, page_a, fixture("facebook", "feed_reaction")) == ["processed"]
    assert not Message.objects.exists()


def test_remove_of_an_unknown_comment_is_harmless(client, page_a):
    assert deliver(client, page_a, fixture("facebook", "comment_remove")) == ["processed"]
    assert not Message.objects.exists()


def test_edit_before_add_records_the_comment(client, page_a):
    deliver(client, page_a, fixture("facebook", "comment_edited"))
    assert Message.objects.get().text == "Giá bao nhiêu vậy shop? Mình ở Hà Nội"
