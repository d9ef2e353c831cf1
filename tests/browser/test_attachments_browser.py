"""Attachments in a real browser: a page or an SVG picked in the composer is refused with its
reason shown, and a real picture is sent, shown from a link relative to the page (the server
runs on a port other than SITE_URL's) and usable as the customer's avatar."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conversations.models import Conversation, Customer, Message
from tests.conversations.test_attachment_files import HTML, SVG, png_bytes
from tests.factories import make_channel_account, make_conversation, make_user, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
STEP = 10000


@pytest.fixture
def shop():
    workspace = make_workspace("Shop A", "shop-a")
    bob = make_user("bob@a.test", "Bob", workspace, "agent")
    page = make_channel_account(workspace, "facebook", "1001", "Shop A fanpage")
    conversation = make_conversation(page, "psid-1", "Nguyễn Văn A", text="Gửi ảnh giúp em",
                                     at=timezone.now())  # fmt: skip
    Conversation.objects.filter(pk=conversation.pk).update(assignee=bob, claimed_at=timezone.now())
    return {"bob": bob, "conversation": conversation}


def attach_and_send(page, name: str, mime: str, content: bytes, text: str = "") -> None:
    page.locator("#composer input[name=files]").set_input_files(
        {"name": name, "mimeType": mime, "buffer": content}
    )
    box = page.get_by_test_id("composer-input")
    box.click()
    if text:
        box.type(text)
    box.press("Enter")


@pytest.mark.parametrize(
    "name, mime, content",
    [("trang.html", "text/html", HTML), ("logo.svg", "image/svg+xml", SVG),
     ("anh.png", "image/png", HTML)],
)  # fmt: skip
def test_a_page_or_svg_is_refused_with_its_reason(open_inbox, shop, name, mime, content):
    page = open_inbox(shop["bob"], f"/w/shop-a/c/{shop['conversation'].pk}/")
    attach_and_send(page, name, mime, content, text="Ảnh đây ạ")
    error = page.get_by_test_id("composer-error")
    expect(error).to_be_visible(timeout=STEP)
    expect(error).to_contain_text(f"“{name}” không gửi được")
    expect(page.get_by_test_id("composer-input")).to_have_value("Ảnh đây ạ")  # nothing lost
    assert not Message.objects.filter(conversation=shop["conversation"], direction="out").exists()
    assert page.errors == []


def test_a_picture_is_sent_and_loads_from_a_relative_link(open_inbox, shop, live_server_url):
    conversation = shop["conversation"]
    page = open_inbox(shop["bob"], f"/w/shop-a/c/{conversation.pk}/")
    attach_and_send(page, "áo thun.png", "image/png", png_bytes())
    picture = page.locator("#timeline-items .msg-out .att-image img").last
    expect(picture).to_be_visible(timeout=STEP)
    src = picture.get_attribute("src")
    assert src.startswith("/media/outbound/") and "áo" not in src
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=picture.element_handle()
    )
    # the same stored picture as the customer's avatar, linked the way profiles store it
    Customer.objects.filter(pk=conversation.customer_id).update(avatar_url=src)
    page.reload()
    avatar = page.locator("#customer-pane .avatar-img").first
    expect(avatar).to_have_attribute("src", src, timeout=STEP)
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=avatar.element_handle()
    )
    assert not live_server_url.endswith(":8000")
