"""A page's automatic hiding of comments that show a phone number (customers who post their
number publicly invite other shops and scammers to call them).

Per page (`CommentGuard`): a switch, posts never hidden (exempt) and posts always hidden
(forced, even with the switch off), and optionally "show them again after X hours": a
`CommentUnhide` row whose `due_at` beat sweeps (`comment_unhides_due_sweep`, `FOR UPDATE
SKIP LOCKED`), never a countdown. Hiding and showing go through the comments service as
automation; each is recorded in the automation log (`RuleRun` without a rule, its name
`GUARD_NAME`) with why: `phone_on_page` or `forced_post`.
"""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.utils import timezone

from automation.models import CommentGuard, CommentUnhide, RuleRun, RunResult
from automation.services.run_announce import run_announce
from conversations.models import Message, MessageKind
from conversations.services.comments import comment_moderate
from inbox_project.errors import ApplicationError

log = logging.getLogger(__name__)

GUARD_NAME = "Ẩn bình luận có số điện thoại"  # the log's rule column (no rule row)


def hide_reason(guard: CommentGuard | None, *, post_id: str) -> str:
    """Why a comment with a phone number on `post_id` is hidden ("" when it is not)."""
    if guard is None or post_id in guard.exempt_posts:
        return ""
    if post_id and post_id in guard.forced_posts:
        return "forced_post"
    return "phone_on_page" if guard.hide_phones else ""


def _log(comment: Message, *, action: str, result: str, reason: str = "", detail: str = "",
         now) -> RuleRun:  # fmt: skip
    return run_announce(RuleRun.objects.create(
        workspace_id=comment.workspace_id, rule=None, rule_name=GUARD_NAME,
        conversation_id=comment.conversation_id, message=comment, trigger="comment",
        action=action, result=result, reason=reason, detail=detail[:2000], created_at=now,
    ))  # fmt: skip


def phone_comment_guard(*, comment: Message, now: datetime.datetime | None = None) -> str:
    """Hide the customer's comment `comment` (it shows a phone number) when its page says
    so; returns the reason it was hidden ("" when it was not)."""
    now = now or timezone.now()
    guard = CommentGuard.objects.filter(channel_account_id=comment.channel_account_id).first()
    if guard is None:
        return ""
    row = Message.objects.only("meta", "kind", "direction").get(pk=comment.pk)
    meta = row.meta or {}
    if row.kind != MessageKind.COMMENT or meta.get("is_hidden") or meta.get("removed"):
        return ""
    post_id = str(meta.get("post_id") or "")
    reason = hide_reason(guard, post_id=post_id)
    if not reason:
        return ""
    try:
        comment_moderate(comment=row, author=None, action="hide", now=now, automated=True)
    except ApplicationError as refusal:
        _log(comment, action="hide_comment", result=RunResult.REFUSED, reason=refusal.code,
             detail=refusal.message, now=now)  # fmt: skip
        return ""
    _log(comment, action="hide_comment", result=RunResult.DONE, reason=reason,
         detail=f"post {post_id}", now=now)  # fmt: skip
    if guard.unhide_after_hours:
        CommentUnhide.objects.create(
            workspace_id=comment.workspace_id, message_id=comment.pk,
            due_at=now + datetime.timedelta(hours=guard.unhide_after_hours),
        )  # fmt: skip
    return reason


def _unhide(row: CommentUnhide, *, now: datetime.datetime) -> None:
    comment = row.message
    row.done_at, row.due_at = now, None
    meta = comment.meta or {}
    if not (meta.get("is_hidden") or meta.get("pending_action") == "hide"):
        row.result = "already_shown"
    else:
        try:
            comment_moderate(comment=comment, author=None, action="unhide", now=now,
                             automated=True)  # fmt: skip
        except ApplicationError as refusal:
            row.result = refusal.code
        else:
            row.result = "done"
        _log(comment, action="unhide_comment",
             result=RunResult.DONE if row.result == "done" else RunResult.REFUSED,
             reason="" if row.result == "done" else row.result, now=now)  # fmt: skip
    row.save(update_fields=["done_at", "due_at", "result"])


def comment_unhides_due_sweep(*, now: datetime.datetime | None = None, limit: int = 200) -> int:
    """Show again the comments whose hiding has run its hours; returns how many were handled."""
    now = now or timezone.now()
    handled = 0
    for _ in range(limit):
        with transaction.atomic():
            row = (
                CommentUnhide.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("message")
                .filter(done_at__isnull=True, due_at__lte=now)
                .order_by("due_at")
                .first()
            )
            if row is None:
                break
            _unhide(row, now=now)
            handled += 1
    return handled
