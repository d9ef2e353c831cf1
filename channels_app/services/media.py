"""Inbound media: copy provider CDN links into our storage before they expire (the links are
signed and short-lived; see docs/providers.md, "Media copies").

`message_media_download_enqueue` is called on commit by the inbound path; the task downloads
each wanted attachment of the message (streamed, size cap, content-type check, overall
timeout, only from the channel adapter's media hosts and MEDIA_DOWNLOAD_HOSTS) into Django's default storage under a per-workspace path, then records the result on
the attachment's JSON in one short transaction and pushes the updated bubble:

    {"type": "image", "url": <original, kept>, "stored_path": "attachments/7/2026/11/….jpg",
     "stored_size": 48213, "stored_content_type": "image/jpeg"}
    {"type": "video", "url": …, "download_error": "…", "download_attempts": 2,
     "download_failed": true}          # permanent: never tried again

A failure is recorded on the attachment and never touches the message otherwise. Transient
failures (network, 5xx, 429, timeout) retry with backoff up to MEDIA_DOWNLOAD_MAX_ATTEMPTS.
The timeline shows our copy (`channel_media.attachment_src`), else the original link.

Stored files get a random name and an extension chosen from what the bytes are (magic bytes,
`conversations.files.sniff`; never the URL, the customer's file name or the provider's
Content-Type, which only has to agree), and SVG / HTML / XML / script are refused, so nothing
we serve back from our domain can run script; `/media/` serves what is not a picture as a
sandboxed download (`conversations/views/media.py`).
"""

from __future__ import annotations

import logging
import secrets
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from channels_app.http import thread_session
from channels_app.providers import UnknownProvider, get_adapter
from conversations import events, files
from conversations.models import Message
from inbox_project.backoff import backoff_seconds
from inbox_project.on_commit import enqueue_on_commit

log = logging.getLogger(__name__)

# Attachment types whose URL is a media file on the provider's CDN. Not `fallback` / `share`
# (links to web pages), `location`, posts and reels (links to Instagram/Facebook content).
DOWNLOAD_TYPES = frozenset({"image", "sticker", "video", "audio", "file", "story_mention"})
# An attachment that says it is an image must be one, and so on.
TYPE_FAMILIES = {"image": "image/", "sticker": "image/", "video": "video/", "audio": "audio/"}
REFUSED_TYPES = files.REFUSED_TYPES
EXTENSIONS = files.EXTENSIONS
CHUNK_BYTES = 64 * 1024
SPOOL_BYTES = 1024 * 1024  # larger downloads spill from memory to a temporary file
ERROR_TEXT_LIMIT = 200
DOWNLOAD_TASK = "channels_app.tasks.message_media_download_task"
BACKOFF_BASE_SECONDS = 5.0
BACKOFF_MAX_SECONDS = 300.0


# --- pure rules ---------------------------------------------------------------------------------


def _http_url(value) -> bool:
    return str(value or "").strip().lower().startswith(("https://", "http://"))


def attachment_wanted(attachment) -> bool:
    """A media link we have not stored yet and have not given up on."""
    return (
        isinstance(attachment, dict)
        and attachment.get("type") in DOWNLOAD_TYPES
        and _http_url(attachment.get("url"))
        and not attachment.get("stored_path")
        and not attachment.get("download_failed")
    )


def attachments_downloadable(attachments: Iterable | None) -> bool:
    return any(attachment_wanted(a) for a in attachments or ())


def media_type(content_type: str) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def content_type_allowed(
    *, attachment_type: str, content_type: str, allowed: Sequence[str]
) -> bool:
    """Is a response of `content_type` acceptable for an attachment of `attachment_type`?

    `allowed` entries ending in "/" are families ("image/"), others exact types."""
    kind = media_type(content_type)
    if not kind or kind in REFUSED_TYPES:
        return False
    family = TYPE_FAMILIES.get(attachment_type)
    if family and not kind.startswith(family):
        return False
    return any(kind.startswith(a) if a.endswith("/") else kind == a for a in allowed)


def storage_name(*, workspace_id: int, folder: str, content_type: str, now: datetime,
                 token: str) -> str:  # fmt: skip
    """`<folder>/<workspace>/<yyyy>/<mm>/<random><ext>`: per workspace, unguessable, and an
    extension from our own table (unknown types are `.bin`, served as a download)."""
    ext = EXTENSIONS.get(media_type(content_type), ".bin")
    return f"{folder}/{int(workspace_id)}/{now:%Y/%m}/{token}{ext}"


def retry_delay(attempt: int) -> float:
    """5, 10, 20, 40 … seconds, capped at 5 minutes."""
    return backoff_seconds(attempt, base=BACKOFF_BASE_SECONDS, cap=BACKOFF_MAX_SECONDS)


def download_hosts(kind: str) -> tuple[str, ...]:
    """Where media of a channel of `kind` may come from: its adapter's CDN hosts and the
    deployment's MEDIA_DOWNLOAD_HOSTS (the stand-in in development, a proxy, …)."""
    try:
        own = get_adapter(kind).media_hosts
    except UnknownProvider:
        own = ()
    return tuple(dict.fromkeys((*own, *settings.MEDIA_DOWNLOAD_HOSTS)))


# --- downloading ----------------------------------------------------------------------------------


class DownloadError(Exception):
    """`transient` failures are worth another try; the others never succeed."""

    def __init__(self, code: str, detail: str = "", *, transient: bool = False):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
        self.transient = transient

    def text(self) -> str:
        return str(self)[:ERROR_TEXT_LIMIT]


@dataclass(frozen=True)
class Stored:
    name: str
    size: int
    content_type: str


def download_to_storage(
    url: str, *, accept: Callable[[str], bool], name_for: Callable[[str], str],
    max_bytes: int | None = None, timeout: float | None = None,
    hosts: Sequence[str] | None = None,
) -> Stored:  # fmt: skip
    """Stream `url` into default storage, from `hosts` only (MEDIA_DOWNLOAD_HOSTS when not
    given). Raises DownloadError; never leaves a partial file."""
    max_bytes = settings.MEDIA_DOWNLOAD_MAX_BYTES if max_bytes is None else max_bytes
    timeout = settings.MEDIA_DOWNLOAD_TIMEOUT if timeout is None else timeout
    deadline = time.monotonic() + timeout
    try:
        hosts = settings.MEDIA_DOWNLOAD_HOSTS if hosts is None else hosts
        with _open(url, timeout=timeout, hosts=hosts) as response:
            status = response.status_code
            if status in (408, 425, 429) or status >= 500:
                raise DownloadError("http", f"HTTP {status}", transient=True)
            if status >= 400:  # 403/404/410: the signed link expired or was withdrawn
                raise DownloadError("gone", f"HTTP {status}")
            content_type = media_type(response.headers.get("Content-Type", ""))
            if not accept(content_type):
                raise DownloadError("content_type", content_type or "none")
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise DownloadError("too_large", f"{declared} bytes")
            with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as buffer:
                size = 0
                for chunk in response.iter_content(CHUNK_BYTES):
                    size += len(chunk)
                    if size > max_bytes:
                        raise DownloadError("too_large", f"more than {max_bytes} bytes")
                    if time.monotonic() > deadline:
                        raise DownloadError("timeout", f"{timeout:g} s", transient=True)
                    buffer.write(chunk)
                if size == 0:
                    raise DownloadError("empty")
                buffer.seek(0)
                # What the bytes are decides, and must be acceptable too (a page served as
                # image/png is refused here).
                sniffed = files.sniff(buffer.read(files.SNIFF_BYTES), declared=content_type)
                if not sniffed or not accept(sniffed):
                    raise DownloadError("content", f"{content_type} is {sniffed or 'refused'}")
                content_type = sniffed
                buffer.seek(0)
                name = default_storage.save(name_for(content_type), File(buffer))
    except requests.RequestException as exc:
        raise DownloadError("network", type(exc).__name__, transient=True) from exc
    except OSError as exc:  # storage full or unwritable: worth another try later
        raise DownloadError("storage", type(exc).__name__, transient=True) from exc
    return Stored(name=name, size=size, content_type=content_type)


MAX_REDIRECTS = 5


def host_allowed(url: str, allowed: Sequence[str]) -> bool:
    """Is `url` on one of the `allowed` hosts or their subdomains? (Never an address we were
    not told to fetch from: webhook bodies name the URLs, and the fetch runs inside our
    network.)"""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.scheme not in ("http", "https") or not host:
        return False
    return any(
        host == a or host.endswith("." + a) for a in (h.lower().lstrip(".") for h in allowed)
    )


def _open(url: str, *, timeout: float, hosts: Sequence[str]) -> requests.Response:
    """GET `url`, following redirects by hand so every hop is checked against `hosts`
    (Meta's lookaside links redirect to its CDN)."""
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        if not host_allowed(current, hosts):
            raise DownloadError("host", urlsplit(current).hostname or "none")
        response = thread_session().get(
            current, stream=True, timeout=(min(10.0, timeout), timeout), allow_redirects=False
        )
        if not response.is_redirect:
            return response
        current = urljoin(current, response.headers.get("Location", ""))
        response.close()
    raise DownloadError("redirects", f"more than {MAX_REDIRECTS}")


def stored_url(name: str) -> str:
    return default_storage.url(name)


def delete_quietly(name: str) -> None:
    try:
        default_storage.delete(name)
    except Exception:
        log.warning("could not delete %s", name, exc_info=True)


# --- the message task -----------------------------------------------------------------------------


def message_media_download_enqueue(
    *, workspace_id: int, message_id: int, attachments: Iterable | None = None,
    countdown: float | None = None,
) -> bool:  # fmt: skip
    """Queue the download of a message's media after the current transaction commits (at once
    when none is open). Pass the message's `attachments` to skip messages with nothing to
    fetch without a publish. Returns False when there is nothing to do. A broker outage
    leaves the media a link until `manage.py media_backfill` (see docs/providers.md)."""
    if attachments is not None and not attachments_downloadable(attachments):
        return False
    enqueue_on_commit(DOWNLOAD_TASK, workspace_id, message_id, countdown=countdown)
    return True


def message_media_download(*, workspace_id: int, message_id: int,
                           now: datetime | None = None) -> str:  # fmt: skip
    """Download every wanted attachment of one message. Returns "stored", "retry", "failed",
    "partial" (some stored, some failed for good) or "skipped" (nothing to do)."""
    now = now or timezone.now()
    message = (
        Message.objects.filter(workspace_id=workspace_id, pk=message_id)
        .select_related("channel_account")
        .only("pk", "workspace_id", "attachments", "channel_account__kind")
        .first()
    )
    if message is None:
        return "skipped"
    wanted = [(i, a) for i, a in enumerate(message.attachments or []) if attachment_wanted(a)]
    if not wanted:
        return "skipped"
    hosts = download_hosts(message.channel_account.kind)
    allowed = settings.MEDIA_ALLOWED_CONTENT_TYPES
    max_attempts = settings.MEDIA_DOWNLOAD_MAX_ATTEMPTS
    changes: dict[int, tuple[str, dict]] = {}
    retry_attempt = 0
    for index, attachment in wanted:
        kind = attachment.get("type", "file")
        attempt = int(attachment.get("download_attempts") or 0) + 1
        try:
            stored = download_to_storage(
                attachment["url"],
                accept=lambda ct, kind=kind: content_type_allowed(
                    attachment_type=kind, content_type=ct, allowed=allowed
                ),
                name_for=lambda ct: storage_name(
                    workspace_id=workspace_id, folder="attachments", content_type=ct, now=now,
                    token=secrets.token_urlsafe(18),
                ),
                hosts=hosts,
            )  # fmt: skip
        except DownloadError as error:
            final = not error.transient or attempt >= max_attempts
            change = {"download_error": error.text(), "download_attempts": attempt}
            if final:
                change["download_failed"] = True
            else:
                retry_attempt = max(retry_attempt, attempt)
            log.info("media of message %s (#%d): %s", message_id, index, error)
            changes[index] = (attachment["url"], change)
            continue
        changes[index] = (attachment["url"], {
            "stored_path": stored.name, "stored_size": stored.size,
            "stored_content_type": stored.content_type, "download_attempts": attempt,
        })  # fmt: skip
    _record(workspace_id=workspace_id, message_id=message_id, changes=changes)
    if retry_attempt:
        message_media_download_enqueue(
            workspace_id=workspace_id, message_id=message_id, countdown=retry_delay(retry_attempt)
        )
        return "retry"
    outcomes = {"stored_path" in change for _, change in changes.values()}
    return "stored" if outcomes == {True} else "failed" if outcomes == {False} else "partial"


def _record(*, workspace_id: int, message_id: int, changes: dict[int, tuple[str, dict]]) -> None:
    """Write the results onto the attachments under a row lock (the row may have changed
    while we downloaded: an attachment is matched by position *and* URL), then push."""
    orphans = []
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(of=("self",))
            .filter(workspace_id=workspace_id, pk=message_id)
            .first()
        )
        attachments = list(message.attachments or []) if message else []
        for index, (url, change) in changes.items():
            current = attachments[index] if index < len(attachments) else None
            usable = isinstance(current, dict) and current.get("url") == url
            if not usable or current.get("stored_path"):  # gone, or another task stored it
                if change.get("stored_path"):
                    orphans.append(change["stored_path"])
                continue
            current = {k: v for k, v in current.items() if k != "download_error"}
            attachments[index] = {**current, **change}
        if message is not None and attachments != (message.attachments or []):
            Message.objects.filter(pk=message.pk, workspace_id=workspace_id).update(
                attachments=attachments
            )
            message.attachments = attachments
            events.message_updated(message)
    for name in orphans:
        delete_quietly(name)
