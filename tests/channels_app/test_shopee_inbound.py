"""Shopee pushes at the webhook edge and through processing: one address for every shop
(routed by shop_id), the push signature, each message type, the API read-back of pushed
messages, reconnect notices, and a replay after a token refresh. The stand-in answers the
API over real HTTP."""

from datetime import UTC, datetime, timedelta

import pytest
from django.template.loader import render_to_string
from django.utils import timezone, translation

from channels_app.models import ChannelAccount, WebhookEvent
from channels_app.providers import get_adapter
from channels_app.providers.base import (
    EchoMessage,
    Ignored,
    InboundMessage,
    ProviderError,
    ReconnectNeeded,
)
from channels_app.providers.shopee import config, schemas
from channels_app.services import ingest
from channels_app.services.credentials import channel_credentials_refresh
from conversations.models import Contact, Message
from devtools import simulator_shopee
from tests.channels_app.meta import process_pending
from tests.channels_app.shopee import (
    BUYER_ID,
    PARTNER_KEY,
    SHOP_ID,
    api,
    deliver_push,
    encode,
    fixture,
    make_shop,
    post_push,
    push_url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(workspace_a, shopee_api):
    return make_shop(workspace_a)


def parse(name: str):
    return schemas.parse(encode(fixture(name)))


def test_each_push_variant_parses_to_its_neutral_event():
    [text] = parse("webchat_text")
    assert isinstance(text, InboundMessage)
    assert (text.account_external_id, text.contact_id, text.external_id) == (
        SHOP_ID, BUYER_ID, "2094857361029384756",
    )  # fmt: skip
    assert text.text.startswith("Shop ơi") and text.contact_name == "hoa.nguyen94"
    assert text.timestamp == datetime.fromtimestamp(1764903600, tz=UTC)
    [sticker] = parse("webchat_sticker")[0].attachments
    assert (sticker.type, sticker.name) == ("sticker", "sticker 1002/12")
    [image] = parse("webchat_image")[0].attachments
    assert image.type == "image" and image.url.startswith("https://cf.shopee.vn/file/")
    [item] = parse("webchat_item")[0].attachments
    assert item.as_json() == {
        "type": "product", "url": f"https://shopee.vn/product/{SHOP_ID}/21548730911",
        "item_id": "21548730911", "shop_id": SHOP_ID,
    }  # fmt: skip
    [order] = parse("webchat_order")[0].attachments
    assert order.as_json() == {"type": "order", "name": "251205QSK8S7BX",
                               "order_sn": "251205QSK8S7BX", "shop_id": SHOP_ID}  # fmt: skip
    [echo] = parse("webchat_from_shop")
    assert isinstance(echo, EchoMessage) and echo.contact_id == BUYER_ID
    assert isinstance(parse("webchat_notification")[0], Ignored)
    assert isinstance(parse("order_status")[0], Ignored)
    [expiring] = parse("authorization_expiry")
    assert isinstance(expiring, ReconnectNeeded) and expiring.account_external_id == SHOP_ID
    with translation.override("en"):
        assert "reconnect" in str(expiring.reason)
        assert "reconnect" in str(parse("deauthorization")[0].reason)


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b'{"code": 10, "timestamp": 1764903600}',
     b'{"shop_id": 1, "code": "10", "timestamp": 1764903600}',
     b'{"shop_id": 1, "code": 10, "timestamp": -5, "data": {}}',
     b'{"shop_id": 1, "code": 10, "timestamp": 1764903600, "data": {"type": "message", '
     b'"content": {"conversation_id": "1"}}}'],
)  # fmt: skip
def test_malformed_pushes_are_payload_errors(body):
    with pytest.raises(schemas.PayloadError):
        schemas.parse(body)


def test_a_push_is_stored_before_the_ack_and_processed_once(client, shop, shopee_api):
    body = encode(fixture("webchat_text"))
    response = post_push(client, body)
    assert response.status_code == 200
    [event] = WebhookEvent.objects.all()
    assert event.channel_account_id == shop.pk and event.status == "pending"
    assert "Authorization" in event.headers  # kept: a replay could verify it again
    assert post_push(client, body).status_code == 200  # Shopee's retry: a no-op
    assert WebhookEvent.objects.count() == 1
    assert process_pending() == ["processed"]
    message = Message.objects.get()
    assert message.text == "Shop ơi, áo thun size M còn không ạ? <b>gấp</b>"
    assert message.conversation.contact.display_name == "hoa.nguyen94"
    assert message.meta["fetched"] is False  # the stand-in did not know it: the push's copy
    assert process_pending() == []


def test_a_pushed_message_is_read_back_through_the_api(client, shop, shopee_api):
    push = fixture("webchat_text")
    official = {**push["data"]["content"], "content": {"text": "Bản chính từ API"}}
    api(shopee_api, "/api/v2/_messages", {"shop_id": SHOP_ID, "message": official})
    assert deliver_push(client, push) == ["processed"]
    message = Message.objects.get()
    assert message.text == "Bản chính từ API" and message.meta["fetched"] is True


@pytest.mark.parametrize(
    ("signature", "callback_url", "key"),
    [(None, None, None), ("0" * 64, None, None), ("valid", "https://elsewhere.vn/hook/", None),
     ("valid", None, "another-partner-key")],
    ids=["missing", "forged", "other-callback-url", "other-key"],
)  # fmt: skip
def test_bad_push_signatures_are_refused_and_nothing_is_stored(
    client, shop, signature, callback_url, key
):
    kwargs = {"callback_url": callback_url} if callback_url else {}
    if key:
        kwargs["key"] = key
    response = post_push(client, encode(fixture("webchat_text")), signature=signature, **kwargs)
    assert response.status_code == 403
    assert WebhookEvent.objects.count() == 0


def test_a_tampered_body_is_refused(client, shop):
    body = encode(fixture("webchat_text"))
    good = post_push(client, body, signature="valid")
    assert good.status_code == 200
    header = simulator_shopee.signed_headers(
        key=PARTNER_KEY, callback_url=config.push_callback_url(), body=body
    )["Authorization"]
    tampered = body.replace(b"size M", b"size L")
    assert post_push(client, tampered, signature=header).status_code == 403
    assert WebhookEvent.objects.count() == 1


def test_an_unknown_shop_is_acknowledged_but_not_stored(client, shop):
    push = fixture("webchat_text")
    push["shop_id"] = 999999
    assert post_push(client, encode(push)).status_code == 200  # Shopee must not retry it
    assert WebhookEvent.objects.count() == 0


def test_a_shop_connected_under_another_partner_app_is_refused(client, shop):
    ChannelAccount.objects.filter(pk=shop.pk).update(provider_app_id="2999999")
    ingest.channel_accounts_forget()
    assert post_push(client, encode(fixture("webchat_text"))).status_code == 404
    assert WebhookEvent.objects.count() == 0  # Shopee keeps it: a lost push for later


def test_another_address_is_not_the_push_address(client, shop):
    url = push_url().replace(push_url().split("/")[-2], "00000000-0000-0000-0000-000000000000")
    assert post_push(client, encode(fixture("webchat_text")), url=url).status_code == 404
    assert client.get(push_url()).status_code == 405  # no handshake on Shopee's address


def test_pushes_route_to_the_shop_they_name_across_workspaces(
    client, shop, workspace_b, shopee_api
):
    other = make_shop(workspace_b, "555000111")
    push = fixture("webchat_text")
    push["shop_id"] = 555000111
    push["data"]["content"]["to_id"] = 555000111
    push["data"]["content"]["to_shop_id"] = 555000111
    assert deliver_push(client, push) == ["processed"]
    assert Message.objects.get().channel_account_id == other.pk


def test_every_message_type_lands_in_the_timeline_and_cards_render(client, shop):
    for name in ("webchat_text", "webchat_sticker", "webchat_image", "webchat_item",
                 "webchat_order", "webchat_from_shop"):  # fmt: skip
        assert deliver_push(client, fixture(name)) == ["processed"], name
    messages = {m.meta["message_type"] + m.direction: m for m in Message.objects.all()}
    assert set(messages) == {"textin", "stickerin", "imagein", "itemin", "orderin", "textout"}
    assert messages["textout"].author_label == "Shopee Seller Centre"
    assert Contact.objects.count() == 1  # one buyer, one contact
    html = render_to_string(
        "conversations/_rows.html#message-bubble",
        {"m": messages["itemin"], "workspace": shop.workspace},
    )
    assert 'data-testid="attachment-card"' in html and "21548730911" in html
    assert f"https://shopee.vn/product/{SHOP_ID}/21548730911" in html
    html = render_to_string(
        "conversations/_rows.html#message-bubble",
        {"m": messages["orderin"], "workspace": shop.workspace},
    )
    assert "251205QSK8S7BX" in html and "att-card-order" in html
    html = render_to_string(
        "conversations/_rows.html#message-bubble",
        {"m": messages["textin"], "workspace": shop.workspace},
    )
    assert "&lt;b&gt;gấp&lt;/b&gt;" in html  # HTML in messages is escaped


def test_authorization_expiry_flags_the_shop_for_reconnecting(client, shop):
    assert deliver_push(client, fixture("authorization_expiry")) == ["processed"]
    shop.refresh_from_db()
    assert shop.needs_reconnect
    words = "reconnect" if shop.workspace.language == "en" else "kết nối lại"
    assert words in shop.reconnect_reason  # in the workspace's language


def test_a_push_that_failed_on_an_expired_token_replays_after_the_refresh(
    client, shop, shopee_api, settings
):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    push = fixture("webchat_text")
    official = {**push["data"]["content"], "content": {"text": "Đọc lại sau khi gia hạn"}}
    api(shopee_api, "/api/v2/_messages", {"shop_id": SHOP_ID, "message": official})
    api(shopee_api, "/api/v2/_expire", {"access_token": "shop-access-1"})
    assert post_push(client, encode(push)).status_code == 200
    for _ in range(2):  # temporary: retried, then failed for an admin
        with pytest.raises(ProviderError) as caught:
            process_pending()
        assert caught.value.code == "access_expired" and caught.value.transient
    event = WebhookEvent.objects.get()
    assert event.status == "failed" and "invalid_acceess_token" not in event.error
    assert event.error.startswith("ProviderError")
    assert Message.objects.count() == 0
    # the access token's time is up: the refresh (under the row lock) renews it
    account = ChannelAccount.objects.get(pk=shop.pk)
    credentials = account.credentials
    credentials["expires_at"] = (timezone.now() - timedelta(minutes=1)).isoformat()
    account.credentials = credentials
    account.save(update_fields=["credentials_encrypted"])
    assert channel_credentials_refresh(account) is True
    assert account.credentials["access_token"] != "shop-access-1"
    ingest.webhook_event_replay(workspace=shop.workspace, event_id=event.pk)
    assert process_pending() == ["processed"]
    message = Message.objects.get()
    assert message.text == "Đọc lại sau khi gia hạn" and message.meta["fetched"] is True


def test_the_adapter_is_registered_with_a_shared_address():
    adapter = get_adapter("shopee")
    assert adapter.shared_webhook_key() and adapter.supports_sending
    assert adapter.account_id_name == "shop"
