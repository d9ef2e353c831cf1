"""An agent opening a colleague's claimed customer ("read only") in a real browser: she is
offered nothing the server would refuse (no order form, labels, rating, block, archive, close,
transfer, reply, attachments), what she is offered (internal notes in the timeline and on the
customer, follow) works for her, and the timeline's system lines read in her language."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from conversations.models import CustomerNote, Label, Message, MessageKind, Order
from routing.models import RoutingMode, RoutingSettings
from routing.services import conversation_claim
from tests.factories import make_channel_account, make_conversation, make_user, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STEP = 10000  # ms
ABSENT = [
    '[data-testid="order-new"]', ".order-form", '[data-testid="label-add"]', ".label-x",
    ".rating button", '[data-testid="block"]', '[data-testid="archive"]',
    '[data-testid="close-button"]', '[data-testid="transfer-form"]',
    '[data-testid="release-button"]', '[data-testid="claim-button"]',
    '#composer input[name="mode"][value="reply"]', '#composer input[name="files"]',
    '[data-testid="gate"]',
]  # fmt: skip


@pytest.fixture
def colleagues_customer():
    workspace = make_workspace("Shop A", "shop-a")
    RoutingSettings.objects.create(workspace=workspace, mode=RoutingMode.FIRST_CLICK)
    lan = make_user("lan@a.test", "Lan Agent", workspace, "agent")
    minh = make_user("minh@a.test", "Minh Agent", workspace, "agent")
    page = make_channel_account(workspace, "facebook", "1001", "Shop A fanpage")
    conversation = make_conversation(page, "psid-1", "Nguyễn Văn A", text="Còn size M không?")
    Label.objects.create(workspace=workspace, channel_account=None, name="Đổi trả")
    vip = Label.objects.create(workspace=workspace, channel_account=None, name="VIP")
    vip.conversations.add(conversation, through_defaults={"workspace": workspace})
    conversation_claim(conversation_id=conversation.pk, user=lan, workspace=workspace)
    return {"lan": lan, "minh": minh, "conversation": conversation}


@pytest.mark.parametrize("language", ["vi", "en"])
def test_read_only_offers_only_what_the_server_accepts(open_inbox, colleagues_customer, language):
    conversation, minh = colleagues_customer["conversation"], colleagues_customer["minh"]
    page = open_inbox(minh, f"/w/shop-a/c/{conversation.pk}/")
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language,
                               "url": page.url}])  # fmt: skip
    page.reload()
    page.wait_for_selector('#inbox[data-synced="1"]', timeout=STEP)
    expect(page.get_by_test_id("claim-banner")).to_contain_text("Lan Agent")
    expect(page.get_by_test_id("read-only-note")).to_be_visible()
    for selector in ABSENT:
        expect(page.locator(selector)).to_have_count(0)
    claimed = {
        "vi": "Lan Agent đã tiếp nhận khách hàng này",
        "en": "Lan Agent claimed this customer",
    }
    expect(page.locator("#timeline")).to_contain_text(claimed[language])
    page.screenshot(path=f"/tmp/read-only-{language}-1440.png")
    page.set_viewport_size({"width": 1280, "height": 720})
    page.screenshot(path=f"/tmp/read-only-{language}-1280.png")

    # The timeline note: Enter saves it, it shows in green, nothing goes to the customer.
    box = page.get_by_test_id("composer-input")
    box.click()
    box.type("Khách hỏi size M, chị Lan xem giúp")
    box.press("Enter")
    expect(page.locator("#timeline")).to_contain_text("Khách hỏi size M", timeout=STEP)
    expect(page.get_by_test_id("composer-error")).to_have_count(0)
    assert Message.objects.filter(conversation=conversation, kind=MessageKind.NOTE).count() == 1
    assert not Message.objects.filter(
        conversation=conversation, direction="out", kind=MessageKind.INBOX
    ).exists()

    # The customer note: saved and listed in the customer pane. The composer's answer comes
    # back (and takes the focus) first, so typing does not land in the composer.
    expect(page.get_by_test_id("composer-input")).to_have_value("", timeout=STEP)
    page.wait_for_timeout(300)
    note = page.locator(".note-form input[name=text]")
    note.fill("Thích màu be")
    expect(note).to_have_value("Thích màu be")
    note.press("Enter")
    expect(page.locator(".notes")).to_contain_text("Thích màu be", timeout=STEP)
    assert CustomerNote.objects.filter(customer_id=conversation.customer_id).count() == 1

    # Follow is hers to set.
    page.get_by_test_id("follow").click()
    expect(page.get_by_test_id("follow")).to_have_attribute("aria-pressed", "true", timeout=STEP)

    # Still read only afterwards, and nothing she could not do happened.
    for selector in ABSENT:
        expect(page.locator(selector)).to_have_count(0)
    assert not Order.objects.filter(conversation=conversation).exists()
    assert not page.errors
