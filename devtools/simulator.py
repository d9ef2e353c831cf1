"""Real-shaped Meta webhook bodies for the provider simulator and the benchmark.

Shapes follow Meta's Messenger, page-comment and Instagram webhooks (docs/providers.md, "Meta
Graph API facts"). Bodies are
serialised like Meta's (unicode escaped) and signed with META_APP_SECRET.
"""

from __future__ import annotations

import json
import random
import re
import secrets
import time
import unicodedata
import zlib

from channels_app.providers.meta.signature import HEADER, sign

CUSTOMER_NAMES = [
    "Nguyễn Thị Hoa", "Trần Văn Nam", "Lê Thị Thu", "Phạm Minh Tuấn", "Hoàng Thị Lan",
    "Vũ Đức Anh", "Đặng Thị Mai", "Bùi Quốc Huy", "Đỗ Thị Ngọc", "Hồ Văn Long",
    "Ngô Thị Hằng", "Dương Minh Khoa", "Lý Thị Kim", "Phan Văn Dũng", "Trịnh Thị Yến",
]  # fmt: skip
MESSAGES = [
    "Shop ơi, áo này còn size M không ạ?", "Giá bao nhiêu vậy shop?",
    "Ship về Hà Nội mất mấy ngày ạ?", "Mình muốn đặt 2 cái màu đen",
    "Có freeship không shop?", "Sđt mình 0912 345 678, shop gọi lại giúp nhé",
    "Cho mình xem thêm mẫu khác được không?", "Đơn hàng của mình giao chưa ạ?",
    "Mình chuyển khoản rồi nhé shop", "Hàng có được kiểm tra trước khi nhận không?",
    "Còn mã giảm giá không shop?", "Cảm ơn shop nhiều ạ 😍",
]  # fmt: skip
COMMENTS = ["Giá bao nhiêu shop?", "Ib mình nhé", "Còn hàng không ạ?", "Mẫu này đẹp quá",
            "Check ib shop ơi", "0987654321 gọi mình nhé"]  # fmt: skip
IMAGES = [f"https://scontent.xx.fbcdn.net/v/t1.15752-9/ao-thun-{i}.jpg" for i in range(1, 6)]
CUSTOMER_ID = re.compile(r"9\d{6}(\d{5})")


def now_ms() -> int:
    return int(time.time() * 1000)


def customer_id(page_id: str, index: int) -> str:
    """A stable PSID-like id per page and customer number (all digits, like Meta's)."""
    return f"9{zlib.crc32(page_id.encode()) % 10**6:06d}{index:05d}"


def customer_index(user_id: str) -> int:
    """The customer number behind a `customer_id` (any other id maps to a stable number)."""
    match = CUSTOMER_ID.fullmatch(str(user_id))
    return int(match.group(1)) if match else zlib.crc32(str(user_id).encode())


def customer_name(user_id: str) -> str:
    """The Vietnamese name the simulator gives this customer (also in their comments)."""
    return CUSTOMER_NAMES[customer_index(user_id) % len(CUSTOMER_NAMES)]


def customer_username(user_id: str) -> str:
    """An Instagram-style handle: "nguyen.thi.hoa.007"."""
    plain = unicodedata.normalize(
        "NFKD", customer_name(user_id).replace("Đ", "D").replace("đ", "d")
    )
    ascii_name = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    return ".".join(ascii_name.split()) + f".{customer_index(user_id) % 1000:03d}"


def image_urls(media_base: str = "") -> list[str]:
    """Attachment links: Meta-like CDN URLs, or the stand-in's CDN when `media_base` is set
    (so `make run` can really download them)."""
    if not media_base:
        return IMAGES
    return [f"{media_base.rstrip('/')}/image/ao-thun-{i}.png" for i in range(1, 6)]


def _envelope(kind: str, page_id: str, items: list[dict], *, key: str = "messaging") -> dict:
    obj = "instagram" if kind == "instagram" else "page"
    return {"object": obj, "entry": [{"id": page_id, "time": now_ms(), key: items}]}


def text_message(kind: str, page_id: str, psid: str, text: str, *, mid: str | None = None) -> dict:
    item = {
        "sender": {"id": psid},
        "recipient": {"id": page_id},
        "timestamp": now_ms(),
        "message": {"mid": mid or "m_" + secrets.token_urlsafe(18), "text": text},
    }
    return _envelope(kind, page_id, [item])


def image_message(kind: str, page_id: str, psid: str, url: str) -> dict:
    body = text_message(kind, page_id, psid, "")
    message = body["entry"][0]["messaging"][0]["message"]
    message.pop("text")
    message["attachments"] = [{"type": "image", "payload": {"url": url}}]
    return body


def read_receipt(kind: str, page_id: str, psid: str) -> dict:
    item = {"sender": {"id": psid}, "recipient": {"id": page_id}, "timestamp": now_ms()}
    item["read"] = {"watermark": now_ms()}
    return _envelope(kind, page_id, [item])


def page_inbox_echo(kind: str, page_id: str, psid: str, text: str) -> dict:
    item = {
        "sender": {"id": page_id},
        "recipient": {"id": psid},
        "timestamp": now_ms(),
        "message": {
            "is_echo": True,
            "app_id": 263902037430900,
            "mid": "m_" + secrets.token_urlsafe(18),
            "text": text,
        },
    }
    return _envelope(kind, page_id, [item])


def comment(page_id: str, psid: str, name: str, text: str, *, post_number: int = 1) -> dict:
    post_id = f"{page_id}_{500000 + post_number}"
    seconds = int(time.time())
    value = {
        "from": {"id": psid, "name": name},
        "post": {
            "status_type": "added_photos",
            "is_published": True,
            "permalink_url": f"https://www.facebook.com/{page_id}/posts/{500000 + post_number}",
            "id": post_id,
        },
        "message": text,
        "post_id": post_id,
        "comment_id": f"{500000 + post_number}_{secrets.randbelow(10**12)}",
        "created_time": seconds,
        "item": "comment",
        "parent_id": post_id,
        "verb": "add",
    }
    return {
        "object": "page",
        "entry": [{"id": page_id, "time": seconds, "changes": [{"field": "feed", "value": value}]}],
    }


def encode(body: dict) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def signed_headers(secret: str, body: bytes) -> dict:
    return {"Content-Type": "application/json", HEADER: sign(secret, body)}


def random_event(
    kind: str, page_id: str, rng: random.Random, *, customers: int, media_base: str = ""
) -> tuple[str, dict]:
    """One plausible customer action: mostly messages, some comments, images, receipts."""
    index = rng.randrange(customers)
    psid = customer_id(page_id, index)
    name = customer_name(psid)
    roll = rng.random()
    if kind == "facebook" and roll < 0.15:
        text = rng.choice(COMMENTS)
        return "comment", comment(page_id, psid, name, text, post_number=rng.randint(1, 3))
    if roll < 0.22:
        return "image", image_message(kind, page_id, psid, rng.choice(image_urls(media_base)))
    if roll < 0.30:
        return "read", read_receipt(kind, page_id, psid)
    if roll < 0.34:
        return "echo", page_inbox_echo(kind, page_id, psid, "Dạ shop đã nhận thông tin ạ")
    return "message", text_message(kind, page_id, psid, rng.choice(MESSAGES))
