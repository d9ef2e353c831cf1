"""A rule's actions beyond the reply and labels: hiding the comment, its private reply, a
named agent (refused with its reason once they left), the outcome, notices pushed live."""

import pytest
from django.utils import timezone

from accounts.models import Membership
from automation.models import Notice, NotifyWhom, Rule, RuleRun, Trigger
from conversations.models import Conversation, Message, Outcome
from conversations.services import comments
from tests.automation.test_rules import ALWAYS, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(workspace_a):
    for field, value in ALWAYS.items():
        setattr(workspace_a, field, value)
    workspace_a.save()
    return workspace_a


_n = iter(range(1, 10_000))


def comment(page, text, *, psid="psid-cm"):
    return comments.comment_record(
        channel_account=page, contact_external_id=psid, external_id=f"c-act-{next(_n)}",
        verb="add", sent_at=timezone.now(), text=text, post_id="post-1",
    )  # fmt: skip


def runs(rule):
    return list(RuleRun.objects.filter(rule=rule).order_by("pk")
                .values_list("action", "result", "reason"))  # fmt: skip


def test_a_comment_rule_hides_it_as_automation(shop, page_a, capture_events):
    r = Rule.objects.create(workspace=shop, name="Ẩn", trigger=Trigger.COMMENT,
                            keywords=["lừa đảo"], hide_comment=True)  # fmt: skip
    c = comment(page_a, "shop lua dao")
    capture_events.commit()
    c.refresh_from_db()
    assert c.meta["pending_action"] == "hide"
    assert runs(r) == [("hide_comment", "done", "")]
    [queued] = [e for e in capture_events.enqueued if e.task.endswith("deliver_action_task")]
    assert queued.args[-1] == "hide"


def test_a_comment_rule_answers_privately_once(shop, page_a, capture_events):
    r = Rule.objects.create(workspace=shop, name="Inbox", trigger=Trigger.COMMENT,
                            keywords=["giá"], private_reply_text="Chào {name}, shop inbox ạ")  # fmt: skip
    c = comment(page_a, "giá bao nhiêu")
    capture_events.commit()
    [sent] = Message.objects.filter(conversation_id=c.conversation_id, is_automated=True)
    assert sent.text == "Chào anh/chị, shop inbox ạ" and sent.author_id is None
    assert sent.meta["private_reply_to"] == c.external_id
    c.refresh_from_db()
    assert c.meta["private_reply_message_id"] == sent.pk
    assert runs(r) == [("private_reply", "done", "")]
    # the same comment edited and matched again: the one private reply is already used
    comments.comment_record(channel_account=page_a, contact_external_id="psid-cm",
                            external_id=c.external_id, verb="edited", sent_at=timezone.now(),
                            text="giá?")  # fmt: skip
    r2 = Rule.objects.create(workspace=shop, name="Lần 2", trigger=Trigger.COMMENT,
                             keywords=["giá"], private_reply_text="Lần nữa")  # fmt: skip
    from automation.services.rules import _more_actions

    _more_actions(r2, conversation=Conversation.objects.get(pk=c.conversation_id), message=c,
                  trigger="comment", now=timezone.now(), inside_hours=True)  # fmt: skip
    assert runs(r2) == [("private_reply", "refused", "policy.private_reply")]


def test_comment_actions_on_an_inbox_message_are_refused(shop, page_a, capture_events):
    r = Rule.objects.create(workspace=shop, name="x", keywords=["giá"], hide_comment=True,
                            private_reply_text="hi")  # fmt: skip
    receive(page_a, "giá?", events=capture_events)
    assert runs(r) == [("hide_comment", "refused", "not_a_comment"),
                       ("private_reply", "refused", "not_a_comment")]  # fmt: skip


def test_a_rule_gives_the_conversation_to_a_named_agent(shop, page_a, bob, capture_events):
    r = Rule.objects.create(workspace=shop, name="Sỉ", keywords=["giá sỉ"], assign_to=bob)
    message = receive(page_a, "cho hỏi giá sỉ", psid="sale", events=capture_events)
    conversation = Conversation.objects.get(pk=message.conversation_id)
    assert conversation.assignee_id == bob.pk
    assert runs(r) == [("assign", "done", "")]
    assert "auto_assigned" in capture_events.reasons()


def test_a_named_agent_who_left_is_skipped_with_the_reason(shop, page_a, bob, capture_events):
    r = Rule.objects.create(workspace=shop, name="Sỉ", keywords=["giá sỉ"], assign_to=bob)
    Membership.objects.filter(user=bob, workspace=shop).update(is_active=False)
    message = receive(page_a, "cho hỏi giá sỉ", psid="left", events=capture_events)
    assert Conversation.objects.get(pk=message.conversation_id).assignee_id is None
    assert runs(r) == [("assign", "refused", "not_member")]


def test_a_held_conversation_is_not_taken_from_its_holder(shop, page_a, alice, bob,
                                                           capture_events):  # fmt: skip
    r = Rule.objects.create(workspace=shop, name="Sỉ", keywords=["giá sỉ"], assign_to=bob)
    first = receive(page_a, "alo", psid="held", events=capture_events)
    Conversation.objects.filter(pk=first.conversation_id).update(assignee=alice)
    receive(page_a, "giá sỉ?", psid="held", events=capture_events)
    assert Conversation.objects.get(pk=first.conversation_id).assignee_id == alice.pk
    assert runs(r) == [("assign", "refused", "held")]


def test_a_rule_sets_the_outcome_once(shop, page_a, capture_events):
    r = Rule.objects.create(workspace=shop, name="Nhận", keywords=["đã nhận hàng"],
                            set_outcome=Outcome.RECEIVED)  # fmt: skip
    message = receive(page_a, "em da nhan hang roi", psid="out", events=capture_events)
    receive(page_a, "đã nhận hàng, cảm ơn", psid="out", events=capture_events)
    assert Conversation.objects.get(pk=message.conversation_id).outcome == Outcome.RECEIVED
    assert runs(r) == [("set_outcome", "done", "")]  # the second changed nothing
    assert "outcome" in capture_events.reasons()


def test_notices_go_to_the_chosen_members_live(shop, page_a, adam, bob, capture_events):
    r = Rule.objects.create(workspace=shop, name="Khiếu nại", keywords=["khiếu nại"],
                            notify=NotifyWhom.MEMBERS, notify_text="{name} khiếu nại")  # fmt: skip
    r.notify_users.set([adam, bob])
    Membership.objects.filter(user=bob, workspace=shop).update(is_active=False)  # left
    message = receive(page_a, "tôi muốn khiếu nại", psid="kn", events=capture_events)
    [notice] = Notice.objects.all()
    assert (notice.user_id, notice.text, notice.conversation_id) == (
        adam.pk, "Lan khiếu nại", message.conversation_id)  # fmt: skip
    assert notice.run.action == "notify" and notice.run.rule_id == r.pk
    nudges = [p for p in capture_events.events("user.nudge") if p["reason"] == "automation_notice"]
    assert [(n["notice_id"], n["text"]) for n in nudges] == [(notice.pk, "Lan khiếu nại")]


def test_the_holder_is_notified_and_nobody_is_a_recorded_refusal(shop, page_a, bob,
                                                                  capture_events):  # fmt: skip
    r = Rule.objects.create(workspace=shop, name="Gấp", keywords=["gấp"],
                            notify=NotifyWhom.HOLDER)  # fmt: skip
    first = receive(page_a, "gấp nhé", psid="h", events=capture_events)
    assert runs(r) == [("notify", "refused", "nobody_to_notify")]
    Conversation.objects.filter(pk=first.conversation_id).update(assignee=bob)
    receive(page_a, "gấp lắm", psid="h", events=capture_events)
    assert list(Notice.objects.values_list("user_id", "text")) == [(bob.pk, "Gấp")]
