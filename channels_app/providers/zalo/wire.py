"""Our outbound message -> the bodies of Zalo's customer-service message API.

A reply answers the customer's message (`recipient.message_id`) whenever we know one: Zalo
counts such replies against the free replies of the customer's last message; a body naming
only `recipient.user_id` may be counted as a proactive message. Text goes first, then one
body per attachment (uploaded first: images and GIFs become an `attachment_id`, anything
else a file `token`)."""

from __future__ import annotations

from channels_app.providers.base import OutboundMessage, PayloadError

IMAGE_TYPES = {"image/png", "image/jpeg", "image/jpg"}


def recipient(outbound: OutboundMessage) -> dict:
    answered = outbound.reply_to_external_id or outbound.answers_external_id
    if answered:
        return {"message_id": answered}
    return {"user_id": outbound.recipient_id}


def text_body(outbound: OutboundMessage) -> dict:
    return {"recipient": recipient(outbound), "message": {"text": outbound.text}}


def upload_kind(attachment: dict) -> str:
    content_type = str(attachment.get("stored_content_type") or "").lower()
    if content_type == "image/gif":
        return "gif"
    if content_type in IMAGE_TYPES or (not content_type and attachment.get("type") == "image"):
        return "image"
    return "file"


def attachment_body(outbound: OutboundMessage, *, kind: str, uploaded: dict) -> dict:
    if kind in {"image", "gif"}:
        attachment_id = uploaded.get("attachment_id")
        if not attachment_id:
            raise PayloadError("Zalo's upload answered without an attachment_id")
        element = {"media_type": kind, "attachment_id": str(attachment_id)}
        payload = {"template_type": "media", "elements": [element]}
        message = {"attachment": {"type": "template", "payload": payload}}
    else:
        token = uploaded.get("token")
        if not token:
            raise PayloadError("Zalo's upload answered without a file token")
        message = {"attachment": {"type": "file", "payload": {"token": str(token)}}}
    return {"recipient": recipient(outbound), "message": message}
