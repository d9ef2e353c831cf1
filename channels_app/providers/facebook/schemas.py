"""Facebook Page webhook bodies (`object: "page"`) to provider-neutral events.

Messenger events come in `entry[].messaging[]` (ms timestamps); page comments in
`entry[].changes[]` with `field: "feed"` (second timestamps). Sources: docs/providers.md,
"Meta Graph API facts".
"""

from __future__ import annotations

from channels_app.providers.base import (
    Attachment,
    CommentEvent,
    Event,
    Ignored,
    PayloadError,
    clean_text,
)
from channels_app.providers.meta import messaging

COMMENT_VERBS = {"add", "edited", "edit", "remove", "delete", "hide", "unhide"}


def parse(body: bytes) -> list[Event]:
    data = messaging.load_json(body)
    events: list[Event] = []
    for entry in messaging.entries(data, expected_object="page"):
        events.extend(messaging.messaging_events(entry))
        events.extend(_changes(entry))
    return sorted(events, key=lambda event: event.sort_key)


def _changes(entry: dict) -> list[Event]:
    page_id = clean_text(entry["id"], limit=128)
    changes = entry.get("changes") or []
    if not isinstance(changes, list):
        raise PayloadError("`changes` is not a list")
    events = []
    for change in changes:
        if not isinstance(change, dict) or not isinstance(change.get("value"), dict):
            raise PayloadError("a change has no value")
        value = change["value"]
        when = value.get("created_time") or entry.get("time")
        timestamp = (
            messaging.from_ms(when) if isinstance(when, int) and when > 10**11
            else messaging.from_seconds(when)
        )  # fmt: skip
        if change.get("field") != "feed" or value.get("item") != "comment":
            reason = f"feed item {value.get('item')!r} ({change.get('field')})"
            events.append(Ignored(timestamp=timestamp, account_external_id=page_id, reason=reason))
            continue
        events.append(_comment(page_id=page_id, value=value, timestamp=timestamp))
    return events


def _comment(*, page_id: str, value: dict, timestamp) -> Event:
    verb = str(value.get("verb") or "")
    comment_id = clean_text(value.get("comment_id") or "", limit=255)
    if verb not in COMMENT_VERBS or not comment_id:
        return Ignored(
            timestamp=timestamp, account_external_id=page_id, reason=f"comment verb {verb!r}"
        )
    sender = value.get("from") if isinstance(value.get("from"), dict) else {}
    sender_id = clean_text(sender.get("id") or "", limit=200)
    if not sender_id and verb == "add":
        # Without MODERATE access Meta hides the commenter: nobody to attach it to.
        return Ignored(
            timestamp=timestamp, account_external_id=page_id, reason="comment without author"
        )
    post = value.get("post") if isinstance(value.get("post"), dict) else {}
    post_id = clean_text(value.get("post_id") or "", limit=255)
    files = ()
    if value.get("photo"):
        files = (Attachment(type="image", url=clean_text(value["photo"], limit=2000)),)
    elif value.get("video"):
        files = (Attachment(type="video", url=clean_text(value["video"], limit=2000)),)
    return CommentEvent(
        timestamp=timestamp, account_external_id=page_id, contact_id=sender_id,
        external_id=comment_id, verb={"edit": "edited", "delete": "remove"}.get(verb, verb),
        text=clean_text(value.get("message") or "", limit=messaging.MAX_TEXT),
        contact_name=clean_text(sender.get("name") or "", limit=200),
        post_id=post_id, post_url=clean_text(post.get("permalink_url") or "", limit=1000)
        or (f"https://www.facebook.com/{post_id}" if post_id else ""),
        parent_id=clean_text(value.get("parent_id") or "", limit=255),
        attachments=files, from_page=sender_id == page_id,
    )  # fmt: skip
