"""A new shop signs up in the browser, opens the e-mailed link and lands in its inbox; once it
belongs to a second workspace, the person's menu switches between them from the keyboard."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from playwright.sync_api import expect

from accounts import signup
from accounts.models import Membership, User, Workspace
from tests.factories import make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def new_page(browser, live_server_url):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=live_server_url)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


def test_signup_through_the_link_to_the_inbox_then_switch(new_page):
    cache.clear()  # the sign-up throttle counts in this run's Redis database
    page = new_page
    page.goto("/login/")
    page.get_by_test_id("signup-link").click()
    page.wait_for_url("**/signup/")
    page.fill("#id_shop_name", "Shop Giày Đẹp")
    page.fill("#id_full_name", "Nguyễn Thị Lan")
    page.fill("#id_email", "lan@example.vn")
    page.fill("#id_password", "mot-mat-khau-dai-9")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("signup-sent")).to_contain_text("lan@example.vn")
    user = User.objects.get(email="lan@example.vn")
    assert not user.is_active and not Workspace.objects.exists()

    # the server mailed this link (its mail stays in its process): the same signed token
    token = signup.signup_token(user=user, shop_name="Shop Giày Đẹp")
    page.goto(reverse("signup_verify", args=[token]))
    page.wait_for_url("**/w/shop-giay-dep/")
    expect(page.get_by_test_id("user-menu")).to_contain_text("Shop Giày Đẹp")
    expect(page.get_by_test_id("workspace-switcher")).to_have_count(0)

    other = make_workspace("Tiệm Hoa Mai", "tiem-hoa-mai")
    Membership.objects.create(workspace=other, user=user, role="agent")
    page.reload()
    summary = page.get_by_test_id("user-menu").locator("summary")
    summary.focus()
    page.keyboard.press("Enter")  # opens the menu
    options = page.get_by_test_id("workspace-option")
    expect(options).to_have_count(2)
    expect(options.nth(0)).to_have_attribute("aria-current", "true")  # Shop Giày Đẹp
    options.nth(1).focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/w/tiem-hoa-mai/")
    expect(page.get_by_test_id("user-menu")).to_contain_text("Tiệm Hoa Mai")
    assert not page.errors
