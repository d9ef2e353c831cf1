"""Real-shaped Zalo OA webhook bodies, signed like Zalo's (X-ZEvent-Signature), for the
simulate command, the tests' helpers and the benchmark. Shapes: docs/providers.md ("Zalo OA
facts"); ids are 18-19 digit numbers as strings, the timestamp epoch milliseconds."""

from __future__ import annotations

import json
import random
import secrets
import zlib

from channels_app.providers.zalo.signature import HEADER, sign
from devtools.simulator import MESSAGES, now_ms

STICKER_URL = "https://zalo-api.zadn.vn/api/emoticon/sticker/webpc?eid=46991&size=130"


def user_id(oa_id: str, index: int) -> str:
    """A stable OA-scoped user id per OA and customer number (19 digits, beyond 2**53)."""
    return f"7{zlib.crc32(oa_id.encode()) % 10**8:08d}{index:010d}"


def msg_id() -> str:
    return secrets.token_hex(16)


def _base(event: str, *, app_id: str, sender: str, recipient: str, at: int | None = None) -> dict:
    return {"app_id": app_id, "user_id_by_app": f"55{sender[-12:]}", "event_name": event,
            "timestamp": str(at or now_ms()), "sender": {"id": sender},
            "recipient": {"id": recipient}}  # fmt: skip


def user_text(app_id: str, oa_id: str, user: str, text: str, *, mid: str | None = None,
              at: int | None = None) -> dict:  # fmt: skip
    body = _base("user_send_text", app_id=app_id, sender=user, recipient=oa_id, at=at)
    body["message"] = {"msg_id": mid or msg_id(), "text": text}
    return body


def user_attachment(app_id: str, oa_id: str, user: str, kind: str, payload: dict,
                    *, text: str = "") -> dict:  # fmt: skip
    body = _base(f"user_send_{kind}", app_id=app_id, sender=user, recipient=oa_id)
    message = {"msg_id": msg_id(), "attachments": [{"type": kind, "payload": payload}]}
    if text:
        message["text"] = text
    body["message"] = message
    return body


def user_image(app_id: str, oa_id: str, user: str, url: str) -> dict:
    return user_attachment(app_id, oa_id, user, "image", {"url": url, "thumbnail": url})


def follow(app_id: str, oa_id: str, user: str, *, unfollow: bool = False) -> dict:
    return {"app_id": app_id, "oa_id": oa_id, "user_id_by_app": f"55{user[-12:]}",
            "event_name": "unfollow" if unfollow else "follow", "timestamp": str(now_ms()),
            "source": "oa_profile", "follower": {"id": user}}  # fmt: skip


def seen(app_id: str, oa_id: str, user: str, ids: list[str]) -> dict:
    body = _base("user_seen_message", app_id=app_id, sender=user, recipient=oa_id)
    body["message"] = {"msg_ids": list(ids)}
    return body


def received(app_id: str, oa_id: str, user: str, ids: list[str]) -> dict:
    body = _base("user_received_message", app_id=app_id, sender=user, recipient=oa_id)
    body["message"] = {"msg_ids": list(ids)}
    return body


def oa_text(app_id: str, oa_id: str, user: str, text: str) -> dict:
    body = _base("oa_send_text", app_id=app_id, sender=oa_id, recipient=user)
    body["message"] = {"msg_id": msg_id(), "text": text}
    return body


def reaction(app_id: str, oa_id: str, user: str, target: str, icon: str = "/-heart") -> dict:
    body = _base("user_reacted_message", app_id=app_id, sender=user, recipient=oa_id)
    body["message"] = {"msg_id": target, "react_icon": icon}
    return body


def encode(body: dict) -> bytes:
    """Compact JSON, unicode kept as UTF-8 (the signature covers these exact bytes)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def signed_headers(*, app_id: str, oa_secret_key: str, raw: bytes) -> dict:
    timestamp = str(json.loads(raw).get("timestamp", ""))
    return {"Content-Type": "application/json",
            HEADER: sign(app_id=app_id, body=raw, timestamp=timestamp,
                         oa_secret_key=oa_secret_key)}  # fmt: skip


def random_event(app_id: str, oa_id: str, rng: random.Random, *, customers: int = 12,
                 media_base: str = "") -> tuple[str, dict]:  # fmt: skip
    """One customer's event on an OA: mostly texts, some images, follows and seen receipts."""
    user = user_id(oa_id, rng.randrange(customers))
    roll = rng.random()
    if roll < 0.7:
        return "text", user_text(app_id, oa_id, user, rng.choice(MESSAGES))
    if roll < 0.82:
        url = (f"{media_base}/image/zalo-{rng.randrange(5)}.png" if media_base
               else f"https://photo-stal-1.zadn.vn/zalo/ao-thun-{rng.randrange(5)}.jpg")  # fmt: skip
        return "image", user_image(app_id, oa_id, user, url)
    if roll < 0.9:
        return "follow", follow(app_id, oa_id, user)
    return "seen", seen(app_id, oa_id, user, [msg_id()])
