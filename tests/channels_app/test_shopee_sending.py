"""Replies to Shopee buyers through sellerchat/send_message on the stand-in (real HTTP,
signatures checked): text, image, item and order, and every error mapped to the composer's
plain reason (retried, failed, or the shop flagged for reconnecting)."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import translation

from channels_app.providers import get_adapter
from channels_app.providers.base import OutboundMessage, PayloadError, ProviderError
from channels_app.providers.shopee import errors
from channels_app.services import delivery
from conversations.services import outbound
from devtools.standin import png
from tests.channels_app.shopee import BUYER_ID, fail_next, make_shop, sent
from tests.factories import make_conversation

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(workspace_a, shopee_api):
    return make_shop(workspace_a)


@pytest.fixture
def chat(shop):
    return make_conversation(shop, BUYER_ID, "hoa.nguyen94", text="Còn size M không ạ?")


def deliver(message) -> str:
    return delivery.message_deliver(workspace_id=message.workspace_id, message_id=message.pk)


def test_a_text_reply_goes_out_signed_and_records_shopees_message_id(shopee_api, chat, alice):
    message = outbound.message_send(conversation=chat, author=alice, text="Dạ còn ạ")
    assert deliver(message) == "sent"
    message.refresh_from_db()
    [call] = sent(shopee_api)
    assert call["path"] == "/api/v2/sellerchat/send_message"
    assert call["body"] == {"to_id": int(BUYER_ID), "message_type": "text",
                            "content": {"text": "Dạ còn ạ"}}  # fmt: skip
    assert message.external_id == call["result_id"] and message.delivery_status == "sent"


def test_shopee_replies_have_no_window(shopee_api, chat, alice):
    from django.utils import timezone

    chat.last_inbound_at = timezone.now() - timezone.timedelta(days=60)
    chat.save(update_fields=["last_inbound_at"])
    message = outbound.message_send(conversation=chat, author=alice, text="Shop chào chị")
    assert message.policy_tag == "" and deliver(message) == "sent"


def test_image_item_and_order_messages(shopee_api, shop):
    name = default_storage.save("attachments/test/shopee-reply.png", ContentFile(png("x")))
    adapter = get_adapter("shopee")
    attachments = (
        {"type": "image", "stored_path": name, "stored_content_type": "image/png", "name": "a.png"},
        {"type": "product", "item_id": "21548730911"},
        {"type": "order", "order_sn": "251205QSK8S7BX"},
    )
    result = adapter.send(account=shop, outbound=OutboundMessage(
        message_id=1, recipient_id=BUYER_ID, text="Mẫu này ạ", attachments=attachments))  # fmt: skip
    calls = sent(shopee_api)
    assert [c["body"]["message_type"] for c in calls] == ["text", "image", "item", "order"]
    assert calls[1]["body"]["content"]["image_url"].startswith("http://")  # upload_image's url
    assert calls[2]["body"]["content"] == {"item_id": 21548730911}
    assert calls[3]["body"]["content"] == {"order_sn": "251205QSK8S7BX"}
    assert result.external_id == calls[-1]["result_id"]


def test_what_shopee_chat_cannot_carry_is_refused_with_a_reason(shopee_api, shop):
    adapter = get_adapter("shopee")
    with pytest.raises(ProviderError) as caught:
        adapter.send(account=shop, outbound=OutboundMessage(
            message_id=1, recipient_id=BUYER_ID, attachments=({"type": "video", "url": "x"},)))  # fmt: skip
    assert caught.value.code == "unsupported" and not caught.value.transient
    with pytest.raises(PayloadError):
        adapter.send(account=shop, outbound=OutboundMessage(
            message_id=1, recipient_id=BUYER_ID, text="x", purpose="human_agent"))  # fmt: skip
    assert sent(shopee_api) == []


def plain(code: str, workspace) -> str:
    """The composer's reason for a Shopee error, in the workspace's language."""
    with translation.override(workspace.language):
        return str(errors.PLAIN[code])


@pytest.mark.parametrize(
    ("mode", "outcome", "code"),
    [("quota", "retry", "rate_limited"), ("server_error", "retry", "provider_down"),
     ("expired_token", "retry", "access_expired"), ("permission", "failed", "permission")],
)  # fmt: skip
def test_errors_reach_the_composer_in_plain_words(shopee_api, chat, alice, mode, outcome, code):
    message = outbound.message_send(conversation=chat, author=alice, text="Dạ")
    fail_next(shopee_api, mode)
    assert deliver(message) == outcome
    message.refresh_from_db()
    assert message.delivery_error.startswith(plain(code, chat.workspace))
    chat.channel_account.refresh_from_db()
    assert not chat.channel_account.needs_reconnect


def test_an_expired_partner_key_fails_the_reply_and_asks_for_a_reconnect(shopee_api, chat, alice):
    message = outbound.message_send(conversation=chat, author=alice, text="Dạ")
    fail_next(shopee_api, "partner_key_expired")
    assert deliver(message) == "failed"
    message.refresh_from_db()
    account = chat.channel_account
    account.refresh_from_db()
    reason = plain("partner_key_expired", chat.workspace)
    with translation.override("en"):
        assert "reconnect" in str(errors.PLAIN["partner_key_expired"])
    assert message.delivery_error.startswith(reason)
    assert account.needs_reconnect and account.reconnect_reason.startswith(reason)


def test_the_demo_shop_sends_through_the_stand_in(shopee_api, workspace_a, alice):
    """`make run` seeds the demo's Shopee shop with these credentials and points
    SHOPEE_API_URL at the stand-in: its replies really go out there."""
    from devtools.demo.workspace import channel_credentials
    from tests.factories import make_channel_account

    shop = make_channel_account(workspace_a, "shopee", "382910475", "shopdemo.official",
                                **channel_credentials(kind="shopee", external_id="382910475"))  # fmt: skip
    chat = make_conversation(shop, "100000077", "lan.hoang", text="Shop ơi")
    message = outbound.message_send(conversation=chat, author=alice, text="Dạ shop nghe ạ")
    assert deliver(message) == "sent"
    [call] = sent(shopee_api)
    assert call["recipient"] == "100000077" and call["body"]["content"] == {
        "text": "Dạ shop nghe ạ"
    }
