"""Blocking a customer from the customer panel in a real browser: the confirmation says what
blocking does, the conversation leaves the inbox list for the "Đã chặn" (blocked) view, and
unblocking asks for a reason, which the timeline then shows."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conversations.models import Customer, Message
from tests.factories import make_channel_account, make_conversation, make_user, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STEP = 10000  # ms


@pytest.fixture
def shop():
    workspace = make_workspace("Shop A", "shop-a")
    lan = make_user("lan@a.test", "Lan Chủ", workspace, "owner")
    page = make_channel_account(workspace, "facebook", "1001", "Shop A fanpage")
    spammer = make_conversation(page, "psid-1", "Khách Spam", text="Mua follow giá rẻ!!!")
    other = make_conversation(page, "psid-2", "Nguyễn Thị Mai", text="Còn size M không?")
    return {"lan": lan, "spammer": spammer, "other": other}


def shots(page, name: str) -> None:
    page.set_viewport_size({"width": 1440, "height": 900})
    page.screenshot(path=f"/tmp/blocking-{name}-1440.png")
    page.set_viewport_size({"width": 1280, "height": 720})
    page.screenshot(path=f"/tmp/blocking-{name}-1280.png")
    page.set_viewport_size({"width": 1440, "height": 900})


def test_block_from_the_panel_then_unblock_with_a_reason(open_inbox, shop):
    spammer, other = shop["spammer"], shop["other"]
    page = open_inbox(shop["lan"], f"/w/shop-a/c/{spammer.pk}/")
    row, other_row = page.locator(f"#conv-{spammer.pk}"), page.locator(f"#conv-{other.pk}")
    panel = page.get_by_test_id("customer-pane")
    expect(row).to_be_visible()
    expect(panel.get_by_test_id("block-effects")).to_contain_text("không tính là chưa đọc")
    panel.get_by_test_id("block").scroll_into_view_if_needed()
    shots(page, "panel")

    # The confirmation explains what blocking does; accepting it blocks.
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    panel.get_by_test_id("block").click()
    expect(panel.get_by_test_id("unblock-reason")).to_be_visible(timeout=STEP)
    assert "“Đã chặn”" in asked[0]
    for effect in ("vẫn được lưu", "không còn báo cho ai", "không tính là chưa đọc",
                   "không được chia hay giao", "không kích hoạt trả lời tự động"):  # fmt: skip
        assert effect in asked[0], asked[0]
    assert Customer.objects.get(pk=spammer.customer_id).is_blocked
    expect(panel.get_by_test_id("blocked-since")).to_contain_text("Lan Chủ")
    expect(page.locator("#timeline")).to_contain_text("Lan Chủ đã chặn khách hàng này")

    # It leaves the inbox list (the live push moves it); the unread count is the other one's.
    expect(row).to_have_count(0, timeout=STEP)
    expect(other_row).to_be_visible()
    expect(page.locator("#count-unread")).to_have_text("1", timeout=STEP)
    panel.get_by_test_id("unblock-reason").scroll_into_view_if_needed()
    shots(page, "blocked-panel")

    # The "Đã chặn" view shows it, and only it.
    page.locator("label.chip-blocked").click()
    expect(row).to_be_visible(timeout=STEP)
    expect(other_row).to_have_count(0)
    expect(row.locator(".pill-blocked")).to_have_text("Đã chặn")
    expect(row.locator(".count")).to_have_count(0)
    assert "blocked=1" in page.url
    shots(page, "blocked-view")

    # Unblocking without a reason is not sent; with one, it is recorded.
    panel.get_by_test_id("block").click()
    page.wait_for_timeout(500)
    assert Customer.objects.get(pk=spammer.customer_id).is_blocked
    panel.get_by_test_id("unblock-reason").fill("Khách gọi điện xin lỗi, chặn nhầm")
    panel.get_by_test_id("block").click()
    expect(panel.get_by_test_id("unblocked-last")).to_contain_text(
        "Khách gọi điện xin lỗi, chặn nhầm", timeout=STEP
    )
    expect(page.locator("#timeline")).to_contain_text(
        "Lan Chủ đã bỏ chặn khách hàng này: Khách gọi điện xin lỗi, chặn nhầm", timeout=STEP
    )
    customer = Customer.objects.get(pk=spammer.customer_id)
    assert not customer.is_blocked
    assert (customer.unblocked_by_id, customer.unblock_reason) == (
        shop["lan"].pk, "Khách gọi điện xin lỗi, chặn nhầm",
    )  # fmt: skip
    assert Message.objects.filter(conversation=spammer, meta__event="unblocked").count() == 1
    expect(row).to_have_count(0, timeout=STEP)  # it left the blocked view
    shots(page, "unblocked")

    page.locator("label.chip-blocked").click()
    expect(row).to_be_visible(timeout=STEP)
    expect(other_row).to_be_visible()
    assert page.errors == []


def test_the_blocked_customers_page(open_inbox, shop):
    spammer = shop["spammer"]
    Customer.objects.filter(pk=spammer.customer_id).update(
        is_blocked=True, blocked_at=timezone.now(), blocked_by=shop["lan"]
    )
    page = open_inbox(shop["lan"], "/w/shop-a/")
    page.goto("/w/shop-a/customers/blocked/")
    table = page.get_by_test_id("blocked")
    expect(table).to_contain_text("Khách Spam")
    expect(table).to_contain_text("Lan Chủ")
    expect(table.get_by_test_id("unblock-reason")).to_have_attribute("required", "")
    shots(page, "blocked-page")
    page.get_by_test_id("blocked-view-link").click()
    page.wait_for_selector('#inbox[data-synced="1"]', timeout=STEP)
    expect(page.locator(f"#conv-{spammer.pk}")).to_be_visible()
    expect(page.locator(f"#conv-{shop['other'].pk}")).to_have_count(0)
