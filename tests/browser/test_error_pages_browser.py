"""An agent who opens an admin page sees the app's own 403 page: the header she knows, what
happened in Vietnamese, and a way back to her inbox."""

import pytest
from playwright.sync_api import expect

from tests.factories import make_user, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_agent_on_an_admin_page_sees_the_app_403(open_inbox):
    workspace = make_workspace("Shop A", "shop-a")
    lan = make_user("lan@a.test", "Lan Agent", workspace, "agent")
    page = open_inbox(lan, "/w/shop-a/", viewport=(1280, 720))
    response = page.goto("/w/shop-a/members/")
    assert response.status == 403
    card = page.get_by_test_id("error-page")
    expect(card).to_contain_text("Không có quyền")
    expect(page.get_by_test_id("user-menu")).to_contain_text("Lan Agent")
    page.get_by_test_id("error-home").click()
    page.wait_for_url("**/w/shop-a/")
    assert not page.errors
