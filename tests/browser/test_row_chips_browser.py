"""At 1280x720 a list row with a long fanpage name and three labels still shows who handles
the customer, a readable piece of each chip and "+N" for the labels that do not fit; the
label picker says which set each label comes from."""

import pytest
from playwright.sync_api import expect

from conversations.models import Conversation, ConversationLabel, Label
from tests.factories import make_channel_account, make_conversation, make_user, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STEP = 10000


def test_a_crowded_row_keeps_every_part_readable(open_inbox):
    workspace = make_workspace("Shop A", "shop-a")
    minh = make_user("minh@a.test", "Phạm Quang Minh", workspace, "agent")
    channel = make_channel_account(
        workspace, "facebook", "1001", "Shop Demo Thời Trang Công Sở Cao Cấp"
    )
    conversation = make_conversation(channel, "psid-1", "Huỳnh Mỹ Ngân", text="Xuất hóa đơn VAT")
    Conversation.objects.filter(pk=conversation.pk).update(assignee=minh)
    names = ("Xuất hóa đơn công ty", "Khách sỉ lâu năm", "Đã chốt")
    labels = [
        Label.objects.create(workspace=workspace, channel_account=channel, name=n) for n in names
    ]
    Label.objects.create(workspace=workspace, name="Đã chốt")  # the workspace's own
    ConversationLabel.objects.bulk_create(
        ConversationLabel(workspace=workspace, conversation=conversation, label=label)
        for label in labels[:3]
    )

    page = open_inbox(minh, f"/w/shop-a/c/{conversation.pk}/", viewport=(1280, 720))
    row = page.locator(f"#conv-{conversation.pk}")
    expect(row).to_be_visible(timeout=STEP)
    page.screenshot(path="/tmp/row-chips-1280.png")
    assignee = row.get_by_test_id("row-assignee")
    expect(assignee).to_have_text("Minh")
    assert assignee.evaluate("el => el.scrollWidth <= el.clientWidth && el.clientWidth > 0")
    for chip in row.locator(".conv-tags .label-chip, .conv-tags .badge").all():
        assert chip.evaluate("el => el.getBoundingClientRect().width") >= 56
    expect(row.locator(".label-more")).to_have_text("+1")
    # Nothing spills out of the row.
    assert row.evaluate(
        "el => { const t = el.querySelector('.conv-tags'); return t.scrollWidth <= t.clientWidth; }"
    )

    # The picker: the page's set and the workspace's set under their own headings.
    page.locator("#conv-header").get_by_test_id("label-add").click()
    groups = page.get_by_test_id("label-group")
    expect(groups).to_have_count(1, timeout=STEP)  # the page's labels are all on already
    expect(groups.first).to_have_attribute("aria-label", "Tất cả các trang")
    expect(groups.first.get_by_role("button", name="Đã chốt")).to_be_visible()
    assert not page.errors
