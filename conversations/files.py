"""Files we keep and serve back from our own origin (composer uploads, provider media copies,
profile pictures): what a file *is* comes from its bytes, never from its name or the
Content-Type someone sent.

- `sniff(head, declared=…)` reads the magic bytes (the `filetype` package) and answers the
  content type we accept the file as, or "" when it is refused (HTML, SVG, XML, script, or
  anything unknown that is not plain text).
- `storage_name(...)` builds `<folder>/<workspace>/<yyyy>/<mm>/<random><ext>`: per workspace,
  unguessable, and an extension from our own table.
- `display_name(...)` keeps the uploader's name only as text to show (escaped by templates).
- `serving_headers(...)` says how `/media/…` answers: plain raster images inline, everything
  else as a download in a sandbox.
- Providers fetch the files we send them through `signed_url(name)`; the browser loads
  `relative_url(name)` (relative to the page, so any host or port works).
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from datetime import datetime

import filetype
from django.conf import settings
from django.core import signing

SNIFF_BYTES = 8192
# Served inline: browsers only ever render these as pictures.
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
# filetype's names -> the names we store and serve.
ALIASES = {"audio/x-wav": "audio/wav", "audio/x-flac": "audio/flac", "audio/m4a": "audio/mp4"}
# What a composer upload may be (what Messenger and Instagram accept as image / video / audio /
# file attachments), by content.
UPLOAD_TYPES = frozenset({
    *INLINE_TYPES,
    "video/mp4", "video/quicktime", "video/webm", "video/3gpp",
    "audio/mpeg", "audio/mp4", "audio/aac", "audio/ogg", "audio/wav", "audio/amr",
    "application/pdf", "application/zip", "application/msword", "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "text/plain", "text/csv",
})  # fmt: skip
TEXT_TYPES = frozenset({"text/plain", "text/csv"})
# Never kept, whatever a setting says: each can carry script when served back.
REFUSED_TYPES = frozenset({"image/svg+xml", "text/html", "application/xhtml+xml", "text/xml",
                           "application/xml", "application/javascript", "text/javascript"})  # fmt: skip
MARKUP = re.compile(rb"<\s*(!doctype|html|head|body|script|svg|iframe|object|embed|\?xml|meta)",
                    re.IGNORECASE)  # fmt: skip
EXTENSIONS = {
    "image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp",
    "image/heic": ".heic", "image/heif": ".heif", "image/bmp": ".bmp",
    "video/mp4": ".mp4", "video/quicktime": ".mov", "video/webm": ".webm", "video/3gpp": ".3gp",
    "audio/mpeg": ".mp3", "audio/mp4": ".m4a", "audio/aac": ".aac", "audio/ogg": ".ogg",
    "audio/wav": ".wav", "audio/webm": ".weba", "audio/amr": ".amr",
    "application/pdf": ".pdf", "application/zip": ".zip", "text/plain": ".txt", "text/csv": ".csv",
    "application/msword": ".doc", "application/vnd.ms-excel": ".xls",
    "application/vnd.ms-powerpoint": ".ppt",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
}  # fmt: skip
TYPES_BY_EXTENSION = {ext: ct for ct, ext in EXTENSIONS.items()}
SANDBOX_CSP = "sandbox; default-src 'none'"
SIGNING_SALT = "inbox.media"


def media_type(content_type: str) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def looks_like_text(head: bytes) -> bool:
    """UTF-8 text without NUL bytes and without markup a browser could render."""
    if b"\x00" in head or MARKUP.search(head):
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:  # a multi-byte character cut at the end is fine
        if error.start < len(head) - 3:
            return False
    return True


def sniff(head: bytes, *, declared: str = "") -> str:
    """The content type the bytes `head` (the file's first SNIFF_BYTES) are, or "" if refused.

    Magic bytes decide; without any, only plain text is kept (as `declared` when that is
    text/csv, else text/plain), or an opaque binary when `declared` is
    application/octet-stream."""
    head = bytes(head[:SNIFF_BYTES])
    if not head:
        return ""
    if MARKUP.search(head[:1024]):
        return ""
    kind = filetype.guess(head)
    if kind is not None:
        found = ALIASES.get(kind.mime, kind.mime)
        return "" if found in REFUSED_TYPES else found
    declared = media_type(declared)
    if looks_like_text(head):
        return declared if declared in TEXT_TYPES else "text/plain"
    if declared == "application/octet-stream":
        return declared
    return ""


def attachment_kind(content_type: str) -> str:
    """Message.attachments' `type` for a sniffed content type."""
    if content_type in INLINE_TYPES:
        return "image"
    major = content_type.split("/", 1)[0]
    return major if major in {"video", "audio"} else "file"


def storage_name(*, workspace_id: int, folder: str, content_type: str, now: datetime,
                 token: str | None = None) -> str:  # fmt: skip
    ext = EXTENSIONS.get(media_type(content_type), ".bin")
    token = token or secrets.token_urlsafe(18)
    return f"{folder}/{int(workspace_id)}/{now:%Y/%m}/{token}{ext}"


def workspace_of(name: str) -> int | None:
    """The workspace a stored name belongs to (`<folder>/<workspace>/…`), if it has one."""
    parts = name.split("/")
    return int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else None


def display_name(name: str, *, limit: int = 120) -> str:
    """The uploader's file name as text to show: no folders, no control characters."""
    name = unicodedata.normalize("NFC", str(name or "")).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    return name[:limit] or "file"


def relative_url(name: str) -> str:
    return settings.MEDIA_URL + name


def signed_url(name: str) -> str:
    """An absolute link a provider can fetch without a session (the file is sent to them)."""
    token = signing.Signer(salt=SIGNING_SALT).signature(name)
    return f"{settings.SITE_URL}{relative_url(name)}?s={token}"


def signature_valid(name: str, token: str) -> bool:
    if not token:
        return False
    expected = signing.Signer(salt=SIGNING_SALT).signature(name)
    return secrets.compare_digest(expected, str(token))


def serving_headers(name: str, head: bytes) -> dict[str, str]:
    """Headers for a stored file, decided from its bytes (old files kept any extension)."""
    found = sniff(head) if head else ""
    headers = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": SANDBOX_CSP}
    if found in INLINE_TYPES:
        headers["Content-Type"] = found
        headers["Content-Disposition"] = "inline"
        return headers
    if found in TEXT_TYPES:
        found += "; charset=utf-8"
    headers["Content-Type"] = found or "application/octet-stream"
    filename = re.sub(r"[^A-Za-z0-9._-]", "_", name.rsplit("/", 1)[-1]) or "file"
    headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return headers
