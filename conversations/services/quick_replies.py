"""Quick replies: saved answers an agent inserts by typing "/" and the shortcut.

Admins keep the set; shortcuts are one word (letters of any language, digits, "-" and "_"),
stored lower-case without the slash, unique per workspace. A reply is a template, not
history: deleting one removes it (messages already sent keep their text).
"""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from conversations.models import QuickReply
from inbox_project.errors import ApplicationError

SHORTCUT_MAX_CHARS = 40
TEXT_MAX_CHARS = 2000
SHORTCUT = re.compile(r"^[\w-]+$")


def quick_reply_shortcut_clean(raw: str) -> str:
    """What the agent types after the slash: `/Giá Ship ` -> `giá-ship`."""
    shortcut = "-".join(str(raw or "").strip().lstrip("/").lower().split())
    if not shortcut:
        raise ApplicationError(_("A quick reply needs a shortcut."), code="quick_reply_shortcut")
    if len(shortcut) > SHORTCUT_MAX_CHARS or not SHORTCUT.match(shortcut):
        raise ApplicationError(
            _("A shortcut is one word of at most %(n)s letters, digits, “-” or “_”.")
            % {"n": SHORTCUT_MAX_CHARS},
            code="quick_reply_shortcut",
        )
    return shortcut


def _text_clean(raw: str) -> str:
    text = str(raw or "").replace("\r\n", "\n").strip()
    if not text:
        raise ApplicationError(_("A quick reply needs a text."), code="quick_reply_text")
    if len(text) > TEXT_MAX_CHARS:
        raise ApplicationError(
            _("A quick reply holds at most %(n)s characters.") % {"n": TEXT_MAX_CHARS},
            code="quick_reply_text",
        )
    return text


def _saved(quick_reply: QuickReply) -> QuickReply:
    try:
        with transaction.atomic():
            quick_reply.save()
    except IntegrityError as error:
        raise ApplicationError(
            _("The shortcut “/%(shortcut)s” is taken.") % {"shortcut": quick_reply.shortcut},
            code="quick_reply_exists",
        ) from error
    return quick_reply


def quick_reply_create(*, workspace, shortcut: str, text: str) -> QuickReply:
    return _saved(
        QuickReply(
            workspace=workspace,
            shortcut=quick_reply_shortcut_clean(shortcut),
            text=_text_clean(text),
        )
    )


def quick_reply_update(*, quick_reply: QuickReply, shortcut: str, text: str) -> QuickReply:
    quick_reply.shortcut = quick_reply_shortcut_clean(shortcut)
    quick_reply.text = _text_clean(text)
    return _saved(quick_reply)


def quick_reply_delete(*, quick_reply: QuickReply) -> None:
    QuickReply.objects.filter(workspace_id=quick_reply.workspace_id, pk=quick_reply.pk).delete()
