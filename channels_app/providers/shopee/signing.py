"""Shopee v2 signatures: API requests (query `sign`) and pushes (`Authorization` header).

Requests: lowercase hex HMAC-SHA256(partner key, partner_id + api_path + timestamp
[+ access_token + shop_id]); pushes: HMAC-SHA256(push partner key, callback URL + "|" + raw
body). Sources and confidence: docs/providers.md, "Shopee"."""

from __future__ import annotations

import hashlib
import hmac

PUSH_HEADER = "Authorization"


def request_sign(
    *, partner_key: str, partner_id: str, path: str, timestamp: int, access_token: str = "",
    shop_id: str = "",
) -> str:  # fmt: skip
    base = f"{partner_id}{path}{timestamp}{access_token}{shop_id}"
    return hmac.new(partner_key.encode(), base.encode(), hashlib.sha256).hexdigest()


def push_sign(*, key: str, callback_url: str, body: bytes) -> str:
    message = callback_url.encode() + b"|" + body
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def push_valid(*, key: str, callback_url: str, body: bytes, header: str | None) -> bool:
    """The header against the raw bytes as received, compared in constant time."""
    if not key or not header:
        return False
    expected = push_sign(key=key, callback_url=callback_url, body=body)
    return hmac.compare_digest(expected.encode(), header.strip().lower().encode("ascii", "replace"))
