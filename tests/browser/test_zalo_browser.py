"""Zalo OA in a real browser: an admin connects an OA from the channels page with the
keyboard (the stand-in plays Zalo's permission screen and redirects back), and the composer
counts Zalo's free replies down to the gate that refuses the ninth."""

import os
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from channels_app.models import ChannelAccount
from conversations.models import Conversation, Message
from devtools import standin
from devtools.standin_zalo import STANDIN_OA_ID
from tests.factories import make_channel_account, make_conversation, make_user, make_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STEP = 10000
# The public address the live server believes it has (its port is picked when it starts):
# the browser is sent from it to the live server, as a proxy in front of it would.
SITE_URL = "http://inbox.zalo-test.vn"


@pytest.fixture(scope="module", autouse=True)
def zalo_standin():
    """Started before the live server (autouse), whose environment then points Zalo's URLs
    at it."""
    server = standin.start_in_thread()
    host, port = server.server_address[:2]
    saved = {k: os.environ.get(k) for k in ("ZALO_API_URL", "ZALO_OAUTH_URL", "SITE_URL")}
    os.environ["ZALO_API_URL"] = f"http://{host}:{port}/zalo/openapi"
    os.environ["ZALO_OAUTH_URL"] = f"http://{host}:{port}/zalo/oauth/v4"
    os.environ["SITE_URL"] = SITE_URL  # the callback address registered with "Zalo"
    yield server
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    server.shutdown()
    server.server_close()


@pytest.fixture
def shop():
    workspace = make_workspace("Shop A", "shop-a")
    alice = make_user("alice@a.test", "Alice", workspace, "owner")
    return {"workspace": workspace, "alice": alice}


def test_an_admin_connects_a_zalo_oa_from_the_channels_page(open_inbox, shop, live_server_url):
    page = open_inbox(shop["alice"], "/w/shop-a/")
    page.route(f"{SITE_URL}/**", lambda route: route.fulfill(
        status=302, headers={"Location": live_server_url + route.request.url[len(SITE_URL):]},
    ))  # fmt: skip
    page.goto("/w/shop-a/channels/")
    button = page.get_by_test_id("connect-zalo")
    expect(button).to_have_text("Kết nối Zalo OA")
    button.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".flash")).to_contain_text("Đã kết nối Shop Demo Zalo OA.", timeout=STEP)
    row = page.locator("tr", has_text="Shop Demo Zalo OA")
    expect(row).to_contain_text(STANDIN_OA_ID)
    expect(row).to_contain_text("/webhooks/zalo/")
    expect(row.get_by_role("button", name="Ngắt kết nối")).to_be_visible()
    account = ChannelAccount.objects.get(kind="zalo")
    assert account.credentials["access_token"].startswith("zat-")
    page.screenshot(path="/tmp/zalo-channels-1440.png")


def test_the_composer_counts_the_free_replies_down_to_the_gate(open_inbox, shop):
    oa = make_channel_account(shop["workspace"], "zalo", STANDIN_OA_ID, "Shop A Zalo OA",
                              access_token="zalo-token")  # fmt: skip
    conversation = make_conversation(oa, "7519313270000000003", "Lê Thị Zalo", text="Shop ơi",
                                     at=timezone.now() - timedelta(minutes=5))  # fmt: skip
    Conversation.objects.filter(pk=conversation.pk).update(assignee=shop["alice"])
    now = timezone.now()
    for number in range(6):  # six replies already went out since the customer wrote
        Message.objects.create(
            workspace=shop["workspace"], conversation=conversation, channel_account=oa,
            direction="out", text=f"Tin {number}", sent_at=now, created_at=now,
            delivery_status="sent", external_id=f"sent-{number}",
        )  # fmt: skip
    page = open_inbox(shop["alice"], f"/w/shop-a/c/{conversation.pk}/")
    expect(page.get_by_test_id("free-left")).to_have_text("còn 2 tin miễn phí")
    box = page.get_by_test_id("composer-input")
    box.fill("Dạ còn ạ")
    box.press("Enter")
    expect(page.get_by_test_id("free-left")).to_have_text("còn 1 tin miễn phí", timeout=STEP)
    page.get_by_test_id("composer-input").fill("Chị lấy size nào ạ?")
    page.get_by_test_id("composer-input").press("Enter")
    expect(page.get_by_test_id("free-left")).to_have_text("Hết tin miễn phí", timeout=STEP)
    assert Message.objects.filter(direction="out", delivery_status="pending").count() == 2
    composer = page.get_by_test_id("composer")
    expect(composer).to_have_attribute("data-phase", "free_used", timeout=STEP)
    expect(page.get_by_test_id("free-used-reason")).to_contain_text("Đã dùng hết tin trả lời")
    expect(page.get_by_test_id("composer-input")).to_be_hidden()
    page.screenshot(path="/tmp/zalo-free-used-1440.png")
