"""Composer attachments: checked by content before anything is written, stored under generated
names only once the send is accepted.

    uploads = attachments_check(files=request.FILES.getlist("files"), kind=channel_kind)
    with attachments_stored(workspace=..., uploads=uploads) as described:
        message_send(..., attachments=described)                        # may refuse

`attachments_stored` runs the send and the file writes in one transaction: a refused send
writes no file, a failed write rolls the message back and removes what was written, and the
delivery (queued on commit) only starts once every file is on disk.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from conversations import files as rules
from conversations import reply_limits
from inbox_project.errors import ApplicationError

ATTACHMENT_MAX_BYTES = 25 * 1024 * 1024  # Meta's limit for files sent in Messenger
ATTACHMENT_MAX_FILES = 10


@dataclass(frozen=True)
class CheckedUpload:
    upload: object
    content_type: str
    display_name: str
    size: int


KIND_ORDER = reply_limits.KIND_ORDER


def _kind_words(kind: str) -> str:
    return {
        "image": _("pictures (JPEG, PNG, GIF, WebP)"),
        "video": _("videos"),
        "audio": _("audio"),
        "file": _("PDF, Office documents, ZIP and plain text files"),
    }[kind]


def attachments_check(*, files, kind: str = "") -> list[CheckedUpload]:
    """Refuse, with the file's name, anything too large or not a type the channel accepts
    (`kind`: the conversation's channel kind, whose provider declared what it sends)."""
    files = list(files or [])
    if len(files) > ATTACHMENT_MAX_FILES:
        raise ApplicationError(
            _("At most %(n)s files per message.") % {"n": ATTACHMENT_MAX_FILES}, code="files"
        )
    allowed = reply_limits.attachment_kinds(kind)
    if files and not allowed:
        raise ApplicationError(_("Files cannot be sent on this channel."), code="file_type")
    max_bytes = min(
        ATTACHMENT_MAX_BYTES, reply_limits.max_attachment_bytes(kind) or ATTACHMENT_MAX_BYTES
    )
    checked = []
    for upload in files:
        name = rules.display_name(upload.name)
        if upload.size > max_bytes:
            raise ApplicationError(
                _("“%(name)s” is larger than %(mb)s MB, the most this channel takes.")
                % {"name": name, "mb": f"{max_bytes / (1024 * 1024):g}"},
                code="file_size",
            )
        upload.seek(0)
        head = upload.read(rules.SNIFF_BYTES)
        upload.seek(0)
        content_type = rules.sniff(head, declared=_declared_text(name))
        if content_type not in rules.UPLOAD_TYPES or (
            rules.attachment_kind(content_type) not in allowed
        ):
            raise ApplicationError(
                _("“%(name)s” cannot be sent: this channel accepts only %(kinds)s.")
                % {"name": name,
                   "kinds": ", ".join(_kind_words(k) for k in KIND_ORDER if k in allowed)},
                code="file_type",
            )  # fmt: skip
        checked.append(CheckedUpload(upload, content_type, name, upload.size))
    return checked


def _declared_text(name: str) -> str:
    """Text files have no magic bytes: the name only tells CSV from plain text."""
    return "text/csv" if name.lower().endswith(".csv") else "text/plain"


@contextlib.contextmanager
def attachments_stored(*, workspace, uploads: list[CheckedUpload]):
    now = timezone.now()
    planned = [
        (u, rules.storage_name(workspace_id=workspace.pk, folder="outbound",
                               content_type=u.content_type, now=now))
        for u in uploads
    ]  # fmt: skip
    described = [
        {
            "type": rules.attachment_kind(u.content_type),
            "url": rules.signed_url(name),
            "stored_path": name,
            "stored_size": u.size,
            "stored_content_type": u.content_type,
            "name": u.display_name,
        }
        for u, name in planned
    ]
    written: list[str] = []
    try:
        with transaction.atomic():
            yield described
            for upload, name in planned:
                upload.upload.seek(0)
                saved = default_storage.save(name, upload.upload)
                written.append(saved)
                if saved != name:  # a generated name never collides; refuse to guess
                    raise OSError(f"storage renamed {name} to {saved}")
    except BaseException:
        for name in written:
            with contextlib.suppress(Exception):
                default_storage.delete(name)
        raise
