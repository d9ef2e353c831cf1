"""Parsing of `entry[].messaging[]` items, shared by Messenger and Instagram (docs/providers.md).

Times in `messaging[]` are epoch milliseconds; `feed` changes use seconds (see facebook.schemas).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from channels_app import provider_apps
from channels_app.providers.base import (
    Attachment,
    EchoMessage,
    Event,
    Ignored,
    InboundMessage,
    PayloadError,
    StatusReceipt,
    clean_text,
)

METADATA_PREFIX = "inbox:"  # we put "inbox:<Message.pk>" in every send's metadata
PAGE_INBOX_LABEL = "Page inbox"
MAX_TEXT = 20000


def load_json(body: bytes) -> dict:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise PayloadError(f"body is not valid JSON: {exc}") from exc
    except RecursionError:  # thousands of nested arrays/objects: it can never parse
        raise PayloadError("body is nested too deeply to parse") from None
    if not isinstance(data, dict):
        raise PayloadError("body is not a JSON object")
    if _depth_exceeds(data, MAX_DEPTH):
        raise PayloadError(f"body is nested more than {MAX_DEPTH} levels deep")
    return data


# Meta's bodies are a handful of levels deep; anything far deeper would only recurse later
# (copying, storing as JSON) and fail there on every retry.
MAX_DEPTH = 32


def _depth_exceeds(data, limit: int) -> bool:
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        children = value.values() if isinstance(value, dict) else value
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return False


def entries(data: dict, *, expected_object: str) -> list[dict]:
    if data.get("object") != expected_object:
        raise PayloadError(f"expected object {expected_object!r}, got {data.get('object')!r}")
    items = data.get("entry")
    if not isinstance(items, list):
        raise PayloadError("`entry` is missing or not a list")
    for entry in items:
        if not isinstance(entry, dict) or not str(entry.get("id") or ""):
            raise PayloadError("an entry has no id")
    return items


# Provider times outside these bounds are refused (the body is kept, failed, with the reason):
# Messenger's webhooks are younger than 2010, and a clock a day ahead is not a clock.
EARLIEST_TIME = datetime(2010, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)


def plausible(moment: datetime, value) -> datetime:
    if moment < EARLIEST_TIME or moment > timezone.now() + FUTURE_SLACK:
        raise PayloadError(
            f"implausible timestamp {value!r} ({moment:%Y-%m-%d %H:%M} UTC): provider times "
            f"must lie between {EARLIEST_TIME:%Y-%m-%d} and one day from now"
        )
    return moment


def from_ms(value) -> datetime:
    try:
        moment = datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError) as exc:
        raise PayloadError(f"bad timestamp {value!r}") from exc
    return plausible(moment, value)


def from_seconds(value) -> datetime:
    try:
        moment = datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError) as exc:
        raise PayloadError(f"bad timestamp {value!r}") from exc
    return plausible(moment, value)


def _id(obj, key: str) -> str:
    value = obj.get(key) if isinstance(obj, dict) else None
    value = value.get("id") if isinstance(value, dict) else None
    if not value:
        raise PayloadError(f"messaging item has no {key}.id")
    return clean_text(value, limit=200)


def attachments(raw) -> tuple[Attachment, ...]:
    if not isinstance(raw, list):
        return ()
    parsed = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        kind = clean_text(item.get("type") or "fallback", limit=40)
        payload = item.get("payload") if isinstance(item.get("payload"), dict) else {}
        extra: dict = {}
        if payload.get("sticker_id"):
            # Until Aug 2026 stickers also arrive as `image` with a sticker_id.
            kind = "sticker"
            extra["sticker_id"] = clean_text(payload["sticker_id"], limit=40)
        coordinates = payload.get("coordinates")
        if isinstance(coordinates, dict):
            kind = "location"
            extra["lat"] = coordinates.get("lat")
            extra["long"] = coordinates.get("long")
        for key in ("reel_video_id", "id", "attachment_id"):
            if payload.get(key):
                extra[key] = clean_text(payload[key], limit=100)
        parsed.append(
            Attachment(
                type=kind,
                url=clean_text(payload.get("url") or item.get("url") or "", limit=2000),
                name=clean_text(payload.get("title") or item.get("title") or "", limit=300),
                extra=extra,
            )
        )
    return tuple(parsed)


def own_message_id(message: dict) -> int | None:
    """Our send, recognised by one of our app ids plus the metadata we attached."""
    if str(message.get("app_id", "")) not in provider_apps.meta_app_ids():
        return None
    metadata = str(message.get("metadata") or "")
    if metadata.startswith(METADATA_PREFIX):
        try:
            return int(metadata[len(METADATA_PREFIX) :])
        except ValueError:
            return None
    return None


def parse_item(*, page_id: str, item: dict) -> Event:
    if not isinstance(item, dict):
        raise PayloadError("messaging item is not an object")
    timestamp = from_ms(item.get("timestamp"))
    _id(item, "sender")  # every messaging event names its sender
    message = item.get("message")
    if isinstance(message, dict):
        return _message(page_id=page_id, item=item, message=message, timestamp=timestamp)
    if isinstance(item.get("delivery"), dict):
        delivery = item["delivery"]
        watermark = delivery.get("watermark")
        return StatusReceipt(
            timestamp=timestamp, account_external_id=page_id, contact_id=_id(item, "sender"),
            status="delivered", watermark=from_ms(watermark) if watermark else None,
            external_ids=tuple(clean_text(m, limit=255) for m in delivery.get("mids") or ()),
        )  # fmt: skip
    if isinstance(item.get("read"), dict):
        read = item["read"]
        watermark = read.get("watermark")
        mids = (clean_text(read["mid"], limit=255),) if read.get("mid") else ()
        return StatusReceipt(
            timestamp=timestamp, account_external_id=page_id, contact_id=_id(item, "sender"),
            status="read", watermark=from_ms(watermark) if watermark else None, external_ids=mids,
        )  # fmt: skip
    if isinstance(item.get("postback"), dict):
        return _postback(page_id=page_id, item=item, timestamp=timestamp)
    kinds = sorted(k for k in item if k not in {"sender", "recipient", "timestamp"})
    return Ignored(
        timestamp=timestamp,
        account_external_id=page_id,
        reason="unhandled messaging event: " + ",".join(kinds)[:100],
    )


def _message(*, page_id: str, item: dict, message: dict, timestamp: datetime) -> Event:
    mid = clean_text(message.get("mid") or "", limit=255)
    if not mid:
        raise PayloadError("message without mid")
    text = clean_text(message.get("text") or "", limit=MAX_TEXT)
    files = attachments(message.get("attachments"))
    if message.get("is_echo"):
        app_id = str(message.get("app_id") or "")
        return EchoMessage(
            timestamp=timestamp, account_external_id=page_id, contact_id=_id(item, "recipient"),
            external_id=mid, text=text, attachments=files, own_message_id=own_message_id(message),
            author_label=PAGE_INBOX_LABEL, meta={"app_id": app_id} if app_id else {},
        )  # fmt: skip
    if message.get("is_deleted"):
        return Ignored(timestamp=timestamp, account_external_id=page_id, reason="message unsent")
    meta: dict = {}
    quick_reply = message.get("quick_reply")
    if isinstance(quick_reply, dict) and quick_reply.get("payload"):
        meta["quick_reply"] = clean_text(quick_reply["payload"], limit=1000)
    if isinstance(message.get("referral"), dict):
        meta["referral"] = _small(message["referral"])
    if message.get("is_unsupported"):
        meta["unsupported"] = True
    reply_to = message.get("reply_to") if isinstance(message.get("reply_to"), dict) else {}
    if isinstance(reply_to.get("story"), dict):
        meta["story_reply"] = _small(reply_to["story"])
    return InboundMessage(
        timestamp=timestamp, account_external_id=page_id, contact_id=_id(item, "sender"),
        external_id=mid, text=text, attachments=files,
        reply_to_external_id=clean_text(reply_to.get("mid") or "", limit=255), meta=meta,
    )  # fmt: skip


def _postback(*, page_id: str, item: dict, timestamp: datetime) -> InboundMessage:
    postback = item["postback"]
    sender = _id(item, "sender")
    mid = clean_text(postback.get("mid") or "", limit=255)
    if not mid:  # older postbacks have no mid: a stable key from who, when and what
        digest = hashlib.sha256(
            f"{sender}:{item.get('timestamp')}:{postback.get('payload')}".encode()
        ).hexdigest()[:32]
        mid = f"postback:{digest}"
    meta = {"postback": clean_text(postback.get("payload") or "", limit=1000)}
    if isinstance(postback.get("referral"), dict):
        meta["referral"] = _small(postback["referral"])
    return InboundMessage(
        timestamp=timestamp, account_external_id=page_id, contact_id=sender, external_id=mid,
        text=clean_text(postback.get("title") or "", limit=MAX_TEXT), meta=meta,
    )  # fmt: skip


def _small(value: dict) -> dict:
    return {
        clean_text(k, limit=40): clean_text(v, limit=500)
        for k, v in list(value.items())[:10]
        if isinstance(v, str | int | float | bool)
    }


def messaging_events(entry: dict) -> list[Event]:
    page_id = clean_text(entry["id"], limit=128)
    events = []
    for key in ("messaging", "standby"):  # echoes may arrive on standby
        items = entry.get(key) or []
        if not isinstance(items, list):
            raise PayloadError(f"`{key}` is not a list")
        events.extend(parse_item(page_id=page_id, item=item) for item in items)
    return events
