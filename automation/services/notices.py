"""In-app notices a rule gives members ("notify agents"): one `Notice` row per member,
pushed live to their open inboxes (the user's group) as a toast that links to the
conversation. Recipients are the chosen members who are still active in the workspace, or
the conversation's holder."""

from __future__ import annotations

import datetime

from accounts.models import Membership
from automation.models import Notice, NotifyWhom, Rule, RuleRun
from conversations import events
from conversations.models import Conversation


def notice_recipients(*, rule: Rule, conversation: Conversation) -> list[int]:
    if rule.notify == NotifyWhom.HOLDER:
        wanted = [conversation.assignee_id] if conversation.assignee_id else []
    elif rule.notify == NotifyWhom.MEMBERS:
        wanted = [user.pk for user in rule.notify_users.all()]
    else:
        wanted = []
    if not wanted:
        return []
    active = set(Membership.objects.filter(workspace_id=conversation.workspace_id,
                                           user_id__in=wanted, is_active=True)
                 .values_list("user_id", flat=True))  # fmt: skip
    return [pk for pk in wanted if pk in active]


def notices_give(*, run: RuleRun, user_ids: list[int], text: str,
                 now: datetime.datetime) -> list[Notice]:  # fmt: skip
    notices = Notice.objects.bulk_create(
        Notice(workspace_id=run.workspace_id, user_id=pk, conversation_id=run.conversation_id,
               run=run, text=text[:300], created_at=now)
        for pk in user_ids
    )  # fmt: skip
    for notice in notices:
        events.user_nudge(run.workspace_id, notice.user_id, reason="automation_notice",
                          conversation_id=run.conversation_id, notice_id=notice.pk,
                          text=notice.text)  # fmt: skip
    return notices
