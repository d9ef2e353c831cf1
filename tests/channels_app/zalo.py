"""Helpers for Zalo OA tests: fixtures, signing like Zalo, posting to the one webhook address."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.urls import reverse

from channels_app.providers.zalo.signature import sign
from devtools import standin
from tests.channels_app.meta import process_pending
from tests.factories import make_channel_account

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "zalo"
APP_ID = "2000000000000000001"
OA_SECRET = "test-zalo-oa-secret"
OA_ID = "1829374650192837465"
USER_ID = "7519313270000000003"

__all__ = ["process_pending"]


def raw_fixture(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def fixture(name: str) -> dict:
    return json.loads(raw_fixture(name), parse_int=str)


def fresh(name: str, *, seconds_ago: float = 0, **message) -> dict:
    """A fixture as if sent now (the reply window counts from it); `message` overrides keys
    of its `message` (msg_id, text)."""
    import time

    data = fixture(name)
    data["timestamp"] = str(int((time.time() - seconds_ago) * 1000))
    if message:
        data["message"] = {**data.get("message", {}), **message}
    return data


def encode(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def signature_for(body: bytes, *, secret: str = OA_SECRET, app_id: str = APP_ID) -> str:
    timestamp = str(json.loads(body, parse_int=str).get("timestamp", ""))
    return sign(app_id=app_id, body=body, timestamp=timestamp, oa_secret_key=secret)


def post(client, body: bytes, *, signature: str | None = "valid", secret: str = OA_SECRET):
    headers = {}
    if signature == "valid":
        headers["HTTP_X_ZEVENT_SIGNATURE"] = signature_for(body, secret=secret)
    elif signature is not None:
        headers["HTTP_X_ZEVENT_SIGNATURE"] = signature
    url = reverse("webhook_shared", kwargs={"kind": "zalo"})
    return client.post(url, data=body, content_type="application/json", **headers)


def deliver(client, data: dict | bytes) -> list[str]:
    body = data if isinstance(data, bytes) else encode(data)
    response = post(client, body)
    assert response.status_code == 200, response.content
    return process_pending()


@pytest.fixture(autouse=True)
def zalo_settings(settings):
    settings.ZALO_APP_ID = APP_ID
    settings.ZALO_APP_SECRET = "test-zalo-app-secret"
    settings.ZALO_OA_SECRET_KEY = OA_SECRET
    return settings


@pytest.fixture
def oa_a(workspace_a, zalo_settings):
    return make_channel_account(
        workspace_a, "zalo", OA_ID, "Shop A Zalo OA", access_token="zalo-token-a",
        refresh_token="zalo-refresh-a",
    )  # fmt: skip


@pytest.fixture
def zalo_api(settings):
    """The provider stand-in on a free port, over real HTTP; both Zalo URLs point at it."""
    server = standin.start_in_thread()
    host, port = server.server_address[:2]
    settings.ZALO_API_URL = f"http://{host}:{port}/zalo/openapi"
    settings.ZALO_OAUTH_URL = f"http://{host}:{port}/zalo/oauth/v4"
    yield server
    server.shutdown()
    server.server_close()


def sent(server) -> list[dict]:
    with server.state.lock:
        return [dict(entry) for entry in server.state.sent]
