"""The webhook edge: handshake, signature, sizes, unknown accounts, durable storage."""

import pytest
from django.urls import reverse

from channels_app.models import WebhookEvent
from conversations.models import Message
from tests.channels_app.meta import encode, fixture, post, process_pending, webhook_url
from tests.factories import make_channel_account

pytestmark = pytest.mark.django_db


def test_verify_handshake_echoes_challenge(client, page_a):
    params = {
        "hub.mode": "subscribe",
        "hub.verify_token": "verify-me",
        "hub.challenge": "1158201444",
    }
    response = client.get(webhook_url(page_a), params)
    assert response.status_code == 200
    assert response.content == b"1158201444"


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": "verify-me", "hub.challenge": "1"},
        {},
    ],
)
def test_verify_handshake_refuses_wrong_token(client, page_a, params):
    assert client.get(webhook_url(page_a), params).status_code == 403


def test_valid_signature_is_stored_then_acknowledged(client, page_a):
    body = encode(fixture("facebook", "message_text"))
    response = post(client, page_a, body)
    assert response.status_code == 200
    event = WebhookEvent.objects.get(channel_account=page_a)
    assert event.workspace_id == page_a.workspace_id
    assert event.status == "pending"
    assert event.body.encode() == body
    assert event.headers["X-Hub-Signature-256"].startswith("sha256=")


@pytest.mark.parametrize("signature", [None, "sha256=" + "0" * 64, "sha1=abc", "garbage", ""])
def test_missing_or_wrong_signature_is_403_and_nothing_stored(client, page_a, signature):
    response = post(
        client, page_a, encode(fixture("facebook", "message_text")), signature=signature
    )
    assert response.status_code == 403
    assert not WebhookEvent.objects.exists()


def test_tampered_body_is_403(client, page_a):
    from channels_app.providers.meta.signature import sign
    from tests.channels_app.meta import SECRET

    body = encode(fixture("facebook", "message_text"))
    tampered = body.replace(b"size M", b"size L")
    response = post(client, page_a, tampered, signature=sign(SECRET, body))
    assert response.status_code == 403
    assert not WebhookEvent.objects.exists()


def test_signed_with_another_secret_is_403(client, page_a):
    response = post(client, page_a, encode(fixture("facebook", "message_text")), secret="other")
    assert response.status_code == 403


def test_signature_is_checked_over_raw_escaped_bytes(client, page_a):
    """Meta signs the escaped-unicode form; re-serialising would break it, raw bytes do not."""
    body = encode(fixture("facebook", "message_text"))
    assert b"\\u01a1" in body  # "ơ" escaped, as Meta sends it
    assert post(client, page_a, body).status_code == 200


def test_unknown_account_is_404(client, page_a):
    url = reverse(
        "webhook", kwargs={"kind": "facebook", "key": "00000000-0000-0000-0000-000000000000"}
    )
    response = client.post(url, data=b"{}", content_type="application/json")
    assert response.status_code == 404


def test_disabled_account_is_404(client, page_a):
    page_a.is_active = False
    page_a.save()
    assert post(client, page_a, encode(fixture("facebook", "message_text"))).status_code == 404
    assert not WebhookEvent.objects.exists()


def test_kind_must_match_the_account(client, page_a):
    url = reverse("webhook", kwargs={"kind": "instagram", "key": page_a.webhook_key})
    assert client.post(url, data=b"{}", content_type="application/json").status_code == 404
    url = reverse("webhook", kwargs={"kind": "nope", "key": page_a.webhook_key})
    assert client.post(url, data=b"{}", content_type="application/json").status_code == 404


def test_oversized_body_is_413_and_nothing_stored(client, page_a):
    body = b'{"object": "page", "entry": [], "pad": "' + b"x" * 70_000 + b'"}'
    assert post(client, page_a, body).status_code == 413
    assert not WebhookEvent.objects.exists()


def test_other_methods_are_refused(client, page_a):
    assert client.put(webhook_url(page_a)).status_code == 405


def test_entries_route_by_page_id_never_into_the_url_account(client, page_a, page_b):
    """Charlie's webhook address cannot put a message into his workspace for alice's page:
    each entry goes to the page it names (Meta signs the body with the app secret)."""
    post(client, page_b, encode(fixture("facebook", "message_text")))
    process_pending()
    assert not Message.objects.filter(workspace=page_b.workspace).exists()
    assert Message.objects.get().channel_account == page_a


@pytest.mark.parametrize(
    "body,reason",
    [
        (b"not json at all", "not valid JSON"),
        (b'{"object": "page", "entry": "nope"}', "not a list"),
        (b'{"object": "instagram", "entry": []}', "expected object"),
        (
            b'{"object": "page", "entry": [{"id": "1001", "messaging": [{"timestamp": 1700000000000}]}]}',
            "sender.id",
        ),
        (b"[1, 2]", "not a JSON object"),
    ],
)
def test_signed_unparsable_body_is_kept_and_marked_failed(client, page_a, body, reason):
    assert post(client, page_a, body).status_code == 200
    assert process_pending() == ["failed"]
    event = WebhookEvent.objects.get()
    assert event.status == "failed"
    assert reason in event.error
    assert event.body.encode() == body


def test_broken_utf8_is_kept_as_failed(client, page_a):
    body = b'{"object": "page", "text": "\xff\xfe"}'
    assert post(client, page_a, body).status_code == 200
    event = WebhookEvent.objects.get()
    assert event.status == "failed"
    assert "UTF-8" in event.error


def test_nul_bytes_are_kept_as_failed(client, page_a):
    assert post(client, page_a, b'{"a": "\x00"}').status_code == 200
    assert WebhookEvent.objects.get().status == "failed"


def test_redelivered_body_is_stored_once(client, page_a):
    body = encode(fixture("facebook", "message_text"))
    for _ in range(3):
        assert post(client, page_a, body).status_code == 200
    assert WebhookEvent.objects.count() == 1


def test_failed_events_page_is_admin_only_and_workspace_scoped(
    client_for, page_a, page_b, alice, bob, charlie, client
):
    post(client, page_a, b"not json")
    post(client, page_b, b"also not json")
    process_pending()
    mine = WebhookEvent.objects.get(channel_account=page_a)
    theirs = WebhookEvent.objects.get(channel_account=page_b)
    url = reverse("webhook_failures", kwargs={"ws": "shop-a"})

    page = client_for(alice).get(url)
    assert page.status_code == 200
    assert f"webhook-event-{mine.pk}" in page.content.decode()
    assert f"webhook-event-{theirs.pk}" not in page.content.decode()

    assert client_for(bob).get(url).status_code == 403
    assert client_for(charlie).get(url).status_code == 404
    replay_theirs = reverse("webhook_replay", kwargs={"ws": "shop-a", "pk": theirs.pk})
    assert client_for(alice).post(replay_theirs).status_code == 404


def test_replay_puts_a_failed_event_back_in_the_queue(client_for, client, page_a, alice):
    post(client, page_a, encode(fixture("facebook", "message_text")))
    event = WebhookEvent.objects.get()
    event.status = "failed"
    event.error = "boom"
    event.save()
    url = reverse("webhook_replay", kwargs={"ws": "shop-a", "pk": event.pk})
    assert client_for(alice).post(url).status_code == 302
    event.refresh_from_db()
    assert event.status == "pending"
    assert process_pending() == ["processed"]
    assert Message.objects.filter(external_id="m_text_1").count() == 1


def test_a_page_of_another_kind_with_the_same_id_is_not_confused(client, page_a, workspace_a):
    make_channel_account(workspace_a, "instagram", "1001", "IG with a clashing id")
    post(client, page_a, encode(fixture("facebook", "message_text")))
    process_pending()
    assert Message.objects.get().channel_account == page_a


def test_channel_list_shows_each_webhook_address(client_for, alice, page_a):
    page = client_for(alice).get(reverse("channels", kwargs={"ws": "shop-a"}))
    assert webhook_url(page_a) in page.content.decode()
