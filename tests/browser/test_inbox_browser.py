"""The inbox in a real browser: live messages, replying with Enter, quick replies, filters and
accent-insensitive search, the 24 h / 7 day composer, keyboard shortcuts, and a dropped socket
that reconnects without missing anything."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conversations.models import Conversation, Customer, Message, QuickReply
from conversations.services.inbound import message_record_inbound
from tests.browser.conftest import off_loop
from tests.factories import make_channel_account, make_conversation, make_user, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIVE = 5000  # ms: "within a second" plus slack for a loaded machine (2 shared cores)
STEP = 10000  # ms: a round trip plus a live push, on that same machine


@pytest.fixture
def shop():
    workspace = make_workspace("Shop A", "shop-a")
    bob = make_user("bob@a.test", "Bob", workspace, "agent")
    page = make_channel_account(workspace, "facebook", "1001", "Shop A fanpage")
    now = timezone.now()
    first = make_conversation(page, "psid-1", "Nguyễn Văn A", text="Còn size M không?", at=now)
    second = make_conversation(
        page, "psid-2", "Trần Thị B", text="Ship về Đà Nẵng bao lâu?", at=now - timedelta(minutes=5)
    )
    return {"workspace": workspace, "bob": bob, "page": page, "first": first, "second": second}


def claim(conversation, user):
    Conversation.objects.filter(pk=conversation.pk).update(assignee=user, claimed_at=timezone.now())


def inbound(conversation, text: str, mid: str, **fields):
    """A customer's message through the real message service, pushed live like a webhook's."""
    return off_loop(
        message_record_inbound,
        channel_account=conversation.channel_account,
        contact_external_id=conversation.contact.external_id,
        external_id=mid,
        sent_at=timezone.now(),
        text=text,
        **fields,
    )


def new_customer(account, psid: str, name: str, text: str):
    return off_loop(
        message_record_inbound, channel_account=account, contact_external_id=psid,
        external_id=f"m-{psid}", sent_at=timezone.now(), text=text, contact_name=name,
    )  # fmt: skip


def conversation_path(conversation) -> str:
    return f"/w/shop-a/c/{conversation.pk}/"


def test_a_new_message_appears_without_reload(open_inbox, shop):
    page = open_inbox(shop["bob"], conversation_path(shop["first"]))
    page.evaluate("window.__marker = 'same page'")
    message = inbound(shop["first"], "Cho em xem màu đen với", "live-1")
    expect(page.locator(f"#msg-{message.pk}")).to_contain_text("Cho em xem màu đen", timeout=LIVE)
    # the second conversation moves to the top of the list when its customer writes
    inbound(shop["second"], "Alo shop ơi", "live-2")
    first_row = page.locator("#conv-list > li.conv-row").first
    expect(first_row).to_have_id(f"conv-{shop['second'].pk}", timeout=LIVE)
    expect(first_row).to_contain_text("Alo shop ơi")
    # a brand-new customer shows up too
    new_customer(shop["page"], "psid-new", "Lê Mới", "Khách mới đây")
    expect(page.locator("#conv-list")).to_contain_text("Lê Mới", timeout=LIVE)
    assert page.evaluate("window.__marker") == "same page"  # never reloaded
    assert not page.errors


def test_agent_replies_with_enter(open_inbox, shop):
    claim(shop["first"], shop["bob"])
    page = open_inbox(shop["bob"], conversation_path(shop["first"]))
    box = page.get_by_test_id("composer-input")
    box.click()
    box.type("Dạ còn ạ")
    box.press("Shift+Enter")
    box.type("Chị lấy màu nào?")
    assert box.input_value() == "Dạ còn ạ\nChị lấy màu nào?"
    box.press("Enter")
    expect(page.locator("#timeline-items .msg-out").last).to_contain_text("Chị lấy màu nào?")
    expect(page.get_by_test_id("composer-input")).to_have_value("")
    sent = Message.objects.get(conversation=shop["first"], direction="out")
    assert sent.text == "Dạ còn ạ\nChị lấy màu nào?" and sent.author == shop["bob"]
    # exactly one bubble although it came back both in the response and over the socket
    page.wait_for_timeout(500)
    expect(page.locator(f"#msg-{sent.pk}")).to_have_count(1)
    # an internal note, switched to with the N shortcut
    page.get_by_test_id("composer-input").press("Escape")
    page.keyboard.press("n")
    page.get_by_test_id("composer-input").type("Khách quen, ưu tiên")
    page.get_by_test_id("composer-input").press("Enter")
    expect(page.locator("#timeline-items .msg-note").last).to_contain_text("Khách quen")


def test_slash_opens_quick_replies_filtered_as_you_type(open_inbox, shop):
    QuickReply.objects.create(workspace=shop["workspace"], shortcut="gia", text="Dạ giá {name} ạ")
    QuickReply.objects.create(workspace=shop["workspace"], shortcut="ship", text="Ship 2-3 ngày ạ")
    QuickReply.objects.create(workspace=shop["workspace"], shortcut="size", text="Có đủ size ạ")
    claim(shop["first"], shop["bob"])
    # The page starts without a conversation; the one opened from the list has the replies.
    page = open_inbox(shop["bob"], "/w/shop-a/")
    page.keyboard.press("j")
    expect(page.get_by_test_id("conv-header")).to_contain_text("Nguyễn Văn A")
    box = page.get_by_test_id("composer-input")
    box.click()
    box.type("Chào chị /s")
    menu = page.get_by_test_id("quick-replies")
    expect(menu).to_be_visible()
    expect(menu.locator("li")).to_have_count(2)  # ship, size
    box.type("i")
    expect(menu.locator("li")).to_have_count(1)
    box.press("Backspace")
    box.press("ArrowDown")  # ship -> size
    box.press("Enter")
    expect(box).to_have_value("Chào chị Có đủ size ạ")
    expect(menu).to_be_hidden()
    box.press("Control+a")
    box.press("Delete")
    box.type("/gia")
    box.press("Enter")
    expect(box).to_have_value("Dạ giá Nguyễn Văn A ạ")  # {name} is the customer
    assert not Message.objects.filter(direction="out").exists()  # inserting never sends


def test_filters_and_accent_insensitive_search(open_inbox, shop):
    Customer.objects.filter(pk=shop["second"].customer_id).update(phones=["+84912345678"])
    page = open_inbox(shop["bob"], "/w/shop-a/")
    rows = page.locator("#conv-list > li.conv-row")
    expect(rows).to_have_count(2)
    page.keyboard.press("/")
    expect(page.get_by_test_id("search")).to_be_focused()
    page.keyboard.type("nguyen van a")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Nguyễn Văn A")
    expect(page).to_have_url(re.compile(r"q=nguyen\+van\+a"))
    page.get_by_test_id("search").fill("0912 345 678")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Trần Thị B")
    page.get_by_test_id("search").fill("")
    expect(rows).to_have_count(2)
    page.get_by_test_id("more-filters").locator("summary").click()
    page.get_by_test_id("filter-phone").select_option("yes")
    expect(rows).to_have_count(1)
    page.get_by_text("Unanswered").or_(page.get_by_text("Chưa trả lời")).first.click()
    expect(rows).to_have_count(1)
    # the URL is the state: reload keeps the filters
    page.reload()
    expect(page.locator("#conv-list > li.conv-row")).to_have_count(1)
    expect(page.get_by_test_id("filter-phone")).to_have_value("yes")


def test_past_24_hours_the_agent_confirms_a_direct_reply(open_inbox, shop):
    claim(shop["first"], shop["bob"])
    Conversation.objects.filter(pk=shop["first"].pk).update(
        last_inbound_at=timezone.now() - timedelta(hours=30)
    )
    page = open_inbox(shop["bob"], conversation_path(shop["first"]))
    gate = page.get_by_test_id("gate")
    expect(gate).to_be_visible()
    expect(gate).to_contain_text(re.compile("promotional|quảng cáo"))
    expect(page.get_by_test_id("composer-input")).to_be_hidden()
    expect(page.get_by_test_id("window-info")).to_contain_text(re.compile(r"\d"))  # countdown
    page.get_by_test_id("gate-open").click()
    box = page.get_by_test_id("composer-input")
    expect(box).to_be_focused()
    box.type("Dạ em trả lời chị về đơn hàng")
    box.press("Enter")
    expect(page.locator("#timeline-items .msg-out").last).to_contain_text("Dạ em trả lời chị")
    sent = Message.objects.get(conversation=shop["first"], direction="out")
    assert sent.policy_tag == "human_agent"


def test_past_7_days_only_an_essential_notification_and_refusals_are_shown(open_inbox, shop, db):
    claim(shop["first"], shop["bob"])
    Conversation.objects.filter(pk=shop["first"].pk).update(
        last_inbound_at=timezone.now() - timedelta(days=9)
    )
    page = open_inbox(shop["bob"], conversation_path(shop["first"]))
    gate = page.get_by_test_id("gate")
    expect(gate).to_contain_text(re.compile("proactively|chủ động"))
    page.get_by_test_id("gate-open").click()  # no purpose picked yet: stays closed
    expect(page.get_by_test_id("composer-input")).to_be_hidden()
    page.get_by_test_id("purpose-order_update").check()
    page.get_by_test_id("gate-open").click()
    box = page.get_by_test_id("composer-input")
    box.type("Đơn hàng của chị đã giao")
    box.press("Enter")
    expect(page.locator("#timeline-items .msg-out").last).to_contain_text("Đơn hàng của chị")
    assert Message.objects.get(direction="out").policy_tag == "notification:order_update"
    # The server refuses (another agent took the customer meanwhile): a clear message.
    other = make_user("an@a.test", "An", shop["workspace"], "agent")
    claim(shop["first"], other)
    page.get_by_test_id("composer-input").type("Thêm một tin")  # the purpose stays chosen
    page.get_by_test_id("composer-input").press("Enter")
    expect(page.get_by_test_id("composer-error")).to_be_visible()
    expect(page.get_by_test_id("composer-input")).to_have_value("Thêm một tin")
    assert Message.objects.filter(direction="out").count() == 1


def test_keyboard_shortcuts(open_inbox, shop):
    page = open_inbox(shop["bob"], "/w/shop-a/")
    page.keyboard.press("j")
    expect(page).to_have_url(re.compile(rf"/c/{shop['first'].pk}/"))
    expect(page.get_by_test_id("conv-header")).to_contain_text("Nguyễn Văn A")
    page.keyboard.press("j")
    expect(page).to_have_url(re.compile(rf"/c/{shop['second'].pk}/"))
    expect(page.get_by_test_id("conv-header")).to_contain_text("Trần Thị B")
    page.keyboard.press("Alt+ArrowUp")
    expect(page).to_have_url(re.compile(rf"/c/{shop['first'].pk}/"))
    page.keyboard.press("Alt+s")
    expect(page.get_by_test_id("follow")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(f"#conv-{shop['first'].pk}")).to_have_class(re.compile("is-following"))
    page.keyboard.press("Alt+m")
    expect(page.get_by_test_id("mute")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("Alt+c")  # claim (routing's panel)
    expect(page.get_by_test_id("conv-header")).to_have_attribute(
        "data-assignee", str(shop["bob"].pk), timeout=STEP
    )
    # As an agent would: the header that the claim re-renders is on screen before Alt+X.
    expect(page.locator('#conv-header [data-testid="close-button"]')).to_be_enabled()
    page.wait_for_load_state("networkidle")
    page.keyboard.press("Alt+x")  # end the consultation
    expect(page.get_by_test_id("conv-status")).to_have_text(
        re.compile("Closed|Đã đóng"), timeout=STEP
    )
    page.keyboard.press("?")
    expect(page.get_by_test_id("shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("shortcuts")).to_be_hidden()
    page.keyboard.press("r")
    expect(page.get_by_test_id("composer-input")).to_be_focused()
    assert not page.errors
    # back and forward keep the state in the URL
    page.get_by_test_id("composer-input").press("Escape")
    page.wait_for_load_state("networkidle")
    expect(page).to_have_url(re.compile(rf"/c/{shop['first'].pk}/"))
    page.evaluate("history.back()")
    expect(page).to_have_url(re.compile(rf"/c/{shop['second'].pk}/"), timeout=STEP)
    expect(page.get_by_test_id("conv-header")).to_contain_text("Trần Thị B", timeout=STEP)


def test_a_dropped_socket_reconnects_and_misses_nothing(open_inbox, shop):
    page = open_inbox(shop["bob"], conversation_path(shop["first"]))
    page.evaluate("Inbox.live.drop({holdMs: 2500})")
    expect(page.locator("#inbox")).to_have_attribute("data-live", "closed")
    # while the socket is down: a message in the open conversation, and a new customer
    missed = inbound(shop["first"], "Tin nhắn lúc mất mạng", "offline-1")
    new_customer(shop["page"], "psid-offline", "Phan Offline", "Khách lúc mất mạng")
    page.wait_for_timeout(300)
    expect(page.locator(f"#msg-{missed.pk}")).to_have_count(0)  # really not delivered live
    expect(page.get_by_test_id("live-status")).to_be_visible()
    expect(page.locator("#inbox")).to_have_attribute("data-synced", "2", timeout=15000)
    expect(page.locator(f"#msg-{missed.pk}")).to_contain_text("Tin nhắn lúc mất mạng")
    expect(page.locator("#conv-list")).to_contain_text("Phan Offline")
    expect(page.get_by_test_id("live-status")).to_be_hidden()
    # and live pushes work again
    again = inbound(shop["first"], "Đã có mạng lại", "online-1")
    expect(page.locator(f"#msg-{again.pk}")).to_be_visible(timeout=LIVE)
