"""The scripted conversation of timeline.py written as real rows (messages, owner changes,
orders), for the database tests of the reports."""

import pytest

from conversations.models import Conversation, Message, Order
from routing.models import AssignmentChange
from tests.factories import make_conversation, make_user
from tests.reports import timeline as t


@pytest.fixture
def agents(workspace_a):
    return {
        t.LAN: make_user("lan@a.test", "Lan", workspace_a, "agent"),
        t.MINH: make_user("minh@a.test", "Minh", workspace_a, "agent"),
        t.HUNG: make_user("hung@a.test", "Hùng", workspace_a, "agent"),
    }


def write_timeline(page, agents, *, psid="psid-timeline") -> Conversation:
    """The scripted conversation on `page`; `agents` maps the script's ids to users."""
    first = t.MESSAGES[0]
    conversation = make_conversation(page, psid, "Khách Timeline", at=first.sent_at)
    Conversation.objects.filter(pk=conversation.pk).update(created_at=first.sent_at)
    user = lambda key: agents.get(key) if key is not None else None  # noqa: E731
    for m in t.MESSAGES[1:]:
        Message.objects.create(
            workspace=page.workspace, conversation=conversation, channel_account=page,
            direction=m.direction, text=f"m{m.id}", sent_at=m.sent_at, author=user(m.author_id),
            is_automated=m.is_automated,
            external_id=f"{psid}-{m.id}" if m.direction == "in" else None,
        )  # fmt: skip
    Message.objects.create(  # a note answers nothing and counts nowhere
        workspace=page.workspace, conversation=conversation, channel_account=page,
        direction="out", kind="note", text="ghi chú", sent_at=t.at(3, 8, 0), author=user(t.LAN),
    )  # fmt: skip
    for c in t.CHANGES:
        AssignmentChange.objects.create(
            workspace=page.workspace, conversation=conversation, reason=c.reason,
            from_user=user(c.from_user_id), to_user=user(c.to_user_id), actor=user(c.actor_id),
            created_at=c.created_at,
        )  # fmt: skip
    for o in t.ORDERS:
        Order.objects.create(
            workspace=page.workspace, customer=conversation.customer, conversation=conversation,
            amount_vnd=o.amount_vnd, status=o.status, created_by=user(o.created_by_id),
            created_at=o.created_at,
        )  # fmt: skip
    return conversation
