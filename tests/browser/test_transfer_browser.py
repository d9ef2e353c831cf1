"""Transfer in a real browser: no colleague is preselected, so pressing "Transfer" without a
choice hands the customer to nobody; choosing one hands it over."""

import pytest
from playwright.sync_api import expect

from conversations.models import Conversation
from tests.factories import make_channel_account, make_conversation, make_user, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STEP = 10000


def test_transfer_starts_with_nobody_chosen(open_inbox):
    workspace = make_workspace("Shop A", "shop-a")
    lan = make_user("lan@a.test", "Lan Agent", workspace, "agent")
    make_user("minh@a.test", "Minh Agent", workspace, "agent")
    hoa = make_user("hoa@a.test", "Hoa Agent", workspace, "agent")
    channel = make_channel_account(workspace, "facebook", "1001", "Shop A fanpage")
    conversation = make_conversation(channel, "psid-1", "Nguyễn Văn A", text="Còn size M không?")
    Conversation.objects.filter(pk=conversation.pk).update(assignee=lan)

    page = open_inbox(lan, f"/w/shop-a/c/{conversation.pk}/")
    page.get_by_test_id("claim-toggle").click()  # the claim card's actions are folded
    target = page.get_by_test_id("transfer-target")
    expect(target).to_have_value("", timeout=STEP)
    form = page.get_by_test_id("transfer-form")
    form.get_by_role("button").click()
    # The browser refuses the empty choice; the page says why and nothing moves.
    assert target.evaluate("el => el.validity.valueMissing") is True
    page.wait_for_timeout(500)
    assert Conversation.objects.get(pk=conversation.pk).assignee_id == lan.pk

    target.select_option(str(hoa.pk))
    form.get_by_role("button").click()
    expect(page.get_by_test_id("claim-panel")).to_have_attribute(
        "data-assignee", str(hoa.pk), timeout=STEP
    )
    assert Conversation.objects.get(pk=conversation.pk).assignee_id == hoa.pk
    assert not page.errors
