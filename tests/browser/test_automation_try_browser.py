"""The rule editor's "thử" box in a real browser: typing a customer's message shows which
rule answers and what it would send, through htmx, and nothing is sent."""

import pytest
from playwright.sync_api import expect

from automation.models import Rule, RuleRun
from conversations.models import Message
from tests.factories import make_channel_account, make_user, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STEP = 10000


def test_the_try_box_shows_the_best_answer_and_sends_nothing(open_inbox):
    workspace = make_workspace("Shop A", "shop-a")
    admin = make_user("admin@a.test", "Admin", workspace, "admin")
    make_channel_account(workspace, "facebook", "1001", "Shop A fanpage")
    Rule.objects.create(workspace=workspace, name="Ship", keywords=["ship"],
                        reply_text="Ship 30k ạ", position=0)  # fmt: skip
    best = Rule.objects.create(workspace=workspace, name="Phí ship Hà Nội",
                               keywords=["phí ship hà nội"],
                               reply_text="Chào {anh_chi}, ship nội thành {page} 20k", position=1)  # fmt: skip
    page = open_inbox(admin, "/w/shop-a/")
    page.goto(f"/w/shop-a/automation/rules/{best.pk}/")
    box = page.get_by_test_id("try-box")
    expect(box).to_be_visible(timeout=STEP)
    box.get_by_test_id("try-text").fill("Phi ship ha noi bao nhieu vay shop")
    box.get_by_test_id("try-button").click()
    reply = page.get_by_test_id("try-reply")
    expect(reply).to_have_text("Chào anh/chị, ship nội thành Shop A fanpage 20k", timeout=STEP)
    expect(page.get_by_test_id("try-result")).to_contain_text("Phí ship Hà Nội")
    expect(page.get_by_test_id("try-result")).to_contain_text("Ship")  # matched, not sent
    assert page.url.endswith(f"/automation/rules/{best.pk}/")  # htmx: the editor stays
    page.screenshot(path="/tmp/automation-try-1440.png")

    box.get_by_test_id("try-text").fill("xin chào")
    box.get_by_test_id("try-button").click()
    expect(page.get_by_test_id("try-none")).to_be_visible(timeout=STEP)
    assert not Message.objects.filter(is_automated=True).exists()
    assert not RuleRun.objects.exists()
    assert page.errors == []
