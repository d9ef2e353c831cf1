"""The channels page in a real browser: each webhook address has a copy button that puts
exactly the address shown on the clipboard and says so."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from tests.factories import make_channel_account, make_user, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_copy_button_copies_the_webhook_address(browser, live_server_url):
    workspace = make_workspace("Shop A", "shop-a")
    owner = make_user("alice@a.test", "Alice", workspace, "owner")
    page_a = make_channel_account(workspace, "facebook", "1001", "Shop A fanpage")
    make_channel_account(workspace, "instagram", "2002", "Shop A Instagram")
    client = Client()
    client.force_login(owner)
    context = browser.new_context(base_url=live_server_url)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server_url)
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "url": live_server_url,
          "value": client.cookies[settings.SESSION_COOKIE_NAME].value}]
    )  # fmt: skip
    try:
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"/w/{workspace.slug}/channels/")
        address = page.locator(f"#webhook-address-{page_a.pk}")
        shown = address.inner_text().strip()
        assert f"/webhooks/facebook/{page_a.webhook_key}/" in shown
        button = page.locator(f'button[data-copy="webhook-address-{page_a.pk}"]')
        expect(page.locator("button[data-copy]")).to_have_count(2)
        expect(button).to_have_text("Chép")
        button.click()
        expect(button).to_have_text("Đã chép")
        assert page.evaluate("navigator.clipboard.readText()") == shown
        expect(button).to_have_text("Chép", timeout=5000)  # the label comes back
        assert errors == []
    finally:
        context.close()
