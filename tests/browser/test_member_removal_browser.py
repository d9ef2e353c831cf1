"""An admin removes a member only after a page that says what happens to her customers, and
undoes it from the members page; the waiting customer goes back to her."""

import pytest
from playwright.sync_api import expect

from accounts.models import Membership
from conversations.models import Conversation
from tests.factories import make_channel_account, make_conversation, make_user, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STEP = 10000


def test_remove_asks_first_and_reinstate_undoes_it(open_inbox):
    workspace = make_workspace("Shop A", "shop-a")
    admin = make_user("an@a.test", "An Admin", workspace, "admin")
    lan = make_user("lan@a.test", "Lan Agent", workspace, "agent")
    channel = make_channel_account(workspace, "facebook", "1001", "Shop A fanpage")
    held = make_conversation(channel, "psid-1", "Nguyễn Văn A")
    Conversation.objects.filter(pk=held.pk).update(assignee=lan)
    membership = Membership.objects.get(user=lan)

    page = open_inbox(admin, "/w/shop-a/", viewport=(1280, 720))
    page.goto("/w/shop-a/members/")
    page.get_by_test_id(f"member-remove-{membership.pk}").click()
    confirm = page.get_by_test_id("member-remove-confirm")
    expect(confirm).to_contain_text("Lan Agent")
    expect(page.get_by_test_id("member-remove-effect")).to_contain_text("1 hội thoại đang mở")
    assert Membership.objects.get(pk=membership.pk).is_active  # asking changed nothing

    page.get_by_test_id("member-remove-submit").click()
    expect(page.locator(".flash")).to_contain_text("1 hội thoại đang mở đã trả về hàng chờ")
    expect(page.get_by_test_id("removed-members")).to_contain_text("Lan Agent")
    assert Conversation.objects.get(pk=held.pk).assignee_id is None

    page.get_by_test_id(f"member-reinstate-{membership.pk}").click()
    expect(page.locator(".flash")).to_contain_text("Lan Agent đã trở lại làm thành viên")
    expect(page.get_by_test_id("removed-members")).to_have_count(0)
    assert Membership.objects.get(pk=membership.pk).is_active
    assert Conversation.objects.get(pk=held.pk).assignee_id == lan.pk
    assert not page.errors
