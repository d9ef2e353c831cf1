"""The sequence editor with the keyboard only, in a real browser: from the name field,
Tab walks the steps' fields in order and Enter on "Save" stores the sequence."""

import pytest
from playwright.sync_api import expect

from automation.models import Sequence
from tests.factories import make_channel_account, make_user, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STEP = 10000


def test_a_sequence_is_written_and_saved_with_the_keyboard(open_inbox):
    workspace = make_workspace("Shop A", "shop-a")
    admin = make_user("admin@a.test", "Admin", workspace, "admin")
    make_channel_account(workspace, "facebook", "1001", "Shop A fanpage")
    page = open_inbox(admin, "/w/shop-a/")
    page.goto("/w/shop-a/automation/sequences/new/")
    editor = page.get_by_test_id("sequence-editor")
    expect(editor).to_be_visible(timeout=STEP)
    page.locator("#id_name").focus()
    keys = page.keyboard
    keys.type("Nhắc chốt đơn")
    keys.press("Tab")  # step 1: hours
    keys.type("2")
    keys.press("Tab")  # its label (none)
    keys.press("Tab")  # its message
    keys.type("Anh/chị còn quan tâm mẫu này không ạ?")
    keys.press("Tab")  # step 2: hours
    keys.type("24")
    keys.press("Tab")
    keys.press("Tab")
    keys.type("Shop còn giữ hàng đến hết tuần ạ")
    keys.press("Tab")  # "Save"
    expect(page.locator(":focus")).to_have_text("Lưu")
    keys.press("Enter")
    expect(page.get_by_test_id("sequence-list")).to_contain_text("Nhắc chốt đơn", timeout=STEP)
    sequence = Sequence.objects.get(workspace=workspace)
    assert list(sequence.steps.values_list("after_hours", "text")) == [
        (2, "Anh/chị còn quan tâm mẫu này không ạ?"), (24, "Shop còn giữ hàng đến hết tuần ạ")]  # fmt: skip
    assert page.errors == []
