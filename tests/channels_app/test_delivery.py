"""Outbound delivery against the provider stand-in over real HTTP: success, transient retry,
permanent failure, expired token, policy enforcement and the audit log."""

import json
import urllib.request
from datetime import timedelta

import pytest
from django.utils import timezone

from channels_app.models import PolicyAuditEntry
from channels_app.services import delivery
from conversations.models import Conversation, Message
from conversations.services import outbound
from inbox_project.errors import ApplicationError
from tests.channels_app.meta import deliver, encode, fixture, post

pytestmark = pytest.mark.django_db


def sent(graph) -> list[dict]:
    host, port = graph.server_address[:2]
    with urllib.request.urlopen(f"http://{host}:{port}/_sent") as response:
        return json.load(response)["data"]


def fail_next(graph, mode: str, times: int = 1) -> None:
    host, port = graph.server_address[:2]
    request = urllib.request.Request(
        f"http://{host}:{port}/_fail",
        data=json.dumps({"mode": mode, "times": times}).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    urllib.request.urlopen(request).close()


def customer_wrote(conversation, ago: timedelta) -> Conversation:
    Conversation.objects.filter(pk=conversation.pk).update(last_inbound_at=timezone.now() - ago)
    conversation.refresh_from_db()
    return conversation


def run_delivery(message) -> str:
    return delivery.message_deliver(workspace_id=message.workspace_id, message_id=message.pk)


def test_reply_is_saved_pending_then_sent_with_the_provider_id(graph, conversation_a, alice):
    message = outbound.message_send(conversation=conversation_a, author=alice, text="Dạ còn ạ")
    assert (message.delivery_status, message.direction, message.policy_tag) == (
        "pending",
        "out",
        "",  # a standard reply: the Meta adapter sends it as RESPONSE
    )
    conversation_a.refresh_from_db()
    assert conversation_a.last_message_direction == "out"
    assert run_delivery(message) == "sent"
    message.refresh_from_db()
    assert message.delivery_status == "sent"
    [call] = sent(graph)
    assert message.external_id == call["result_id"]
    assert call["path"] == "/1001/messages"
    assert call["body"] == {
        "recipient": {"id": "psid-a-1"},
        "messaging_type": "RESPONSE",
        "message": {"text": "Dạ còn ạ", "metadata": f"inbox:{message.pk}"},
    }
    assert call["token_suffix"] == "1001"[-4:]
    assert run_delivery(message) == "skipped"  # a duplicate task never sends twice
    assert len(sent(graph)) == 1


def test_transient_errors_retry_with_backoff_then_succeed(graph, conversation_a, alice):
    message = outbound.message_send(conversation=conversation_a, author=alice, text="Chào chị")
    for mode in ("server_error", "rate_limit"):
        fail_next(graph, mode)
        assert run_delivery(message) == "retry"
        message.refresh_from_db()
        assert message.delivery_status == "pending"
        assert message.delivery_error
        assert message.meta["retry_at"]
    assert run_delivery(message) == "sent"
    message.refresh_from_db()
    assert (message.delivery_status, message.delivery_error, message.delivery_attempts) == (
        "sent",
        "",
        3,
    )


def test_transient_errors_give_up_after_the_last_attempt(graph, conversation_a, alice, settings):
    settings.DELIVERY_MAX_ATTEMPTS = 2
    message = outbound.message_send(conversation=conversation_a, author=alice, text="Chào chị")
    fail_next(graph, "server_error", times=5)
    assert run_delivery(message) == "retry"
    assert run_delivery(message) == "failed"
    message.refresh_from_db()
    assert message.delivery_status == "failed"


def test_backoff_grows_and_stays_short():
    delays = [delivery.retry_delay(n) for n in range(1, 10)]
    assert delays == sorted(delays) and delays[0] == 2 and max(delays) <= 60


@pytest.mark.parametrize(
    "mode,words",
    [
        ("window_closed", "reply window"),
        ("user_unavailable", "isn't available"),
    ],
)
def test_permanent_errors_fail_at_once_in_plain_words(graph, conversation_a, alice, mode, words):
    conversation_a.workspace.language = "en"  # errors are recorded in the workspace's language
    conversation_a.workspace.save()
    message = outbound.message_send(conversation=conversation_a, author=alice, text="Chào chị")
    fail_next(graph, mode)
    assert run_delivery(message) == "failed"
    message.refresh_from_db()
    assert message.delivery_status == "failed"
    assert words in message.delivery_error
    assert "(#" in message.delivery_error  # the provider's own message is kept too
    assert not conversation_a.channel_account.needs_reconnect


def test_expired_token_fails_and_flags_the_page_for_reconnect(graph, conversation_a, alice, page_a):
    page_a.workspace.language = "en"
    page_a.workspace.save()
    message = outbound.message_send(conversation=conversation_a, author=alice, text="Chào chị")
    fail_next(graph, "bad_token")
    assert run_delivery(message) == "failed"
    message.refresh_from_db()
    assert "reconnect" in message.delivery_error
    page_a.refresh_from_db()
    assert page_a.needs_reconnect and "reconnect" in page_a.reconnect_reason
    # Further sends fail at once, without calling Meta, until an admin reconnects the page.
    calls = len(sent(graph))
    later = outbound.message_send(conversation=conversation_a, author=alice, text="Lần nữa")
    assert run_delivery(later) == "failed"
    assert len(sent(graph)) == calls


def test_unreachable_provider_is_transient(conversation_a, alice, settings):
    settings.META_GRAPH_URL = "http://127.0.0.1:1/v23.0"
    message = outbound.message_send(conversation=conversation_a, author=alice, text="Chào chị")
    assert run_delivery(message) == "retry"


def test_send_inside_24h_is_not_audited(conversation_a, alice):
    outbound.message_send(conversation=conversation_a, author=alice, text="Chào chị")
    assert not PolicyAuditEntry.objects.exists()


def test_between_24h_and_7_days_needs_confirmation_then_goes_human_agent(
    graph, conversation_a, alice
):
    conversation = customer_wrote(conversation_a, timedelta(days=2))
    with pytest.raises(ApplicationError) as refused:
        outbound.message_send(conversation=conversation, author=alice, text="Chị ơi")
    assert refused.value.code == "policy.needs_confirmation"
    # Refusals speak the interface language: Vietnamese unless someone chose otherwise.
    assert "Tôi chỉ trả lời khách hàng này" in refused.value.message
    assert not Message.objects.filter(direction="out").exists()

    message = outbound.message_send(
        conversation=conversation, author=alice, text="Chị ơi", confirmation=True
    )
    assert message.policy_tag == "human_agent"
    entry = PolicyAuditEntry.objects.get()
    assert (entry.user, entry.conversation, entry.message, entry.tag) == (
        alice,
        conversation,
        message,
        "human_agent",
    )
    assert entry.workspace_id == conversation.workspace_id
    assert 47 < entry.hours_since_inbound < 49
    run_delivery(message)
    body = sent(graph)[0]["body"]
    assert (body["messaging_type"], body["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")


def test_automation_never_uses_human_agent(conversation_a):
    conversation = customer_wrote(conversation_a, timedelta(days=2))
    with pytest.raises(ApplicationError) as refused:
        outbound.message_send(
            conversation=conversation, author=None, text="Auto", automated=True, confirmation=True
        )
    assert refused.value.code == "policy.automation_outside_window"


def test_after_7_days_only_an_essential_notification_as_utility_template(
    graph, conversation_a, alice
):
    conversation = customer_wrote(conversation_a, timedelta(days=10))
    with pytest.raises(ApplicationError) as refused:
        outbound.message_send(
            conversation=conversation, author=alice, text="Sale 50%!", confirmation=True
        )
    assert refused.value.code == "policy.window_closed"
    message = outbound.message_send(
        conversation=conversation,
        author=alice,
        text="Đơn hàng #123 đã được giao",
        purpose="order_update",
    )
    assert message.policy_tag == "notification:order_update"
    assert PolicyAuditEntry.objects.get().purpose == "order_update"
    assert run_delivery(message) == "sent"
    body = sent(graph)[0]["body"]
    assert body["messaging_type"] == "UTILITY"
    assert "tag" not in body  # the deprecated tags are never sent
    payload = body["message"]["attachment"]["payload"]
    assert (payload["template_type"], payload["name"]) == ("utility", "inbox_order_update")
    assert payload["parameters"]["body"] == "Đơn hàng #123 đã được giao"


def test_refusal_reason_follows_the_active_language(conversation_a, alice):
    from django.utils import translation

    conversation = customer_wrote(conversation_a, timedelta(days=10))
    with translation.override("en"), pytest.raises(ApplicationError) as refused:
        outbound.message_send(conversation=conversation, author=alice, text="x")
    assert "7 days" in refused.value.message


@pytest.mark.parametrize("text,code", [("   ", "empty"), ("x" * 2001, "too_long")])
def test_bad_text_is_refused(conversation_a, alice, text, code):
    with pytest.raises(ApplicationError) as refused:
        outbound.message_send(conversation=conversation_a, author=alice, text=text)
    assert refused.value.code == code


def test_html_is_sent_as_typed(graph, conversation_a, alice):
    message = outbound.message_send(
        conversation=conversation_a, author=alice, text="<b>5%</b> & ok"
    )
    run_delivery(message)
    assert sent(graph)[0]["body"]["message"]["text"] == "<b>5%</b> & ok"


def test_attachment_is_sent_after_the_text(graph, conversation_a, alice):
    message = outbound.message_send(
        conversation=conversation_a,
        author=alice,
        text="Ảnh mẫu",
        attachments=[{"type": "image", "url": "https://cdn.example.vn/mau.jpg"}],
    )
    assert run_delivery(message) == "sent"
    first, second = sent(graph)
    assert first["body"]["message"]["text"] == "Ảnh mẫu"
    assert (
        second["body"]["message"]["attachment"]["payload"]["url"]
        == "https://cdn.example.vn/mau.jpg"
    )


def test_our_echo_after_delivery_does_not_duplicate(graph, client, page_a, conversation_a, alice):
    message = outbound.message_send(
        conversation=conversation_a, author=alice, text="Dạ shop chào chị"
    )
    run_delivery(message)
    message.refresh_from_db()
    echo = fixture("facebook", "echo_own_send")
    item = echo["entry"][0]["messaging"][0]
    item["recipient"]["id"] = "psid-a-1"
    item["message"].update(mid=message.external_id, metadata=f"inbox:{message.pk}")
    deliver(client, page_a, echo)
    assert Message.objects.filter(direction="out").count() == 1


def test_delivery_sweeper_requeues_stuck_pending_messages(conversation_a, alice):
    message = outbound.message_send(conversation=conversation_a, author=alice, text="x")
    assert delivery.message_deliver_sweep() == 0
    # Older than DELIVERY_SWEEP_AFTER_SECONDS, younger than DELIVERY_GIVE_UP_SECONDS.
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    assert delivery.message_deliver_sweep() == 1


def test_disabled_channel_refuses_to_send(conversation_a, alice, page_a):
    page_a.is_active = False
    page_a.save()
    with pytest.raises(ApplicationError):
        outbound.message_send(conversation=conversation_a, author=alice, text="x")


def test_instagram_reply_goes_through_me_messages(graph, client, ig_a, alice):
    deliver(client, ig_a, fixture("instagram", "message_text"))
    # The fixture's timestamp is a fixed day; the customer must have written just now.
    conversation = customer_wrote(
        Conversation.objects.get(channel_account=ig_a), timedelta(minutes=5)
    )
    message = outbound.message_send(conversation=conversation, author=alice, text="Dạ còn ạ")
    assert run_delivery(message) == "sent"
    [call] = sent(graph)
    assert call["path"] == "/me/messages"
    assert call["body"]["recipient"] == {"id": "6001001"}


def test_instagram_past_7_days_has_no_utility(ig_a, client, alice):
    post(client, ig_a, encode(fixture("instagram", "message_text")))
    from tests.channels_app.meta import process_pending

    process_pending()
    conversation = customer_wrote(Conversation.objects.get(), timedelta(days=9))
    with pytest.raises(ApplicationError):
        outbound.message_send(
            conversation=conversation, author=alice, text="x", purpose="order_update"
        )


def test_routing_claim_check_runs_before_the_policy(conversation_a, bob):
    """message_send calls routing's claim check: an agent must claim first."""
    with pytest.raises(ApplicationError):
        outbound.message_send(conversation=conversation_a, author=bob, text="Chào chị")
    assert not Message.objects.filter(direction="out").exists()
