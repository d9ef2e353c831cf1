"""Sending, as a person sees it in a real browser: the composer of a kind that only receives
(e-mail) is closed with the reason (notes still work) and the channels page says "Receives only"; a reply that
fails turns into a failed bubble with its reason and "Send again" and its list row into
"Not sent:", live, and "Send again" delivers it; a customer who only commented is offered
the public and the private reply, without the 7-day text or tag purposes."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from channels_app.services import delivery
from conversations.models import Message
from conversations.services.comments import comment_record
from devtools import standin
from tests.browser.conftest import off_loop
from tests.channels_app.test_delivery import fail_next, sent
from tests.factories import make_channel_account, make_conversation, make_user, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STEP = 10000  # ms: a round trip plus a live push on a loaded machine


@pytest.fixture
def shop():
    workspace = make_workspace("Shop A", "shop-a")
    alice = make_user("alice@a.test", "Alice", workspace, "owner")
    page = make_channel_account(workspace, "facebook", "1001", "Shop A fanpage")
    oa = make_channel_account(workspace, "email", "shop-a@example.vn", "Shop A Mailbox")
    return {"workspace": workspace, "alice": alice, "page": page, "oa": oa}


@pytest.fixture
def graph(settings):
    """The provider stand-in: deliveries run in this process (as the worker would) reach it."""
    server = standin.start_in_thread()
    settings.META_GRAPH_URL = standin.base_url(server)
    yield server
    server.shutdown()
    server.server_close()


def shots(page, name: str) -> None:
    page.set_viewport_size({"width": 1440, "height": 900})
    page.screenshot(path=f"/tmp/sending-{name}-1440.png")
    page.set_viewport_size({"width": 1280, "height": 720})
    page.screenshot(path=f"/tmp/sending-{name}-1280.png")
    page.set_viewport_size({"width": 1440, "height": 900})


def deliver(message) -> str:
    return off_loop(
        delivery.message_deliver, workspace_id=message.workspace_id, message_id=message.pk
    )


def test_a_receive_only_conversation_shows_the_closed_composer_with_the_reason(open_inbox, shop):
    conversation = make_conversation(shop["oa"], "le.thi@example.vn", "Lê Thị Thư", text="Shop ơi")
    page = open_inbox(shop["alice"], f"/w/shop-a/c/{conversation.pk}/")
    composer = page.get_by_test_id("composer")
    expect(composer).to_have_attribute("data-phase", "no_sending")
    expect(page.get_by_test_id("no-sending-reason")).to_have_text(
        "Kênh này hiện chỉ nhận tin, chưa gửi được tin trả lời."
    )
    expect(page.get_by_test_id("window-info")).to_contain_text("Chỉ nhận tin")
    expect(page.get_by_test_id("composer-input")).to_be_hidden()
    expect(page.get_by_test_id("send")).to_be_hidden()
    shots(page, "receive-only-composer")

    # An internal note is still possible; nothing goes to the customer.
    page.locator("#composer .tab-note").click()
    box = page.get_by_test_id("composer-input")
    expect(box).to_be_visible()
    box.fill("Khách e-mail: gọi lại sau")
    box.press("Enter")
    expect(page.locator("#timeline")).to_contain_text("Khách e-mail: gọi lại sau", timeout=STEP)
    assert not Message.objects.filter(direction="out", kind="inbox").exists()

    page.goto("/w/shop-a/channels/")
    expect(page.get_by_test_id("receives-only")).to_have_count(1)
    expect(page.locator("tr", has_text="Shop A Mailbox")).to_contain_text("Chỉ nhận tin")
    expect(page.locator("tr", has_text="Shop A Mailbox")).not_to_contain_text("Đã kết nối")
    expect(page.locator("tr", has_text="Shop A fanpage")).to_contain_text("Đã kết nối")
    shots(page, "channels")
    assert not page.errors


def test_a_failed_reply_shows_the_failed_state_and_send_again(open_inbox, shop, graph):
    conversation = make_conversation(shop["page"], "psid-1", "Nguyễn Văn A", text="Còn size M?")
    page = open_inbox(shop["alice"], f"/w/shop-a/c/{conversation.pk}/")
    box = page.get_by_test_id("composer-input")
    box.fill("Dạ còn size M ạ")
    box.press("Enter")
    # The bubble comes in the answer and in the push; the page keeps one.
    expect(page.locator(".msg-out").first).to_contain_text("Dạ còn size M ạ", timeout=STEP)
    expect(page.locator(".msg-out")).to_have_count(1, timeout=STEP)
    reply = Message.objects.get(direction="out")
    # The answer's bubble and the push's can both be there for a moment: read the one kept.
    bubble = page.locator(f"#msg-{reply.pk}").first
    expect(bubble.get_by_test_id("delivery")).to_have_text("Đang gửi", timeout=STEP)

    # The provider refuses it: the bubble and the list row change live.
    fail_next(graph, "user_unavailable")
    assert deliver(reply) == "failed"
    expect(bubble.get_by_test_id("delivery-failed")).to_contain_text("Chưa gửi được:", timeout=STEP)
    expect(bubble.get_by_test_id("retry")).to_have_text("Gửi lại")
    row = page.locator(f"#conv-{conversation.pk}")
    expect(row.get_by_test_id("row-not-sent")).to_have_text("Chưa gửi được:", timeout=STEP)
    shots(page, "failed-reply")

    # Send again: back to sending, then delivered through the stand-in.
    bubble.get_by_test_id("retry").click()
    expect(bubble.get_by_test_id("delivery")).to_have_text("Đang gửi", timeout=STEP)
    expect(bubble.get_by_test_id("retry")).to_have_count(0)
    assert deliver(reply) == "sent"
    expect(bubble.get_by_test_id("delivery")).to_have_text("Đã gửi", timeout=STEP)
    expect(row.locator(".conv-you")).to_have_text("Bạn:", timeout=STEP)
    assert [call["body"]["message"]["text"] for call in sent(graph)] == ["Dạ còn size M ạ"]
    shots(page, "sent-again")
    assert not page.errors


def test_a_comment_only_conversation_offers_public_and_private_reply(open_inbox, shop):
    comment = comment_record(
        channel_account=shop["page"], contact_external_id="psid-c-1", external_id="post_1_c1",
        verb="add", sent_at=timezone.now(), text="Áo này giá bao nhiêu shop?",
        contact_name="Phạm Hà", post_id="post_1", post_url="https://www.facebook.com/post_1",
    )  # fmt: skip
    page = open_inbox(shop["alice"], f"/w/shop-a/c/{comment.conversation_id}/")
    composer = page.get_by_test_id("composer")
    expect(composer).to_have_attribute("data-phase", "comments")
    expect(page.get_by_test_id("comment-info")).to_contain_text("chưa nhắn tin qua Messenger")
    expect(page.get_by_test_id("window-info")).to_contain_text("Chưa có cửa sổ Messenger")
    expect(composer).not_to_contain_text("Đã quá 7 ngày")
    expect(composer.locator('input[name="purpose"]')).to_have_count(0)
    expect(composer.get_by_test_id("gate")).to_have_count(0)
    expect(page.get_by_test_id("mode-public-reply")).to_have_count(1)
    expect(page.get_by_test_id("mode-private-reply")).to_be_checked()
    shots(page, "comment-only")

    box = page.get_by_test_id("composer-input")
    box.fill("Chào bạn, áo giá 150k ạ")
    box.press("Enter")
    expect(page.locator(".msg-out").first).to_contain_text("Chào bạn, áo giá 150k", timeout=STEP)
    expect(page.locator(".msg-out")).to_have_count(1, timeout=STEP)
    private = Message.objects.get(direction="out")
    assert private.meta["private_reply_to"] == "post_1_c1"
    # The one private reply is used: the public reply remains, and the composer says why.
    expect(page.get_by_test_id("mode-private-reply")).to_have_count(0, timeout=STEP)
    expect(page.get_by_test_id("mode-public-reply")).to_be_checked()
    expect(page.get_by_test_id("comment-info")).to_contain_text("Meta chỉ cho phép một")
    box.fill("Shop đã nhắn riêng cho bạn ạ")
    box.press("Enter")
    public = page.locator(".msg-comment.msg-out")
    expect(public.first).to_contain_text("Shop đã nhắn riêng", timeout=STEP)
    expect(public).to_have_count(1, timeout=STEP)
    assert Message.objects.filter(direction="out", kind="comment").count() == 1
    shots(page, "comment-replied")
    assert not page.errors
