"""What a person sees of replies that cannot or did not go out: the closed composer of a
channel that only receives, the failed bubble with "Send again", the "Not sent:" list row,
the channels page's "Receives only", and a commenter's composer."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from conversations.models import Conversation, Message
from conversations.services import comments, outbound
from tests.factories import make_channel_account, make_conversation

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def url(name, conversation, **kwargs):
    return reverse(name, kwargs={"ws": "shop-a", "pk": conversation.pk, **kwargs})


@pytest.fixture
def receive_only_conversation(workspace_a):
    oa = make_channel_account(workspace_a, "email", "shop-a@example.vn", "Shop A Mailbox")
    return make_conversation(oa, "le.thi@example.vn", "Lê Thị Thư", text="Shop ơi")


def failed_reply(conversation, text="Dạ còn ạ", error="Khách hàng không nhận tin") -> Message:
    now = timezone.now()
    message = Message.objects.create(
        workspace=conversation.workspace, conversation=conversation,
        channel_account=conversation.channel_account, direction="out", text=text,
        delivery_status="failed", delivery_error=error, sent_at=now, created_at=now,
    )  # fmt: skip
    Conversation.objects.filter(pk=conversation.pk).update(
        last_message_at=now, last_message_direction="out", last_message_preview=text,
        last_outbound_failed=True,
    )  # fmt: skip
    return message


def test_the_composer_of_a_channel_that_only_receives_is_closed_with_the_reason(
    client_for, alice, receive_only_conversation
):
    html = (
        client_for(alice)
        .get(url("conversation_composer", receive_only_conversation))
        .content.decode()
    )
    assert 'data-phase="no_sending"' in html and "is-locked" in html
    assert "Kênh này hiện chỉ nhận tin, chưa gửi được tin trả lời." in html
    assert "Chỉ nhận tin" in html  # where the window countdown would be


def test_a_send_on_a_channel_that_only_receives_comes_back_with_the_reason(
    client_for, alice, receive_only_conversation
):
    response = client_for(alice).post(
        url("conversation_send", receive_only_conversation),
        {"mode": "reply", "text": "Dạ có ạ"},
        **HX,
    )
    assert response.status_code == 422
    assert "Kênh này hiện chỉ nhận tin" in response.content.decode()
    assert not Message.objects.filter(direction="out").exists()


def test_a_reply_through_the_composer_still_goes_to_message_send(client_for, alice, conversation_a):
    response = client_for(alice).post(
        url("conversation_send", conversation_a), {"mode": "reply", "text": "Dạ còn ạ"}, **HX
    )
    assert response.status_code == 200
    reply = Message.objects.get(direction="out")
    assert (reply.kind, reply.delivery_status, reply.text) == ("inbox", "pending", "Dạ còn ạ")


def test_an_internal_note_still_works_on_a_channel_that_only_receives(
    client_for, alice, receive_only_conversation
):
    response = client_for(alice).post(
        url("conversation_send", receive_only_conversation),
        {"mode": "note", "text": "Gọi lại"},
        **HX,
    )
    assert response.status_code == 200
    assert Message.objects.filter(kind="note").count() == 1


def test_a_failed_reply_shows_the_reason_and_send_again(client_for, alice, conversation_a):
    message = failed_reply(conversation_a)
    html = client_for(alice).get(url("conversation", conversation_a)).content.decode()
    assert "Chưa gửi được: Khách hàng không nhận tin" in html
    assert url("message_retry", conversation_a, message_pk=message.pk) in html
    assert "Gửi lại" in html
    row = client_for(alice).get(url("conversation_row", conversation_a)).content.decode()
    assert 'data-testid="row-not-sent"' in row and "Bạn:" not in row


def test_send_again_puts_the_reply_back_to_sending(client_for, alice, conversation_a):
    message = failed_reply(conversation_a)
    response = client_for(alice).post(
        url("message_retry", conversation_a, message_pk=message.pk), **HX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="msg-{message.pk}"' in html and "Đang gửi" in html and "Gửi lại" not in html
    message.refresh_from_db()
    assert (message.delivery_status, message.delivery_error) == ("pending", "")
    row = client_for(alice).get(url("conversation_row", conversation_a)).content.decode()
    assert "Bạn:" in row and "row-not-sent" not in row


def test_send_again_refused_is_a_toast_and_changes_nothing(client_for, alice, bob, conversation_a):
    message = outbound.message_send(conversation=conversation_a, author=alice, text="Chào chị")
    response = client_for(alice).post(
        url("message_retry", conversation_a, message_pk=message.pk), **HX
    )
    assert response.status_code == 422
    toast = json.loads(response["HX-Trigger"])["inbox:toast"]
    assert toast["level"] == "error" and toast["message"]
    failed = failed_reply(conversation_a, text="Lần hai")
    response = client_for(bob).post(
        url("message_retry", conversation_a, message_pk=failed.pk), **HX
    )
    assert response.status_code == 422  # bob has not claimed the customer
    failed.refresh_from_db()
    assert failed.delivery_status == "failed"


def test_send_again_names_a_message_of_this_conversation_only(
    client_for, alice, page_a, conversation_a
):
    other = make_conversation(page_a, "psid-a-2", "Người khác")
    message = failed_reply(other)
    response = client_for(alice).post(
        url("message_retry", conversation_a, message_pk=message.pk), **HX
    )
    assert response.status_code == 422
    message.refresh_from_db()
    assert message.delivery_status == "failed"


def test_the_channels_page_says_receives_only_for_a_channel_without_a_sender(
    client_for, alice, page_a, receive_only_conversation
):
    html = client_for(alice).get(reverse("channels", kwargs={"ws": "shop-a"})).content.decode()
    receive_only_row = html[html.index("Shop A Mailbox") :].split("</tr>")[0]
    page_row = html[html.index("Shop A fanpage") :].split("</tr>")[0]
    assert "Chỉ nhận tin" in receive_only_row and "Đã kết nối" not in receive_only_row
    assert "Đã kết nối" in page_row and "Chỉ nhận tin" not in page_row


def test_a_commenters_composer_offers_the_comment_replies_and_no_tag_purposes(
    client_for, alice, page_a
):
    comment = comments.comment_record(
        channel_account=page_a, contact_external_id="psid-c-1", external_id="post_1_c1",
        verb="add", sent_at=timezone.now(), text="Giá bao nhiêu shop?", contact_name="Hà",
        post_id="post_1", post_url="https://www.facebook.com/post_1",
    )  # fmt: skip
    html = (
        client_for(alice).get(url("conversation_composer", comment.conversation)).content.decode()
    )
    assert 'data-phase="comments"' in html
    assert 'value="public_reply"' in html and 'value="private_reply"' in html
    assert f'name="comment" value="{comment.pk}"' in html
    assert "chưa nhắn tin qua Messenger" in html and "Chưa có cửa sổ Messenger" in html
    assert 'name="purpose"' not in html and "Đã quá 7 ngày" not in html
    assert 'value="reply"' not in html and "is-locked" not in html
