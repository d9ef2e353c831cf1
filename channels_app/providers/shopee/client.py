"""Shopee Open Platform v2 calls: authorisation, token refresh, seller chat, lost pushes.

Every call is signed (`signing.request_sign`); the host is SHOPEE_API_URL, so the stand-in
(devtools/standin_shopee.py) answers in development and tests. Errors become ProviderError
(`errors.classify`). Paths and shapes, with their sources: docs/providers.md, "Shopee"."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import requests

from channels_app.http import thread_session
from channels_app.providers.base import ProviderError
from channels_app.providers.shopee import config, errors, signing

AUTH_PARTNER = "/api/v2/shop/auth_partner"
TOKEN_GET = "/api/v2/auth/token/get"
TOKEN_REFRESH = "/api/v2/auth/access_token/get"
SHOP_INFO = "/api/v2/shop/get_shop_info"
GET_MESSAGE = "/api/v2/sellerchat/get_message"
SEND_MESSAGE = "/api/v2/sellerchat/send_message"
UPLOAD_IMAGE = "/api/v2/sellerchat/upload_image"
LOST_PUSHES = "/api/v2/push/get_lost_push_message"
CONFIRM_LOST = "/api/v2/push/confirm_consumed_lost_push_message"


class ShopeeClient:
    def __init__(self, *, partner_id: str = "", partner_key: str = "", base_url: str = ""):
        self.partner_id = partner_id or config.partner_id()
        self.partner_key = partner_key or config.partner_key()
        self.base_url = (base_url or config.api_url()).rstrip("/")

    # --- plumbing ----------------------------------------------------------------------------

    def signed_query(self, path: str, *, access_token: str = "", shop_id: str = "") -> dict:
        if not self.partner_id or not self.partner_key:
            raise ProviderError(
                errors.PLAIN["partner_key_expired"], reconnect=True, code="partner_key_expired",
                provider_message="SHOPEE_PARTNER_ID / SHOPEE_PARTNER_KEY are not set",
            )  # fmt: skip
        timestamp = int(time.time())
        query = {"partner_id": self.partner_id, "timestamp": timestamp}
        query["sign"] = signing.request_sign(
            partner_key=self.partner_key, partner_id=self.partner_id, path=path,
            timestamp=timestamp, access_token=access_token, shop_id=shop_id,
        )  # fmt: skip
        if shop_id:
            query.update(access_token=access_token, shop_id=shop_id)
        return query

    def call(
        self, method: str, path: str, *, shop: tuple[str, str] | None = None,
        params: dict | None = None, json: dict | None = None, files: dict | None = None,
    ) -> dict:  # fmt: skip
        """`shop`: (shop_id, access_token) for shop APIs; None for public ones."""
        shop_id, access_token = shop or ("", "")
        if shop is not None and not access_token:
            raise errors.build(
                "token_expired", reconnect=True, provider_message="no access token stored"
            )
        query = {**self.signed_query(path, access_token=access_token, shop_id=shop_id),
                 **(params or {})}  # fmt: skip
        try:
            response = thread_session().request(
                method, self.base_url + path, params=query, json=json, files=files,
                timeout=config.http_timeout(),
            )  # fmt: skip
        except requests.RequestException as exc:
            raise errors.build(
                "network", transient=True, provider_message=type(exc).__name__
            ) from exc
        try:
            data = response.json()
        except ValueError:
            data = {}
        data = data if isinstance(data, dict) else {}
        if response.status_code >= 400 or data.get("error"):
            raise errors.classify(
                status=response.status_code, error=str(data.get("error") or ""),
                message=str(data.get("message") or ""),
            )  # fmt: skip
        return data

    # --- authorisation -----------------------------------------------------------------------

    def auth_partner_url(self, *, redirect: str) -> str:
        query = {**self.signed_query(AUTH_PARTNER), "redirect": redirect}
        return f"{self.base_url}{AUTH_PARTNER}?{urlencode(query)}"

    def token_get(self, *, code: str, shop_id: str) -> dict:
        body = {"code": code, "shop_id": int(shop_id), "partner_id": int(self.partner_id)}
        return self.call("POST", TOKEN_GET, json=body)

    def token_refresh(self, *, refresh_token: str, shop_id: str) -> dict:
        body = {"refresh_token": refresh_token, "shop_id": int(shop_id),
                "partner_id": int(self.partner_id)}  # fmt: skip
        return self.call("POST", TOKEN_REFRESH, json=body)

    def shop_info(self, *, shop: tuple[str, str]) -> dict:
        return self.call("GET", SHOP_INFO, shop=shop)

    # --- seller chat -------------------------------------------------------------------------

    def get_message(self, *, shop: tuple[str, str], conversation_id: str, page_size: int = 20):
        params = {"conversation_id": conversation_id, "page_size": page_size, "offset": ""}
        return self.call("GET", GET_MESSAGE, shop=shop, params=params).get("response") or {}

    def send_message(self, *, shop: tuple[str, str], body: dict) -> dict:
        return self.call("POST", SEND_MESSAGE, shop=shop, json=body).get("response") or {}

    def upload_image(self, *, shop: tuple[str, str], name: str, data: bytes, content_type: str):
        files = {"file": (name, data, content_type)}
        return self.call("POST", UPLOAD_IMAGE, shop=shop, files=files).get("response") or {}

    # --- lost pushes (partner level) ---------------------------------------------------------

    def lost_pushes(self) -> dict:
        return self.call("GET", LOST_PUSHES).get("response") or {}

    def confirm_lost_pushes(self, *, last_message_id: int) -> dict:
        return self.call("POST", CONFIRM_LOST, json={"last_message_id": int(last_message_id)})


def shop_of(account) -> tuple[str, str]:
    """(shop_id, access_token) of a channel account, for shop-level calls."""
    credentials = account.credentials
    return str(credentials.get("shop_id") or account.external_id), str(
        credentials.get("access_token") or ""
    )
