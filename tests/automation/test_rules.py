"""Rules on the ingest path: the best answer is sent as automation through the reply-window
policy, labels change, and every limit (cool-down, cap, greeting once, agent holding, loops,
blocked customers, policy) is refused and logged."""

import datetime

import pytest
from django.utils import timezone

from automation.models import AgentGuard, Rule, RuleRun, Trigger
from automation.services import inbound as automation_inbound
from automation.services.rules import rules_try
from conversations.models import Conversation, ConversationLabel, Customer, Label, Message
from conversations.services import comments, inbound

pytestmark = pytest.mark.django_db

ALWAYS = dict(business_days=[0, 1, 2, 3, 4, 5, 6], business_start=datetime.time(0, 0),
              business_end=datetime.time(23, 59, 59, 999999))  # fmt: skip


@pytest.fixture
def open_hours(workspace_a):
    for field, value in ALWAYS.items():
        setattr(workspace_a, field, value)
    workspace_a.save()
    return workspace_a


@pytest.fixture
def closed_hours(workspace_a):
    workspace_a.business_days = []
    workspace_a.save()
    return workspace_a


def rule(workspace, **fields):
    fields.setdefault("name", "r")
    return Rule.objects.create(workspace=workspace, **fields)


_n = iter(range(1, 10_000))


def receive(page, text, *, psid="psid-r-1", events=None):
    message = inbound.message_record_inbound(
        channel_account=page, contact_external_id=psid, external_id=f"m-rule-{next(_n)}",
        sent_at=timezone.now(), text=text, contact_name="Lan",
    )  # fmt: skip
    if events is not None:
        events.commit()  # the after-commit subscribers run, as the commit would
    return message


def automated(conversation_id):
    return list(Message.objects.filter(conversation_id=conversation_id, is_automated=True)
                .values_list("text", flat=True))  # fmt: skip


def test_the_best_keyword_answer_is_sent_as_automation_once(page_a, open_hours, capture_events):
    rule(open_hours, name="ship", keywords=["ship"], reply_text="Ship 30k ạ")
    best = rule(open_hours, name="phí ship", keywords=["phí ship"],
                reply_text="Chào {anh_chi} {name}, phí ship từ {page} là 30k")  # fmt: skip
    message = receive(page_a, "Phi ship ve HN bao nhieu", events=capture_events)
    [reply] = Message.objects.filter(conversation_id=message.conversation_id, is_automated=True)
    assert reply.text == "Chào anh/chị Lan, phí ship từ Shop A fanpage là 30k"
    assert reply.author_id is None and reply.direction == "out" and reply.policy_tag == ""
    run = RuleRun.objects.get(rule=best)
    assert (run.result, run.action, run.sent_id, run.message_id) == ("done", "reply", reply.pk,
                                                                      message.pk)  # fmt: skip
    best.refresh_from_db()
    assert best.fire_count == 1 and best.last_fired_at is not None
    assert [e.task for e in capture_events.enqueued if "deliver" in e.task]


def test_a_second_message_within_the_cool_down_is_refused(page_a, open_hours, capture_events):
    r = rule(open_hours, keywords=["giá"], reply_text="Giá 199k", cooldown_minutes=10)
    first = receive(page_a, "giá sao shop", events=capture_events)
    receive(page_a, "giá còn bớt không", events=capture_events)
    assert automated(first.conversation_id) == ["Giá 199k"]
    assert list(RuleRun.objects.filter(rule=r).values_list("result", "reason")) == [
        ("done", ""), ("refused", "cooldown")]  # fmt: skip


def test_the_hourly_cap_counts_replies_of_the_rule(page_a, open_hours, capture_events):
    r = rule(open_hours, keywords=["giá"], reply_text="Giá 199k", hourly_cap=1)
    receive(page_a, "giá?", psid="p1", events=capture_events)
    second = receive(page_a, "giá?", psid="p2", events=capture_events)
    assert automated(second.conversation_id) == []
    assert RuleRun.objects.filter(rule=r, reason="hourly_cap").count() == 1


def test_never_over_an_agent_who_holds_the_conversation(page_a, open_hours, bob, capture_events):
    r = rule(open_hours, keywords=["giá"], reply_text="Giá 199k")
    first = receive(page_a, "xin chào", events=capture_events)
    Conversation.objects.filter(pk=first.conversation_id).update(assignee=bob)
    receive(page_a, "giá?", events=capture_events)
    assert automated(first.conversation_id) == []
    assert RuleRun.objects.get(rule=r).reason == "agent_holds"


def test_outside_hours_the_guard_may_let_a_rule_answer_a_held_one(page_a, closed_hours, bob,
                                                                   capture_events):  # fmt: skip
    rule(closed_hours, hours="outside", reply_text="Shop nghỉ rồi ạ, sáng mai trả lời",
         agent_guard=AgentGuard.OUTSIDE_HOURS)  # fmt: skip
    first = receive(page_a, "xin chào", psid="held", events=capture_events)
    assert automated(first.conversation_id) == ["Shop nghỉ rồi ạ, sáng mai trả lời"]
    Conversation.objects.filter(pk=first.conversation_id).update(assignee=bob)
    RuleRun.objects.all().delete()  # past its cool-down
    receive(page_a, "còn ai không", psid="held", events=capture_events)
    assert len(automated(first.conversation_id)) == 2


def test_the_new_customer_greeting_goes_once_per_conversation(page_a, open_hours, capture_events):
    greeting = rule(open_hours, trigger=Trigger.NEW_CUSTOMER, reply_text="Chào mừng {name}!",
                    cooldown_minutes=0)  # fmt: skip
    rule(open_hours, trigger=Trigger.RETURNING_CUSTOMER, reply_text="Chào mừng quay lại")
    first = receive(page_a, "shop ơi", psid="g1", events=capture_events)
    receive(page_a, "còn đó không", psid="g1", events=capture_events)
    assert automated(first.conversation_id) == ["Chào mừng Lan!"]
    assert RuleRun.objects.filter(rule=greeting).count() == 1


def test_a_returning_customer_gets_the_other_greeting(page_a, open_hours, capture_events):
    rule(open_hours, trigger=Trigger.NEW_CUSTOMER, reply_text="Chào bạn mới")
    rule(open_hours, trigger=Trigger.RETURNING_CUSTOMER, reply_text="Chào mừng quay lại")
    first = receive(page_a, "shop ơi", psid="g2")
    Conversation.objects.filter(pk=first.conversation_id).update(status="archived")
    again = receive(page_a, "em lại đây", psid="g2", events=capture_events)
    assert again.conversation_id != first.conversation_id
    assert automated(again.conversation_id) == ["Chào mừng quay lại"]


def test_labels_are_added_and_removed_by_every_matching_rule(page_a, open_hours, capture_events):
    returns = Label.objects.create(workspace=open_hours, name="Đổi trả")
    hot = Label.objects.create(workspace=open_hours, name="Nóng")
    rule(open_hours, keywords=["đổi trả", "doi size"], add_label=returns)
    rule(open_hours, keywords=["đổi"], remove_label=hot)
    message = receive(page_a, "cho em doi tra cai ao", events=capture_events)
    ConversationLabel.objects.create(workspace=open_hours, conversation_id=message.conversation_id,
                                     label=hot, added_at=timezone.now())  # fmt: skip
    receive(page_a, "đổi size M giúp em", events=capture_events)
    labels = set(ConversationLabel.objects.filter(conversation_id=message.conversation_id)
                 .values_list("label__name", flat=True))  # fmt: skip
    assert labels == {"Đổi trả"}


def test_a_conditions_on_phone_and_label(page_a, open_hours, capture_events):
    vip = Label.objects.create(workspace=open_hours, name="VIP")
    rule(open_hours, needs_phone=True, reply_text="Cảm ơn, shop sẽ gọi lại")
    rule(open_hours, needs_label=vip, keywords=["giá"], reply_text="Giá VIP")
    message = receive(page_a, "sđt em 0912 345 678", events=capture_events)
    assert automated(message.conversation_id) == ["Cảm ơn, shop sẽ gọi lại"]
    assert Customer.objects.get(pk=message.conversation.customer_id).phones == ["+84912345678"]


def test_another_bot_repeating_our_reply_gets_no_answer(page_a, open_hours, capture_events):
    r = rule(open_hours, reply_text="Shop đã nhận tin, chờ chút ạ", cooldown_minutes=0)
    first = receive(page_a, "alo", psid="bot", events=capture_events)
    receive(page_a, "Shop đã nhận tin, chờ chút ạ", psid="bot", events=capture_events)
    assert automated(first.conversation_id) == ["Shop đã nhận tin, chờ chút ạ"]
    assert RuleRun.objects.filter(rule=r, reason="loop").count() == 1


def test_a_policy_refusal_is_logged_with_its_reason(page_a, open_hours, capture_events):
    r = rule(open_hours, trigger=Trigger.COMMENT, keywords=["giá"], reply_text="Giá 199k")
    comment = comments.comment_record(
        channel_account=page_a, contact_external_id="psid-c", external_id="c-rule", verb="add",
        sent_at=timezone.now(), text="giá sao ad", post_id="p1",
    )  # fmt: skip
    capture_events.commit()
    run = RuleRun.objects.get(rule=r)
    assert run.result == "refused" and run.reason.startswith("policy.")
    assert automated(comment.conversation_id) == []


def test_a_blocked_customer_gets_nothing(page_a, open_hours, capture_events):
    rule(open_hours, reply_text="Chào")
    first = receive(page_a, "hi", psid="blk")
    Customer.objects.filter(pk=first.conversation.customer_id).update(is_blocked=True)
    receive(page_a, "hi again", psid="blk", events=capture_events)
    assert automated(first.conversation_id) == [] and not RuleRun.objects.exists()


def test_a_broken_rule_keeps_the_message_and_logs(page_a, open_hours, capture_events, monkeypatch,
                                                  caplog):  # fmt: skip
    rule(open_hours, reply_text="Chào")

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(automation_inbound.rules, "message_rules_run", broken)
    message = receive(page_a, "hi", psid="brk", events=capture_events)
    assert Message.objects.filter(pk=message.pk).exists()
    assert "automation rules failed" in caplog.text


def test_the_try_box_says_what_would_be_sent_and_sends_nothing(page_a, open_hours):
    rule(open_hours, name="Ship", keywords=["ship"], reply_text="Ship 30k {page}")
    outcome = rules_try(workspace=open_hours, text="SHÍP bao nhiêu", channel_account=page_a)
    assert outcome.decision.answer.rule.payload.name == "Ship"
    assert outcome.reply == "Ship 30k Shop A fanpage"
    assert not Message.objects.filter(is_automated=True).exists()
    assert not RuleRun.objects.exists()


def test_installed_auto_labels_label_an_inbound_message(page_a, open_hours, capture_events):
    from automation.services.auto_labels import auto_labels_install

    auto_labels_install(workspace=open_hours)
    message = receive(page_a, "phi ship ve Hue bao lau thi nhan", psid="al", events=capture_events)
    labels = set(ConversationLabel.objects.filter(conversation_id=message.conversation_id)
                 .values_list("label__name", flat=True))  # fmt: skip
    assert labels == {"Vận chuyển"}
    assert automated(message.conversation_id) == []
