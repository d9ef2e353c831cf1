"""Instagram DMs: messages, echoes and seen receipts."""

import pytest

from conversations.models import Message
from tests.channels_app.meta import deliver, fixture

pytestmark = pytest.mark.django_db


def test_text_message(client, ig_a):
    deliver(client, ig_a, fixture("instagram", "message_text"))
    message = Message.objects.get()
    assert (message.channel_account, message.direction) == (ig_a, "in")
    assert message.text == "Chào shop, son này còn màu đỏ không?"
    assert message.conversation.contact.external_id == "6001001"


@pytest.mark.parametrize("name,kind", [("message_image", "image"), ("message_ig_reel", "ig_reel")])
def test_attachments(client, ig_a, name, kind):
    deliver(client, ig_a, fixture("instagram", name))
    assert Message.objects.get().attachments[0]["type"] == kind


def test_story_reply_is_kept(client, ig_a):
    deliver(client, ig_a, fixture("instagram", "message_story_reply"))
    assert Message.objects.get().meta["story_reply"]["id"] == "17900000000000001"


def test_unsent_message_is_ignored(client, ig_a):
    assert deliver(client, ig_a, fixture("instagram", "message_deleted")) == ["processed"]
    assert not Message.objects.exists()


def test_echo_then_seen(client, ig_a):
    deliver(client, ig_a, fixture("instagram", "message_text"))
    deliver(client, ig_a, fixture("instagram", "echo"))
    echo = Message.objects.get(direction="out")
    assert (echo.author_label, echo.delivery_status) == ("Page inbox", "sent")
    deliver(client, ig_a, fixture("instagram", "seen"))
    echo.refresh_from_db()
    assert echo.delivery_status == "read"


def test_a_page_body_on_an_instagram_address_fails_visibly(client, ig_a):
    assert deliver(client, ig_a, fixture("facebook", "message_text")) == ["failed"]
