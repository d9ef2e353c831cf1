"""The channels page gives each account the webhook address its provider must post to: a
page its own, every Zalo OA the one bare address, every Shopee shop the deployment's keyed
push address, the one the push signature covers."""

import re

import pytest

from channels_app.providers.shopee import config as shopee_config
from tests.factories import make_channel_account

pytestmark = pytest.mark.django_db


def test_each_kind_shows_the_address_its_provider_posts_to(client_for, workspace_a, alice,
                                                           settings):  # fmt: skip
    settings.SITE_URL = "https://inbox.example.vn"
    page = make_channel_account(workspace_a, "facebook", "1001", "Fanpage A")
    oa = make_channel_account(workspace_a, "zalo", "4318927365019283746", "OA A")
    shop = make_channel_account(workspace_a, "shopee", "382910475", "Shop A")
    mailbox = make_channel_account(workspace_a, "email", "cskh@a.test", "CSKH")  # no adapter yet
    html = client_for(alice).get("/w/shop-a/channels/").content.decode()

    def address(account):
        found = re.search(rf'id="webhook-address-{account.pk}">([^<]*)<', html)
        return found.group(1)

    assert address(page) == f"https://inbox.example.vn/webhooks/facebook/{page.webhook_key}/"
    assert address(mailbox) == f"https://inbox.example.vn/webhooks/email/{mailbox.webhook_key}/"
    assert address(oa) == "https://inbox.example.vn/webhooks/zalo/"
    assert address(shop) == f"https://inbox.example.vn/webhooks/shopee/{shopee_config.push_key()}/"
    assert address(shop) == shopee_config.push_callback_url()
    assert "Kết nối shop Shopee" in html or "Connect a Shopee shop" in html
