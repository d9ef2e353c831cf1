"""Real-shaped, correctly signed Shopee pushes: buyers writing to a shop's seller chat.

Envelope `{"shop_id", "code", "timestamp", "data"}`; code 10 (webchat_push) carries one chat
message in `data.content` (docs/providers.md, "Shopee"). Signed like Shopee signs them:
`Authorization: hex HMAC-SHA256(push partner key, callback URL + "|" + body)`.
"""

from __future__ import annotations

import json
import random
import secrets
import time
import zlib
from urllib.parse import urlsplit

from channels_app.providers.shopee import signing
from devtools.simulator import MESSAGES

BUYER_HANDLES = [
    "hoa.nguyen94", "namtran_hn", "thule.2001", "tuanpham88", "lanhoang.shop", "ducanh.vu",
    "maidang97", "huybui_sg", "ngocdo.95", "longho2000", "hangngo.99", "khoaduong",
]  # fmt: skip
ITEMS = [(21548730911, "Áo thun cotton basic form rộng"), (18820374652, "Quần jean ống suông"),
         (23014598774, "Túi tote canvas in chữ")]  # fmt: skip


def buyer_id(shop_id: str, index: int) -> int:
    """A stable Shopee user id per shop and buyer number."""
    return 10**8 + (zlib.crc32(str(shop_id).encode()) % 10**6) * 100 + index


def buyer_name(user_id: int) -> str:
    return BUYER_HANDLES[user_id % len(BUYER_HANDLES)]


def conversation_id(shop_id: str, user_id: int) -> str:
    return str(zlib.crc32(f"{shop_id}:{user_id}".encode()) * 10**9 + user_id % 10**9)


def message_id() -> str:
    return str(secrets.randbelow(9 * 10**18) + 10**18)


def chat_message(shop_id: str, user_id: int, message_type: str, content: dict, *,
                 at: int | None = None, from_shop: bool = False) -> dict:  # fmt: skip
    """One seller-chat message as get_message and the push carry it."""
    shop, buyer = int(shop_id), int(user_id)
    return {
        "message_id": message_id(),
        "conversation_id": conversation_id(shop_id, user_id),
        "from_id": shop if from_shop else buyer,
        "from_user_name": "shop" if from_shop else buyer_name(user_id),
        "to_id": buyer if from_shop else shop,
        "from_shop_id": shop if from_shop else 0,
        "to_shop_id": 0 if from_shop else shop,
        "message_type": message_type,
        "content": content,
        "created_timestamp": at or int(time.time()),
    }


def webchat_push(shop_id: str, message: dict) -> dict:
    return {"shop_id": int(shop_id), "code": 10, "timestamp": int(time.time()),
            "data": {"type": "message", "content": message}}  # fmt: skip


def text_push(shop_id: str, user_id: int, text: str) -> dict:
    return webchat_push(shop_id, chat_message(shop_id, user_id, "text", {"text": text}))


def sticker_push(shop_id: str, user_id: int) -> dict:
    content = {"sticker_id": "12", "sticker_package_id": "1002"}
    return webchat_push(shop_id, chat_message(shop_id, user_id, "sticker", content))


def image_push(shop_id: str, user_id: int, url: str) -> dict:
    content = {"url": url, "thumb_url": url, "thumb_height": 320, "thumb_width": 320}
    return webchat_push(shop_id, chat_message(shop_id, user_id, "image", content))


def item_push(shop_id: str, user_id: int, item_id: int) -> dict:
    content = {"item_id": item_id, "shop_id": int(shop_id)}
    return webchat_push(shop_id, chat_message(shop_id, user_id, "item", content))


def order_push(shop_id: str, user_id: int, order_sn: str) -> dict:
    content = {"order_sn": order_sn, "shop_id": int(shop_id)}
    return webchat_push(shop_id, chat_message(shop_id, user_id, "order", content))


def expiry_push(partner_id: str, shop_ids: list[str]) -> dict:
    """Code 12 (open_api_authorization_expiry): partner level, the shops in its data."""
    soon = int(time.time()) + 7 * 86400
    return {"code": 12, "timestamp": int(time.time()), "data": {
        "shop_expire_soon": [int(s) for s in shop_ids], "merchant_expire_soon": [],
        "expire_before": soon, "partner_id": int(partner_id or 0)}}  # fmt: skip


def encode(body: dict) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def signed_headers(*, key: str, callback_url: str, body: bytes) -> dict:
    return {"Content-Type": "application/json",
            signing.PUSH_HEADER: signing.push_sign(key=key, callback_url=callback_url, body=body)}  # fmt: skip


def order_sn(rng: random.Random) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
    return time.strftime("%y%m%d") + "".join(rng.choice(alphabet) for _ in range(8))


def random_push(shop_id: str, rng: random.Random, *, buyers: int = 12, media_base: str = ""):
    """One plausible buyer action: mostly text, some stickers, images, products, orders.
    Returns (what, push, the chat message it carries)."""
    user_id = buyer_id(shop_id, rng.randrange(buyers))
    roll = rng.random()
    if roll < 0.08:
        push, what = sticker_push(shop_id, user_id), "sticker"
    elif roll < 0.16 and media_base:
        url = f"{media_base.rstrip('/')}/image/shopee-{rng.randint(1, 5)}.png"
        push, what = image_push(shop_id, user_id, url), "image"
    elif roll < 0.26:
        push, what = item_push(shop_id, user_id, rng.choice(ITEMS)[0]), "item"
    elif roll < 0.34:
        push, what = order_push(shop_id, user_id, order_sn(rng)), "order"
    else:
        push, what = text_push(shop_id, user_id, rng.choice(MESSAGES)), "message"
    return what, push, push["data"]["content"]


SHOPEE_HOSTS = ("shopeemobile.com", "shopee.cn", "shopee.sg", "shopee.vn")


def standin_origin(api_url: str) -> str:
    """The stand-in's origin when SHOPEE_API_URL points at one (not Shopee), else ""."""
    parts = urlsplit(api_url)
    host = parts.hostname or ""
    if not parts.scheme or any(host == h or host.endswith("." + h) for h in SHOPEE_HOSTS):
        return ""
    return f"{parts.scheme}://{parts.netloc}"
