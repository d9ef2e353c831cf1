"""Meta's webhook signature (X-Hub-Signature-256) and subscription handshake."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

HEADER = "X-Hub-Signature-256"
PREFIX = "sha256="


def sign(secret: str, body: bytes) -> str:
    """The header value Meta would send for `body` (used by the simulator and tests)."""
    return PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(*, secret: str, body: bytes, header: str | None) -> bool:
    """HMAC-SHA256 over the raw bytes exactly as received, compared in constant time."""
    if not secret or not header or not header.startswith(PREFIX):
        return False
    expected = sign(secret, body)
    return hmac.compare_digest(expected.encode(), header.strip().encode("ascii", "replace"))


def handshake_challenge(*, verify_token: str, params: Mapping[str, str]) -> str | None:
    if not verify_token or params.get("hub.mode") != "subscribe":
        return None
    given = params.get("hub.verify_token", "")
    if not hmac.compare_digest(given.encode(), verify_token.encode()):
        return None
    challenge = params.get("hub.challenge", "")
    return challenge if challenge and len(challenge) <= 200 else None
