"""Zalo's one webhook address: the signature (sha256 of app id + body + timestamp + OA secret
key), routing by the OA id in the body, the fast acknowledgement, big ids kept exactly and
the dedupe on msg_id."""

import pytest

from channels_app.models import WebhookEvent
from channels_app.providers import get_adapter
from conversations.models import Contact, Message
from tests.channels_app.zalo import (
    OA_ID,
    USER_ID,
    encode,
    fixture,
    post,
    process_pending,
    raw_fixture,
    signature_for,
)

pytestmark = pytest.mark.django_db


def test_a_signed_push_is_stored_and_acknowledged_with_200(client, oa_a):
    response = post(client, raw_fixture("user_send_text"))
    assert (response.status_code, response.content) == (200, b"")
    event = WebhookEvent.objects.get()
    assert event.channel_account_id == oa_a.pk
    assert "X-ZEvent-Signature" in event.headers  # kept for a replay's re-verification
    assert process_pending() == ["processed"]
    message = Message.objects.get()
    assert message.text == "Shop ơi, áo này còn size M không ạ?"
    assert message.external_id == "a6f0b0c1d2e3f4a5b6c7d8e9f0a1b2c3"


def test_the_mac_prefix_is_optional(client, oa_a):
    body = raw_fixture("user_send_text")
    bare = signature_for(body).removeprefix("mac=")
    assert post(client, body, signature=bare).status_code == 200
    assert WebhookEvent.objects.count() == 1


@pytest.mark.parametrize(
    "signature",
    [None, "", "mac=" + "0" * 64, "sha256=abc"],
    ids=["missing", "empty", "zeros", "meta-style"],
)
def test_a_bad_or_missing_signature_is_refused_and_nothing_stored(client, oa_a, signature):
    assert post(client, raw_fixture("user_send_text"), signature=signature).status_code == 403
    assert not WebhookEvent.objects.exists()


def test_a_tampered_body_or_another_secret_is_refused(client, oa_a):
    body = raw_fixture("user_send_text")
    tampered = body.replace(b"size M", b"size L")
    assert post(client, tampered, signature=signature_for(body)).status_code == 403
    assert post(client, body, secret="someone-else").status_code == 403
    # the timestamp is covered too: a replay with a new time needs a new signature
    later = body.replace(b"1765000000000", b"1765000009999")
    assert post(client, later, signature=signature_for(body)).status_code == 403
    assert not WebhookEvent.objects.exists()


def test_an_unknown_or_disconnected_oa_is_acknowledged_and_dropped(client, oa_a, caplog):
    """Refusing it would make Zalo retry for hours and then disable the webhook of every OA."""
    other = fixture("user_send_text")
    other["recipient"]["id"] = "999999999999999999"
    assert post(client, encode(other)).status_code == 200
    oa_a.is_active = False
    oa_a.save()
    assert post(client, raw_fixture("user_send_text")).status_code == 200
    assert not WebhookEvent.objects.exists()
    assert "names no official account of ours" in caplog.text


def test_the_per_account_address_of_a_kind_without_a_shared_one_is_unchanged(client, page_a):
    from django.urls import reverse

    url = reverse("webhook_shared", kwargs={"kind": "facebook"})
    assert client.post(url, data=b"{}", content_type="application/json").status_code == 404
    assert client.get(reverse("webhook_shared", kwargs={"kind": "zalo"})).status_code == 405


def test_a_redelivery_is_one_event_even_when_its_bytes_differ(client, oa_a):
    """Zalo retries for up to 12 h; the dedupe is on the event and its msg_id."""
    first = raw_fixture("user_send_text")
    again = fixture("user_send_text")
    again["user_id_by_app"] = "another-rendering"
    assert post(client, first).status_code == 200
    assert post(client, encode(again)).status_code == 200
    assert WebhookEvent.objects.count() == 1
    assert get_adapter("zalo").dedupe_key(body=first).startswith("zalo:user_send_text:")


def test_unquoted_big_integer_ids_are_kept_exactly(client, oa_a):
    body = raw_fixture("user_send_text_unquoted_ids")
    assert post(client, body).status_code == 200
    assert process_pending() == ["processed"]
    assert Contact.objects.get().external_id == USER_ID  # 7519313270000000003, not ...000
    assert WebhookEvent.objects.get().channel_account.external_id == OA_ID


def test_a_body_that_cannot_be_parsed_is_failed_with_the_reason(client, oa_a):
    broken = fixture("user_send_text")
    del broken["message"]["msg_id"]
    assert post(client, encode(broken)).status_code == 200
    assert process_pending() == ["failed"]
    assert "msg_id" in WebhookEvent.objects.get().error


def test_the_simulators_pushes_are_signed_and_understood(client, oa_a, settings):
    import random

    from devtools import simulator_zalo

    rng = random.Random(7)
    kinds = set()
    for _ in range(40):
        what, body = simulator_zalo.random_event(settings.ZALO_APP_ID, oa_a.external_id, rng)
        raw = simulator_zalo.encode(body)
        headers = simulator_zalo.signed_headers(
            app_id=settings.ZALO_APP_ID, oa_secret_key=settings.ZALO_OA_SECRET_KEY, raw=raw
        )
        signature = headers["X-ZEvent-Signature"]
        assert post(client, raw, signature=signature).status_code == 200
        kinds.add(what)
    assert set(process_pending()) == {"processed"}
    assert kinds == {"text", "image", "follow", "seen"}
