"""Helpers for the Shopee tests: the stand-in over real HTTP, signed pushes, the shop."""

from __future__ import annotations

import json
import urllib.request
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from channels_app.providers.shopee import config
from channels_app.providers.shopee.adapter import adapter
from devtools import simulator_shopee, standin
from tests.channels_app.meta import FIXTURES, process_pending
from tests.factories import make_channel_account

PARTNER_ID = "2000001"
PARTNER_KEY = "test-shopee-partner-key"
SHOP_ID = "382910475"
BUYER_ID = "100234567"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / "shopee" / f"{name}.json").read_text())


@pytest.fixture
def shopee_api(settings):
    """The provider stand-in on a free port; SHOPEE_API_URL points at its origin."""
    server = standin.start_in_thread()
    host, port = server.server_address[:2]
    settings.SHOPEE_API_URL = f"http://{host}:{port}"
    settings.SHOPEE_PARTNER_ID = PARTNER_ID
    settings.SHOPEE_PARTNER_KEY = PARTNER_KEY
    settings.SHOPEE_PUSH_PARTNER_KEY = ""
    settings.SHOPEE_PUSH_KEY = ""
    settings.SHOPEE_PUSH_CALLBACK_URL = ""
    settings.SITE_URL = "https://inbox.example.vn"
    adapter.forget_fetched()  # messages read back by an earlier test's stand-in
    yield server
    server.shutdown()
    server.server_close()


def api(server, path: str, body: dict | None = None, *, method: str = "POST") -> dict:
    """A control call to the stand-in (POST /api/v2/_fail, _messages, _lost, _expire …)."""
    host, port = server.server_address[:2]
    request = urllib.request.Request(
        f"http://{host}:{port}{path}", method=method,
        data=json.dumps(body or {}).encode() if method == "POST" else None,
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def fail_next(server, mode: str, times: int = 1) -> None:
    api(server, "/api/v2/_fail", {"mode": mode, "times": times})


def sent(server) -> list[dict]:
    return api(server, "/_sent?path=sellerchat", method="GET")["data"]


def make_shop(workspace, shop_id: str = SHOP_ID, *, access_token: str = "shop-access-1",
              refresh_token: str = "shop-refresh-1", expires_in: timedelta = timedelta(hours=4)):  # fmt: skip
    return make_channel_account(
        workspace, "shopee", shop_id, "shopdemo.official", shop_id=shop_id,
        access_token=access_token, refresh_token=refresh_token,
        expires_at=(timezone.now() + expires_in).isoformat(),
    )  # fmt: skip


def push_url() -> str:
    return reverse("webhook", kwargs={"kind": "shopee", "key": config.push_key()})


def encode(body: dict) -> bytes:
    return simulator_shopee.encode(body)


def post_push(client, body: bytes, *, signature: str | None = "valid", url: str | None = None,
              key: str = PARTNER_KEY, callback_url: str | None = None):  # fmt: skip
    headers = {}
    if signature == "valid":
        signed = simulator_shopee.signed_headers(
            key=key, callback_url=callback_url or config.push_callback_url(), body=body
        )
        headers["HTTP_AUTHORIZATION"] = signed["Authorization"]
    elif signature is not None:
        headers["HTTP_AUTHORIZATION"] = signature
    return client.post(url or push_url(), data=body, content_type="application/json", **headers)


def deliver_push(client, data: dict) -> list[str]:
    response = post_push(client, encode(data))
    assert response.status_code == 200, response.content
    return process_pending()
