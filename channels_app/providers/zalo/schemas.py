"""Zalo OA webhook bodies to provider-neutral events.

One body is one event: `event_name`, `timestamp` (epoch milliseconds, usually a string),
`sender.id`, `recipient.id`, `message` (`msg_id`, `text`, `attachments[]`). For `user_*`
events the recipient is the OA, for `oa_*` events the sender is; follow events name the OA
in `oa_id` and the person in `follower.id`. Ids are big integers, sometimes unquoted: the
body is parsed with every integer kept as its digits. Sources and certainty:
docs/providers.md ("Zalo OA facts").
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from channels_app.providers.base import (
    Attachment,
    ContactEvent,
    EchoMessage,
    Event,
    Ignored,
    InboundMessage,
    PayloadError,
    Reaction,
    StatusReceipt,
    clean_text,
)

# user_send_<what>: what a customer can send; the attachment types Zalo names.
USER_MESSAGES = frozenset({"text", "image", "file", "sticker", "gif", "audio", "video", "link",
                           "location", "business_card"})  # fmt: skip
ATTACHMENT_TYPES = {"image": "image", "gif": "image", "sticker": "sticker", "audio": "audio",
                    "video": "video", "file": "file", "link": "share", "location": "location",
                    "business_card": "contact"}  # fmt: skip
FOLLOWS = {"follow": "followed", "unfollow": "unfollowed"}
RECEIPTS = {"user_received_message": "delivered", "user_seen_message": "read"}
REACTIONS = {"user_reacted_message": False, "oa_reacted_message": True}
# The label of messages the OA sent from elsewhere (Zalo's OA Manager, another tool).
OA_MANAGER_LABEL = "Page inbox"

EARLIEST_TIME = datetime(2010, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)
MAX_DEPTH = 16


def load(body: bytes) -> dict:
    """The body as a dict, every JSON integer kept as a string (ids exceed 2**53)."""
    try:
        data = json.loads(body, parse_int=str)
    except (UnicodeDecodeError, ValueError) as exc:
        raise PayloadError(f"body is not valid JSON: {exc}") from exc
    except RecursionError:
        raise PayloadError("body is nested too deeply to parse") from None
    if not isinstance(data, dict):
        raise PayloadError("body is not a JSON object")
    if _depth_exceeds(data, MAX_DEPTH):
        raise PayloadError(f"body is nested more than {MAX_DEPTH} levels deep")
    return data


def _depth_exceeds(data, limit: int) -> bool:
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        children = value.values() if isinstance(value, dict) else value
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return False


def _id_of(obj) -> str:
    value = obj.get("id") if isinstance(obj, dict) else None
    return clean_text(value, limit=128).strip() if value is not None else ""


def oa_id(data: dict) -> str:
    """The OA a body is for ("" when it names none)."""
    if data.get("oa_id") is not None:
        return clean_text(data["oa_id"], limit=128).strip()
    name = str(data.get("event_name") or "")
    if name.startswith("oa_"):
        return _id_of(data.get("sender"))
    return _id_of(data.get("recipient"))


def customer_id(data: dict) -> str:
    name = str(data.get("event_name") or "")
    if name in FOLLOWS:
        return _id_of(data.get("follower")) or _id_of(data.get("sender"))
    if name.startswith("oa_"):
        return _id_of(data.get("recipient"))
    return _id_of(data.get("sender"))


def timestamp_of(data: dict) -> datetime:
    value = data.get("timestamp")
    try:
        moment = datetime.fromtimestamp(int(str(value)) / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError) as exc:
        raise PayloadError(f"bad timestamp {value!r}") from exc
    if moment < EARLIEST_TIME or moment > timezone.now() + FUTURE_SLACK:
        raise PayloadError(
            f"implausible timestamp {value!r} ({moment:%Y-%m-%d %H:%M} UTC): provider times "
            f"must lie between {EARLIEST_TIME:%Y-%m-%d} and one day from now"
        )
    return moment


def dedupe_key(body: bytes) -> str | None:
    """Zalo's id for the delivery: the event and its message id, else the event, its time
    and its customer; None when the body says neither (the caller hashes the body)."""
    try:
        data = load(body)
    except PayloadError:
        return None
    name = clean_text(data.get("event_name"), limit=60)
    message = data.get("message") if isinstance(data.get("message"), dict) else {}
    if message.get("msg_id") is not None and name not in RECEIPTS:
        return f"zalo:{name}:{clean_text(message['msg_id'], limit=120)}"
    if name and data.get("timestamp") is not None:
        who = customer_id(data)
        return f"zalo:{name}:{clean_text(data['timestamp'], limit=20)}:{who[:60]}"
    return None


def parse(body: bytes) -> list[Event]:
    data = load(body)
    name = data.get("event_name")
    if not isinstance(name, str) or not name:
        raise PayloadError("body has no event_name")
    when = timestamp_of(data)
    account = oa_id(data)
    if not account:
        raise PayloadError(f"{name}: the body names no OA")
    who = customer_id(data)
    common = {"timestamp": when, "account_external_id": account}
    if name in FOLLOWS:
        if not who:
            raise PayloadError(f"{name}: no follower id")
        return [ContactEvent(**common, contact_id=who, what=FOLLOWS[name])]
    if not who and (name.startswith(("user_send_", "oa_send_")) or name in RECEIPTS):
        raise PayloadError(f"{name}: no customer id")
    message = data.get("message") if isinstance(data.get("message"), dict) else {}
    if name in RECEIPTS:
        ids = message.get("msg_ids")
        if not isinstance(ids, list):
            ids = [message["msg_id"]] if message.get("msg_id") is not None else []
        ids = tuple(clean_text(i, limit=120) for i in ids if i is not None and str(i))
        return [StatusReceipt(**common, contact_id=who, status=RECEIPTS[name], external_ids=ids)]
    if name in REACTIONS:
        target = clean_text(message.get("msg_id"), limit=120)
        if not target:
            raise PayloadError(f"{name}: no msg_id")
        emoji = clean_text(message.get("react_icon"), limit=40)
        return [Reaction(**common, contact_id=who, target_external_id=target, emoji=emoji,
                         by_account=REACTIONS[name])]  # fmt: skip
    what = name.removeprefix("user_send_").removeprefix("oa_send_")
    if name.startswith("user_send_") and what in USER_MESSAGES:
        msg_id = _msg_id(name, message)
        return [InboundMessage(**common, contact_id=who, external_id=msg_id,
                               text=clean_text(message.get("text"), limit=20000),
                               attachments=attachments(message.get("attachments")))]  # fmt: skip
    if name.startswith("oa_send_") and "group" not in name:
        msg_id = _msg_id(name, message)
        return [EchoMessage(**common, contact_id=who, external_id=msg_id,
                            text=clean_text(message.get("text"), limit=20000),
                            attachments=attachments(message.get("attachments")),
                            author_label=OA_MANAGER_LABEL)]  # fmt: skip
    return [Ignored(**common, reason=f"zalo event {clean_text(name, limit=60)}")]


def _msg_id(name: str, message: dict) -> str:
    msg_id = clean_text(message.get("msg_id"), limit=120).strip()
    if not msg_id:
        raise PayloadError(f"{name}: no message.msg_id")
    return msg_id


def attachments(raw) -> tuple[Attachment, ...]:
    if not isinstance(raw, list):
        return ()
    parsed = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        zalo_type = clean_text(item.get("type"), limit=40)
        payload = item.get("payload") if isinstance(item.get("payload"), dict) else {}
        kind = ATTACHMENT_TYPES.get(zalo_type, "fallback")
        url = clean_text(payload.get("url") or payload.get("href"), limit=2000).strip()
        if not url.lower().startswith(("https://", "http://")):
            url = ""
        extra = {}
        if zalo_type != kind:
            extra["provider_type"] = zalo_type
        thumbnail = clean_text(payload.get("thumbnail"), limit=2000).strip()
        if thumbnail.lower().startswith(("https://", "http://")):
            extra["thumbnail"] = thumbnail
        for key in ("size", "checksum", "description", "id"):
            if payload.get(key) is not None:
                extra[key] = clean_text(payload[key], limit=500)
        coordinates = payload.get("coordinates")
        if isinstance(coordinates, dict):
            extra["coordinates"] = {
                "lat": clean_text(coordinates.get("latitude"), limit=40),
                "long": clean_text(coordinates.get("longitude"), limit=40),
            }
        name = clean_text(payload.get("name") or payload.get("title"), limit=300)
        parsed.append(Attachment(type=kind, url=url, name=name, extra=extra))
    return tuple(parsed)
