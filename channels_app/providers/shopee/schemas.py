"""Shopee push bodies -> provider-neutral events.

Envelope `{"shop_id": 123, "code": 10, "timestamp": 1700000000, "data": {...}}`. Code 10
(webchat_push) with `data.type == "message"` carries one chat message in `data.content`
(`message_id`, `conversation_id`, `from_id`, `from_user_name`, `to_id`, `message_type`,
`content`, `created_timestamp`); the adapter reads it back through the API and passes the
answer in as `fetched`. Codes 2 (deauthorisation) and 12 (authorisation expiring) ask for a
reconnect; every other push is kept as Ignored. Shapes and sources: docs/providers.md, "Shopee".
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from django.utils import timezone

from channels_app.providers.base import (
    Attachment,
    EchoMessage,
    Event,
    Ignored,
    InboundMessage,
    PayloadError,
    ReconnectNeeded,
    clean_text,
)
from channels_app.providers.shopee import config
from channels_app.providers.shopee.errors import PLAIN

WEBCHAT = 10
DEAUTHORIZED = 2
AUTHORIZATION_EXPIRING = 12
CODE_NAMES = {
    1: "shop_authorization_push", 2: "shop_deauthorization_push", 3: "order_status_push",
    4: "order_trackingno_push", 5: "shopee_updates", 6: "banned_item_push",
    7: "item_promotion_push", 8: "reserved_stock_change_push", 9: "promotion_update_push",
    10: "webchat_push", 11: "video_upload_push", 12: "open_api_authorization_expiry",
    13: "brand_register_result",
}  # fmt: skip
SELLER_CENTRE_LABEL = "Shopee Seller Centre"
MAX_DEPTH = 32
MAX_TEXT = 20000
EARLIEST_TIME = datetime(2010, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)


def load(body: bytes) -> dict:
    """The push envelope, or PayloadError."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise PayloadError(f"body is not valid JSON: {exc}") from exc
    except RecursionError:
        raise PayloadError("body is nested too deeply to parse") from None
    if not isinstance(data, dict):
        raise PayloadError("body is not a JSON object")
    if _depth_exceeds(data):
        raise PayloadError(f"body is nested more than {MAX_DEPTH} levels deep")
    return data


@lru_cache(maxsize=8)  # the two calls of one request are back to back
def canonical(body: bytes) -> tuple[tuple[str, ...], str]:
    """(the shops a body names, its canonical JSON), parsed once for the webhook edge's two
    questions (which shop, which dedupe key). Raises PayloadError."""
    data = load(body)
    return shop_ids(data), json.dumps(data, sort_keys=True, separators=(",", ":"))


def _depth_exceeds(data) -> bool:
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        children = value.values() if isinstance(value, dict) else value
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return False


def _dict(value) -> dict:
    """Shopee sometimes nests JSON as a string (lost pushes' `data`, some `content`s)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def _id(value) -> str:
    if isinstance(value, bool) or value in (None, ""):
        return ""
    return clean_text(value, limit=64).strip()


def shop_ids(data: dict) -> tuple[str, ...]:
    """The shops a push names: the envelope's `shop_id`, else (partner-level pushes such as
    code 12) the ones listed in its data."""
    found = [_id(data.get("shop_id"))]
    inner = _dict(data.get("data"))
    found.append(_id(inner.get("shop_id")))
    for key in ("shop_expire_soon", "shop_id_list"):
        listed = inner.get(key)
        if isinstance(listed, list):
            found += [_id(v) for v in listed]
    seen: list[str] = []
    for shop_id in found:
        if shop_id and shop_id not in seen:
            seen.append(shop_id)
    return tuple(seen)


def moment(value) -> datetime:
    """Shopee times are Unix seconds; milliseconds and nanoseconds are recognised."""
    try:
        number = int(value)
        if number > 10**17:
            number //= 10**9
        elif number > 10**11:
            number //= 1000
        result = datetime.fromtimestamp(number, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError) as exc:
        raise PayloadError(f"bad timestamp {value!r}") from exc
    if result < EARLIEST_TIME or result > timezone.now() + FUTURE_SLACK:
        raise PayloadError(
            f"implausible timestamp {value!r} ({result:%Y-%m-%d %H:%M} UTC): provider times "
            f"must lie between {EARLIEST_TIME:%Y-%m-%d} and one day from now"
        )
    return result


def chat_message(data: dict) -> dict:
    """The chat message a code-10 push announces ({} when it is a notification)."""
    inner = _dict(data.get("data"))
    if inner.get("type") != "message":
        return {}
    content = _dict(inner.get("content"))
    if not _id(content.get("message_id")):
        raise PayloadError("webchat push without content.message_id")
    return content


def parse(body: bytes, *, fetch: Callable[[str, dict], dict | None] | None = None) -> list[Event]:
    """Every event of one push. `fetch(shop_id, pushed)` reads the message back from the API
    (None: use the push's own copy)."""
    data = load(body)
    code = data.get("code")
    if isinstance(code, bool) or not isinstance(code, int):
        raise PayloadError("push without an integer `code`")
    shops = shop_ids(data)
    if not shops:
        raise PayloadError("push names no shop_id")
    when = moment(data.get("timestamp"))
    if code == WEBCHAT:
        pushed = chat_message(data)
        if not pushed:
            return [Ignored(timestamp=when, account_external_id=shops[0],
                            reason="webchat notification")]  # fmt: skip
        fetched = fetch(shops[0], pushed) if fetch else None
        return [message_event(fetched or pushed, shop_id=shops[0], fetched=bool(fetched))]
    if code in (DEAUTHORIZED, AUTHORIZATION_EXPIRING):
        key = "deauthorized" if code == DEAUTHORIZED else "authorization_expiring"
        return [ReconnectNeeded(timestamp=when, account_external_id=shop, reason=PLAIN[key])
                for shop in shops]  # fmt: skip
    name = CODE_NAMES.get(code, f"code {code}")
    return [Ignored(timestamp=when, account_external_id=shops[0], reason=f"push {name}")]


def message_event(message: dict, *, shop_id: str, fetched: bool) -> Event:
    """One seller-chat message: the buyer's (InboundMessage) or the shop's own (EchoMessage,
    typed in Seller Centre or sent by us: the same message_id then fills in nothing new)."""
    external_id = _id(message.get("message_id"))
    sender = _id(message.get("from_id"))
    receiver = _id(message.get("to_id"))
    from_shop = _id(message.get("from_shop_id"))
    if not external_id or not sender:
        raise PayloadError("chat message without message_id or from_id")
    when = moment(message.get("created_timestamp") or message.get("created_at"))
    text, attachments = content_of(message)
    meta = {"conversation_id": _id(message.get("conversation_id")),
            "message_type": clean_text(message.get("message_type"), limit=32),
            "fetched": fetched}  # fmt: skip
    if from_shop == shop_id or sender == shop_id:
        if not receiver:
            raise PayloadError("shop message without to_id")
        return EchoMessage(
            timestamp=when, account_external_id=shop_id, contact_id=receiver,
            external_id=external_id, text=text, attachments=attachments,
            author_label=SELLER_CENTRE_LABEL, meta=meta,
        )  # fmt: skip
    return InboundMessage(
        timestamp=when, account_external_id=shop_id, contact_id=sender,
        external_id=external_id, text=text, attachments=attachments,
        contact_name=clean_text(message.get("from_user_name"), limit=200).strip(), meta=meta,
    )  # fmt: skip


def content_of(message: dict) -> tuple[str, tuple[Attachment, ...]]:
    """text, sticker, image, item (a product card), order (an order card); anything else
    keeps its type as a fallback so nothing is silently lost."""
    kind = clean_text(message.get("message_type"), limit=32).strip().lower()
    content = _dict(message.get("content"))
    shop = _id(message.get("shop_id") or content.get("shop_id") or message.get("to_shop_id"))
    if kind == "text":
        return clean_text(content.get("text"), limit=MAX_TEXT), ()
    if kind == "sticker":
        name = f"{_id(content.get('sticker_package_id'))}/{_id(content.get('sticker_id'))}"
        url = _url(content.get("url") or content.get("sticker_url"))
        return "", (Attachment(type="sticker", url=url, name=f"sticker {name}"),)
    if kind == "image":
        url = _url(content.get("url") or content.get("image_url"))
        thumb = _url(content.get("thumb_url"))
        return "", (Attachment(type="image", url=url or thumb),)
    if kind in ("item", "product"):
        item_id = _id(content.get("item_id"))
        if not item_id:
            raise PayloadError("item message without item_id")
        shop_id = _id(content.get("shop_id")) or shop
        extra = {"item_id": item_id, "shop_id": shop_id}
        url = f"{config.storefront_url()}/product/{shop_id}/{item_id}" if shop_id else ""
        name = clean_text(content.get("name"), limit=200)
        return "", (Attachment(type="product", url=url, name=name, extra=extra),)
    if kind == "order":
        order_sn = clean_text(content.get("order_sn"), limit=64).strip()
        if not order_sn:
            raise PayloadError("order message without order_sn")
        extra = {"order_sn": order_sn, "shop_id": _id(content.get("shop_id")) or shop}
        return "", (Attachment(type="order", name=order_sn, extra=extra),)
    text = clean_text(content.get("text"), limit=MAX_TEXT)
    return text, (Attachment(type="fallback", name=kind or "message"),)


def _url(value) -> str:
    url = clean_text(value, limit=1000).strip()
    return url if url.lower().startswith(("https://", "http://")) else ""
