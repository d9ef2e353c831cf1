"""Zalo's webhook signature: `X-ZEvent-Signature` is the hex SHA-256 (a plain hash, not an
HMAC) of app id + raw body + the body's `timestamp` + the OA Secret Key of the app's webhook
page (docs/providers.md, "Zalo OA facts": secondary sources, to check against a real OA).
There is no subscription handshake."""

from __future__ import annotations

import hashlib
import hmac
import json

HEADER = "X-ZEvent-Signature"
TIMESTAMP_HEADER = "X-ZEvent-Timestamp"  # a fallback some senders use when the body has none


def body_timestamp(body: bytes, headers) -> str:
    """The top-level `timestamp` the signature covers, as the digits the body carries (a
    string or a number; "" when none)."""
    try:
        data = json.loads(body, parse_int=str)
    except (ValueError, UnicodeDecodeError, RecursionError):
        data = None
    if isinstance(data, dict) and data.get("timestamp") is not None:
        return str(data["timestamp"])
    return str(headers.get(TIMESTAMP_HEADER) or "")


def expected(*, app_id: str, body: bytes, timestamp: str, oa_secret_key: str) -> str:
    digest = hashlib.sha256()
    digest.update(app_id.encode())
    digest.update(body)
    digest.update(timestamp.encode())
    digest.update(oa_secret_key.encode())
    return digest.hexdigest()


def signature_valid(*, app_id: str, oa_secret_key: str, body: bytes, headers) -> bool:
    header = str(headers.get(HEADER) or "").strip()
    if header.startswith("mac="):
        header = header[4:]
    if not header or not app_id or not oa_secret_key:
        return False
    timestamp = body_timestamp(body, headers)
    if not timestamp:
        return False
    wanted = expected(app_id=app_id, body=body, timestamp=timestamp, oa_secret_key=oa_secret_key)
    return hmac.compare_digest(wanted, header.lower())


def sign(*, app_id: str, body: bytes, timestamp: str, oa_secret_key: str) -> str:
    """The header value a Zalo push carries (the simulator signs with it)."""
    return "mac=" + expected(
        app_id=app_id, body=body, timestamp=timestamp, oa_secret_key=oa_secret_key
    )
