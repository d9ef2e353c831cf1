"""What a reply may carry on each channel kind: how long its text may be, which kinds of
attachment (image, video, audio, file) and how large.

The provider adapters declare it (`ProviderAdapter.max_text_length`, `sendable_attachments`,
`max_attachment_bytes` in channels_app); the channels app registers the declared values when
Django starts (`ChannelsAppConfig.ready`), since conversations sits below it and never
imports the adapters. A kind nobody declared a limit for has none.
"""

from __future__ import annotations

_MAX_TEXT: dict[str, int] = {}
# Message.attachments' types a composer upload can be.
ATTACHMENT_KINDS = frozenset({"image", "video", "audio", "file"})
KIND_ORDER = ("image", "video", "audio", "file")
# What the composer's file picker offers for each of them.
PICKER_ACCEPT = {
    "image": "image/jpeg,image/png,image/gif,image/webp",
    "video": "video/*",
    "audio": "audio/*",
    "file": ".pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.zip,.txt,.csv",
}
_ATTACHMENT_KINDS: dict[str, frozenset[str]] = {}
_MAX_ATTACHMENT_BYTES: dict[str, int] = {}


def max_text_register(kind: str, limit: int | None) -> None:
    if limit:
        _MAX_TEXT[kind] = int(limit)
    else:
        _MAX_TEXT.pop(kind, None)


def max_text(kind: str) -> int | None:
    return _MAX_TEXT.get(kind)


def attachments_register(kind: str, kinds, max_bytes: int | None) -> None:
    """`kinds`: the attachment types the kind's replies may carry (None: every one)."""
    if kinds is None:
        _ATTACHMENT_KINDS.pop(kind, None)
    else:
        _ATTACHMENT_KINDS[kind] = frozenset(kinds) & ATTACHMENT_KINDS
    if max_bytes:
        _MAX_ATTACHMENT_BYTES[kind] = int(max_bytes)
    else:
        _MAX_ATTACHMENT_BYTES.pop(kind, None)


def attachment_kinds(kind: str) -> frozenset[str]:
    return _ATTACHMENT_KINDS.get(kind, ATTACHMENT_KINDS)


def max_attachment_bytes(kind: str) -> int | None:
    return _MAX_ATTACHMENT_BYTES.get(kind)


def picker_accept(kind: str) -> str:
    """The composer file picker's `accept` on a channel kind ("" when replies carry no file)."""
    kinds = attachment_kinds(kind)
    return ",".join(PICKER_ACCEPT[k] for k in KIND_ORDER if k in kinds)
