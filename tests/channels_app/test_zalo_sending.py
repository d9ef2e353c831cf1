"""Replies on Zalo through the stand-in over real HTTP: customer-service messages answering
the customer's message, attachments uploaded first, Zalo's refusals in plain words, and the
free replies counted on our side (8 by default, reset by each customer message)."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from channels_app.models import ChannelAccount
from channels_app.services import delivery
from conversations.models import Message
from conversations.services import outbound
from inbox_project.errors import ApplicationError
from tests.channels_app.zalo import deliver, fresh, sent

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(client, oa_a, zalo_api):
    deliver(client, fresh("user_send_text", seconds_ago=30, msg_id="first-message"))
    return Message.objects.get(external_id="first-message").conversation


def send(conversation, author, text="Dạ còn ạ", **kwargs) -> Message:
    message = outbound.message_send(conversation=conversation, author=author, text=text, **kwargs)
    assert delivery.message_deliver(workspace_id=message.workspace_id, message_id=message.pk)
    message.refresh_from_db()
    return message


def test_a_reply_answers_the_customers_latest_message(conversation, alice, zalo_api):
    message = send(conversation, alice)
    assert message.delivery_status == "sent" and message.external_id
    [call] = [e for e in sent(zalo_api) if e["kind"] == "zalo_message"]
    assert call["body"] == {"recipient": {"message_id": "first-message"},
                            "message": {"text": "Dạ còn ạ"}}  # fmt: skip
    assert call["token_suffix"] == "en-a"  # the OA's own token, in the access_token header
    assert call["path"] == "/zalo/v3.0/oa/message/cs"


def test_an_attachment_is_uploaded_then_sent(conversation, alice, zalo_api):
    name = default_storage.save("outbound/test/bang-size.png", ContentFile(b"\x89PNG fake"))
    attachment = {"type": "image", "url": "/media/" + name, "stored_path": name,
                  "stored_content_type": "image/png", "name": "bang-size.png"}  # fmt: skip
    message = send(conversation, alice, text="Bảng size ạ", attachments=[attachment])
    assert message.delivery_status == "sent"
    kinds = [e["kind"] for e in sent(zalo_api)]
    assert kinds == ["zalo_upload_image", "zalo_message", "zalo_message"]  # uploads first
    media = [e for e in sent(zalo_api) if e["kind"] == "zalo_message"][-1]["body"]["message"]
    element = media["attachment"]["payload"]["elements"][0]
    assert element["media_type"] == "image" and element["attachment_id"].startswith("zat")


@pytest.mark.parametrize(
    "mode,code,words,reconnect",
    [
        ("token", "token_expired", "reconnect the Zalo OA", True),
        ("package", "no_package", "verified OA with an active service package", False),
        ("quota", "quota", "quota is used up", False),
    ],
)
def test_zalo_refusals_fail_the_reply_with_plain_words(
    conversation, alice, zalo_api, mode, code, words, reconnect, settings
):
    settings.LANGUAGE_CODE = "en"
    conversation.workspace.language = "en"
    conversation.workspace.save()
    import requests

    base = settings.ZALO_API_URL.rsplit("/openapi", 1)[0]
    requests.post(f"{base}/_fail", json={"mode": mode, "times": 1}, timeout=5)
    message = send(conversation, alice)
    assert message.delivery_status == "failed"
    assert message.meta["delivery_error_code"] == code
    assert words in message.delivery_error
    account = ChannelAccount.objects.get(pk=conversation.channel_account_id)
    assert account.needs_reconnect is reconnect
    if reconnect:
        assert "reconnect the Zalo OA" in account.reconnect_reason


def test_free_replies_are_counted_and_the_ninth_is_refused(client, conversation, alice):
    for number in range(8):
        send(conversation, alice, text=f"Tin {number + 1}")
    with pytest.raises(ApplicationError) as refused:
        outbound.message_send(conversation=conversation, author=alice, text="Tin 9")
    assert refused.value.code == "policy.free_replies_used"
    assert "Zalo" in refused.value.message
    # the composer says so before anyone types
    client.force_login(alice)
    html = client.get(
        reverse("conversation_composer", kwargs={"ws": "shop-a", "pk": conversation.pk})
    ).content.decode()
    assert 'data-gate="free_used"' in html and "is-locked" in html
    # the customer writes again: the count starts over
    deliver(client, fresh("user_send_text", msg_id="second-message"))
    conversation.refresh_from_db()
    message = send(conversation, alice, text="Tin mới")
    assert message.delivery_status == "sent"


def test_the_composer_shows_the_free_replies_left(client, conversation, alice):
    send(conversation, alice)
    send(conversation, alice)
    client.force_login(alice)
    html = client.get(
        reverse("conversation_composer", kwargs={"ws": "shop-a", "pk": conversation.pk})
    ).content.decode()
    assert (
        'data-testid="free-left"' in html and "6" in html.split('data-testid="free-left"')[1][:80]
    )


def test_a_reply_of_more_messages_than_are_left_is_refused(conversation, alice, settings):
    ChannelAccount.objects.filter(pk=conversation.channel_account_id).update(
        settings={"free_replies": 1}
    )
    conversation.channel_account.refresh_from_db()
    name = default_storage.save("outbound/test/a.png", ContentFile(b"\x89PNG fake"))
    attachment = {"type": "image", "url": "/media/" + name, "stored_path": name,
                  "stored_content_type": "image/png", "name": "a.png"}  # fmt: skip
    with pytest.raises(ApplicationError) as refused:
        outbound.message_send(conversation=conversation, author=alice, text="Ảnh",
                              attachments=[attachment])  # fmt: skip
    assert refused.value.code == "policy.free_replies_short"


def test_a_send_after_the_token_expired_goes_out_once_it_is_refreshed(
    conversation, alice, zalo_api, settings
):
    """The stand-in hands out tokens that expire; the refresh renews them under the lock."""
    import requests

    from channels_app.services.credentials import channel_credentials_refresh

    base = settings.ZALO_API_URL.rsplit("/openapi", 1)[0]
    requests.post(f"{base}/_config", json={"expires_in": 1}, timeout=5)
    account = ChannelAccount.objects.get(pk=conversation.channel_account_id)
    account.credentials = {**account.credentials, "expires_at": "2000-01-01T00:00:00+00:00"}
    account.save()
    assert channel_credentials_refresh(account)  # a 1-second token
    import time

    time.sleep(1.2)
    failed = send(conversation, alice)
    assert failed.delivery_status == "failed"  # expired: -216
    ChannelAccount.objects.filter(pk=account.pk).update(needs_reconnect=False)
    requests.post(f"{base}/_config", json={"expires_in": 90000}, timeout=5)
    account.refresh_from_db()
    assert channel_credentials_refresh(account)
    again = outbound.message_retry(message=failed, user=alice)
    delivery.message_deliver(workspace_id=again.workspace_id, message_id=again.pk)
    again.refresh_from_db()
    assert again.delivery_status == "sent"


def test_a_new_customers_name_and_picture_come_from_zalo(conversation, zalo_api):
    from channels_app.models import ContactProfileFetch
    from channels_app.services import profiles
    from devtools import simulator

    contact = conversation.contact
    outcome = profiles.contact_profile_fetch(
        workspace_id=contact.workspace_id, contact_id=contact.pk
    )
    assert outcome == "filled", ContactProfileFetch.objects.filter(contact=contact).values()
    contact.refresh_from_db()
    assert contact.display_name == simulator.customer_name(contact.external_id)
    with zalo_api.state.lock:
        reads = [r for r in zalo_api.state.reads if r["kind"] == "zalo_profile"]
    assert [r["target"] for r in reads] == [contact.external_id]
