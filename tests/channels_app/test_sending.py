"""Replies that cannot go out, and replies that did not: a channel without a sending adapter
refuses up front and stores nothing; every failed delivery (no adapter, an adapter that
crashes, a provider error, the sweeper giving up) ends failed with a reason; "Send again"
re-queues it and it goes out through the provider stand-in; a commenter is answered through
the composer's public and private replies."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from channels_app import providers
from channels_app.models import ChannelAccount, PolicyAuditEntry
from channels_app.services import delivery
from conversations.models import Conversation, Message
from conversations.presenters import present_rows
from conversations.selectors.rows import conversation_rows
from conversations.services import inbound, outbound
from inbox_project.errors import ApplicationError
from tests.channels_app.meta import deliver, fixture
from tests.channels_app.test_delivery import customer_wrote, fail_next, run_delivery, sent
from tests.factories import make_channel_account, make_conversation

pytestmark = pytest.mark.django_db

NO_SENDING_VI = "Kênh này hiện chỉ nhận tin, chưa gửi được tin trả lời."
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def receive_only_conversation(workspace_a):
    oa = make_channel_account(workspace_a, "email", "shop-a@example.vn", "Shop A Mailbox")
    return make_conversation(oa, "le.thi@example.vn", "Lê Thị Thư", text="Shop ơi")


def pending_reply(conversation, **fields) -> Message:
    """A reply saved pending the way message_send saves one, without its checks (rows saved
    before a channel lost its sender, or data an adapter cannot handle)."""
    now = timezone.now()
    values = {"text": "Dạ shop đây", "sent_at": now, "created_at": now, **fields}
    message = Message.objects.create(
        workspace=conversation.workspace, conversation=conversation,
        channel_account=conversation.channel_account, direction="out",
        delivery_status="pending", **values,
    )  # fmt: skip
    Conversation.objects.filter(pk=conversation.pk).update(
        last_message_at=values["sent_at"], last_message_direction="out",
        last_message_preview=values["text"],
    )  # fmt: skip
    return message


def row_prefix(conversation) -> str:
    rows = list(conversation_rows(Conversation.objects.filter(pk=conversation.pk)))
    with translation.override("vi"):
        [row] = present_rows(rows, workspace=conversation.workspace)
    return row.ui.you


# --- can a channel send ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind,can",
    [("facebook", True), ("instagram", True), ("zalo", True), ("shopee", True),
     ("email", False), ("nonsense", False)],
)  # fmt: skip
def test_can_send_comes_from_the_provider_registry(kind, can):
    assert providers.can_send(kind) is can
    assert ChannelAccount(kind=kind).can_send is can


def test_a_reply_on_a_channel_that_cannot_send_is_refused_and_nothing_is_stored(
    receive_only_conversation, alice, django_capture_on_commit_callbacks
):
    before = Conversation.objects.values().get(pk=receive_only_conversation.pk)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(ApplicationError) as refused:
            outbound.message_send(
                conversation=receive_only_conversation, author=alice, text="Dạ có ạ"
            )
    assert refused.value.code == "policy.no_sending"
    assert refused.value.message == NO_SENDING_VI
    assert not Message.objects.filter(direction="out").exists()
    assert not PolicyAuditEntry.objects.exists()
    assert Conversation.objects.values().get(pk=receive_only_conversation.pk) == before
    assert callbacks == []  # no push, no delivery task


# --- every failure ends failed, with a reason ------------------------------------------------


def test_a_channel_without_a_sending_adapter_fails_the_delivery_with_the_reason(
    receive_only_conversation, pushes, django_capture_on_commit_callbacks
):
    message = pending_reply(receive_only_conversation)
    assert row_prefix(receive_only_conversation) == "Bạn:"
    with django_capture_on_commit_callbacks(execute=True):
        assert run_delivery(message) == "failed"
    message.refresh_from_db()
    assert (message.delivery_status, message.delivery_error) == ("failed", NO_SENDING_VI)
    assert message.meta["delivery_error_code"] == "no_sending"
    assert row_prefix(receive_only_conversation) == "Chưa gửi được:"
    # The push updates the bubble (reason, "Send again") and the row ("Not sent:").
    [push] = pushes.events("message.updated")
    assert push["message_id"] == message.pk
    assert NO_SENDING_VI in push["html"] and "Gửi lại" in push["html"]
    assert "Chưa gửi được:" in push["row"] and "Bạn:" not in push["row"]


def test_an_adapter_that_crashes_fails_the_delivery(graph, conversation_a):
    message = pending_reply(conversation_a, text="", attachments=["not an attachment"])
    assert run_delivery(message) == "failed"
    message.refresh_from_db()
    assert message.delivery_status == "failed"
    assert message.meta["delivery_error_code"] == "crashed"
    assert "lỗi phía hệ thống" in message.delivery_error
    assert sent(graph) == []
    assert row_prefix(conversation_a) == "Chưa gửi được:"


def test_a_permanent_provider_error_fails_with_the_providers_reason(graph, conversation_a, alice):
    message = outbound.message_send(conversation=conversation_a, author=alice, text="Chào chị")
    fail_next(graph, "user_unavailable")
    assert run_delivery(message) == "failed"
    message.refresh_from_db()
    assert message.delivery_status == "failed" and "(#" in message.delivery_error
    assert row_prefix(conversation_a) == "Chưa gửi được:"


def test_the_last_transient_attempt_fails(graph, conversation_a, alice, settings):
    settings.DELIVERY_MAX_ATTEMPTS = 1
    message = outbound.message_send(conversation=conversation_a, author=alice, text="Chào chị")
    fail_next(graph, "server_error")
    assert run_delivery(message) == "failed"
    assert row_prefix(conversation_a) == "Chưa gửi được:"


def test_the_sweeper_gives_up_on_a_reply_pending_too_long(conversation_a, alice, settings):
    settings.DELIVERY_GIVE_UP_SECONDS = 600
    stuck = outbound.message_send(conversation=conversation_a, author=alice, text="Lâu quá")
    Message.objects.filter(pk=stuck.pk).update(
        created_at=timezone.now() - timedelta(minutes=11), delivery_error="Máy chủ Meta bận"
    )
    recent = outbound.message_send(conversation=conversation_a, author=alice, text="Vừa gửi")
    Message.objects.filter(pk=recent.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    assert delivery.message_deliver_sweep() == 1  # the recent one is re-queued
    stuck.refresh_from_db()
    recent.refresh_from_db()
    assert (stuck.delivery_status, stuck.meta["delivery_error_code"]) == ("failed", "gave_up")
    assert "Không gửi được tin nhắn trong thời gian cho phép" in stuck.delivery_error
    assert "Máy chủ Meta bận" in stuck.delivery_error  # the last attempt's reason is kept
    assert recent.delivery_status == "pending"
    # The newest message (still pending) is what the row shows: it still says "You:".
    assert row_prefix(conversation_a) == "Bạn:"


def test_the_give_up_time_counts_from_the_last_send_again(graph, conversation_a, alice, settings):
    settings.DELIVERY_GIVE_UP_SECONDS = 600
    message = outbound.message_send(conversation=conversation_a, author=alice, text="Chào chị")
    fail_next(graph, "user_unavailable")
    run_delivery(message)
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(hours=2))
    outbound.message_retry(message=message, user=alice)
    assert delivery.message_deliver_sweep() == 0  # just queued again: neither re-queued nor failed
    message.refresh_from_db()
    assert message.delivery_status == "pending"
    later = timezone.now() + timedelta(minutes=11)
    delivery.message_deliver_sweep(now=later)
    message.refresh_from_db()
    assert message.delivery_status == "failed"


# --- send again --------------------------------------------------------------------------------


def test_send_again_requeues_and_delivers_through_the_standin(
    graph, conversation_a, alice, django_capture_on_commit_callbacks
):
    message = outbound.message_send(conversation=conversation_a, author=alice, text="Dạ còn ạ")
    fail_next(graph, "user_unavailable")
    assert run_delivery(message) == "failed"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        retried = outbound.message_retry(message=message, user=alice)
    # the push, then the after-commit subscribers of MessageQueued (delivery, the reports,
    # automation's follow-up cancel: an agent replied)
    assert len(callbacks) == 4
    retried.refresh_from_db()
    assert (retried.delivery_status, retried.delivery_error, retried.delivery_attempts) == (
        "pending",
        "",
        0,
    )
    assert row_prefix(conversation_a) == "Bạn:"
    assert run_delivery(retried) == "sent"
    retried.refresh_from_db()
    [call] = sent(graph)
    assert call["body"]["message"]["text"] == "Dạ còn ạ"
    assert retried.external_id == call["result_id"]


def test_send_again_is_refused_unless_the_reply_failed(graph, conversation_a, alice):
    message = outbound.message_send(conversation=conversation_a, author=alice, text="Chào chị")
    with pytest.raises(ApplicationError) as refused:
        outbound.message_retry(message=message, user=alice)  # still pending
    assert refused.value.code == "not_failed"
    run_delivery(message)
    with pytest.raises(ApplicationError):
        outbound.message_retry(message=message, user=alice)  # sent
    assert len(sent(graph)) == 1


def test_send_again_is_refused_to_someone_who_may_not_reply(graph, conversation_a, alice, bob):
    message = outbound.message_send(conversation=conversation_a, author=alice, text="Chào chị")
    fail_next(graph, "user_unavailable")
    run_delivery(message)
    with pytest.raises(ApplicationError) as refused:
        outbound.message_retry(message=message, user=bob)  # an agent who did not claim it
    assert refused.value.code == "claim_required"
    message.refresh_from_db()
    assert message.delivery_status == "failed"


def test_send_again_is_refused_on_a_channel_that_cannot_send(receive_only_conversation, alice):
    message = pending_reply(receive_only_conversation)
    run_delivery(message)
    with pytest.raises(ApplicationError) as refused:
        outbound.message_retry(message=message, user=alice)
    assert refused.value.code == "policy.no_sending"
    message.refresh_from_db()
    assert message.delivery_status == "failed"


def test_send_again_checks_the_reply_window_again(graph, conversation_a, alice):
    message = outbound.message_send(conversation=conversation_a, author=alice, text="Chào chị")
    fail_next(graph, "user_unavailable")
    run_delivery(message)
    customer_wrote(conversation_a, timedelta(days=2))  # the 24 h window has passed since
    with pytest.raises(ApplicationError) as refused:
        outbound.message_retry(message=message, user=alice)
    assert refused.value.code == "policy.needs_confirmation"

    # A reply the agent confirmed as HUMAN_AGENT keeps its confirmation.
    tagged = outbound.message_send(
        conversation=conversation_a, author=alice, text="Dạ shop trả lời", confirmation=True
    )
    fail_next(graph, "user_unavailable")
    run_delivery(tagged)
    outbound.message_retry(message=tagged, user=alice)
    assert run_delivery(tagged) == "sent"
    body = sent(graph)[-1]["body"]
    assert (body["messaging_type"], body["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")


def test_a_newer_message_replaces_the_not_sent_row(graph, page_a, conversation_a, alice):
    message = outbound.message_send(conversation=conversation_a, author=alice, text="Chào chị")
    fail_next(graph, "user_unavailable")
    run_delivery(message)
    assert row_prefix(conversation_a) == "Chưa gửi được:"
    inbound.message_record_inbound(
        channel_account=page_a, contact_external_id="psid-a-1", external_id="m_new",
        sent_at=timezone.now(), text="Sao chưa thấy shop trả lời?",
    )  # fmt: skip
    assert row_prefix(conversation_a) == ""
    conversation_a.refresh_from_db()
    assert not conversation_a.last_outbound_failed


# --- a commenter, through the composer -----------------------------------------------------------


@pytest.fixture
def comment(client, page_a):
    data = fixture("facebook", "comment_add")
    data["entry"][0]["changes"][0]["value"]["created_time"] = int(timezone.now().timestamp())
    deliver(client, page_a, data)
    return Message.objects.get(kind="comment")


def test_a_commenter_is_refused_a_messenger_reply(comment, alice):
    with pytest.raises(ApplicationError) as refused:
        outbound.message_send(conversation=comment.conversation, author=alice, text="Chào bạn")
    assert refused.value.code == "policy.comment_only"
    assert not Message.objects.filter(direction="out").exists()


def test_the_commenters_composer_sends_the_private_reply_to_the_standin(
    graph, client, comment, alice
):
    client.force_login(alice)
    conversation = comment.conversation
    composer = client.get(
        reverse("conversation_composer", kwargs={"ws": "shop-a", "pk": conversation.pk})
    ).content.decode()
    assert 'value="private_reply"' in composer and 'value="public_reply"' in composer
    assert 'name="purpose"' not in composer and "Đã quá 7 ngày" not in composer
    url = reverse("conversation_send", kwargs={"ws": "shop-a", "pk": conversation.pk})
    response = client.post(
        url, {"mode": "private_reply", "comment": comment.pk, "text": "Giá 150k bạn nhé"}, **HX
    )
    assert response.status_code == 200
    private = Message.objects.get(direction="out")
    assert private.meta["private_reply_to"] == comment.external_id
    assert run_delivery(private) == "sent"
    assert sent(graph)[-1]["body"]["recipient"] == {"comment_id": comment.external_id}

    # The one private reply is used: the composer now offers the public reply only, and says why.
    composer = client.get(
        reverse("conversation_composer", kwargs={"ws": "shop-a", "pk": conversation.pk})
    ).content.decode()
    assert 'value="private_reply"' not in composer and 'value="public_reply"' in composer
    assert "Meta chỉ cho phép một tin nhắn riêng" in composer
    response = client.post(
        url, {"mode": "public_reply", "comment": comment.pk, "text": "Shop đã inbox ạ"}, **HX
    )
    assert response.status_code == 200
    public = Message.objects.get(direction="out", kind="comment")
    assert run_delivery(public) == "sent"
    assert sent(graph)[-1]["path"] == f"/{comment.external_id}/comments"
