"""Timed rules: "the customer silent for X minutes" and "no agent reply for X minutes" are
deadlines on rows, swept by beat, fired at most once per silence, broken by the event that
ends it, and kept across a beat (and process) restart."""

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from automation.models import (
    Notice,
    NotifyWhom,
    Rule,
    RuleRun,
    RuleTimer,
    Trigger,
    flags_forget,
    timers_key,
)
from automation.services import rules as rules_service
from automation.services.timers import timers_due_sweep
from conversations.models import Conversation, Message
from conversations.services.outbound import message_send
from conversations.services.status import conversation_close
from tests.automation.test_rules import ALWAYS, receive

pytestmark = pytest.mark.django_db

M = datetime.timedelta(minutes=1)


@pytest.fixture
def shop(workspace_a):
    for field, value in ALWAYS.items():
        setattr(workspace_a, field, value)
    workspace_a.save()
    return workspace_a


@pytest.fixture
def waiting_rule(shop, adam):
    rule = Rule.objects.create(workspace=shop, name="Chưa ai trả lời",
                               trigger=Trigger.NO_AGENT_REPLY, wait_minutes=15,
                               notify=NotifyWhom.MEMBERS, notify_text="{name} chờ 15 phút")  # fmt: skip
    rule.notify_users.set([adam])
    return rule


@pytest.fixture
def silent_rule(shop):
    return Rule.objects.create(workspace=shop, name="Khách im lặng",
                               trigger=Trigger.CUSTOMER_SILENT, wait_minutes=3 * 60,
                               reply_text="Anh/chị còn cần tư vấn thêm không ạ?",
                               agent_guard="outside_hours", cooldown_minutes=0)  # fmt: skip


def timer(rule, conversation_id):
    return RuleTimer.objects.get(rule=rule, conversation_id=conversation_id)


def automated(conversation_id):
    return list(Message.objects.filter(conversation_id=conversation_id, is_automated=True)
                .order_by("pk").values_list("text", flat=True))  # fmt: skip


def test_no_agent_reply_fires_once_when_due(page_a, waiting_rule, adam, capture_events):
    first = receive(page_a, "shop ơi", psid="w1", events=capture_events)
    row = timer(waiting_rule, first.conversation_id)
    assert (row.status, row.armed_at, row.due_at) == ("active", first.sent_at,
                                                       first.sent_at + 15 * M)  # fmt: skip
    receive(page_a, "có ai không", psid="w1", events=capture_events)
    assert timer(waiting_rule, first.conversation_id).due_at == first.sent_at + 15 * M  # kept
    assert timers_due_sweep(now=first.sent_at + 14 * M) == 0
    assert timers_due_sweep(now=first.sent_at + 15 * M) == 1
    assert list(Notice.objects.values_list("user_id", "text")) == [(adam.pk, "Lan chờ 15 phút")]
    run = RuleRun.objects.get(rule=waiting_rule)
    assert (run.trigger, run.action, run.result) == ("no_agent_reply", "notify", "done")
    # still no answer, the customer writes again: the same silence, no second notice
    receive(page_a, "alo alo", psid="w1", events=capture_events)
    assert timers_due_sweep(now=first.sent_at + 60 * M) == 0
    assert Notice.objects.count() == 1


def test_an_agent_reply_breaks_the_wait_and_the_next_message_starts_another(
    page_a, waiting_rule, alice, capture_events
):
    first = receive(page_a, "shop ơi", psid="w2", events=capture_events)
    conversation = Conversation.objects.get(pk=first.conversation_id)
    message_send(conversation=conversation, author=alice, text="Dạ em nghe ạ")
    capture_events.commit()
    row = timer(waiting_rule, conversation.pk)
    assert (row.status, row.reason, row.due_at) == ("cancelled", "agent_replied", None)
    assert timers_due_sweep(now=first.sent_at + 60 * M) == 0
    again = receive(page_a, "giá sao ạ", psid="w2", events=capture_events)
    row.refresh_from_db()
    assert (row.status, row.due_at) == ("active", again.sent_at + 15 * M)


def test_the_sweep_catches_a_reply_no_event_announced(page_a, waiting_rule, alice, capture_events):
    first = receive(page_a, "shop ơi", psid="w3", events=capture_events)
    Message.objects.create(
        workspace_id=first.workspace_id,
        conversation_id=first.conversation_id,
        channel_account_id=first.channel_account_id,
        direction="out",
        text="Dạ",
        author=alice,
        sent_at=first.sent_at + M,
    )  # fmt: skip  (stored while automation was down)
    assert timers_due_sweep(now=first.sent_at + 20 * M) == 1
    assert timer(waiting_rule, first.conversation_id).reason == "agent_replied"
    assert not Notice.objects.exists()


def test_customer_silent_sends_once_and_its_own_reply_does_not_start_another(
    page_a, silent_rule, alice, capture_events
):
    first = receive(page_a, "để em xem đã", psid="s1", events=capture_events)
    conversation = Conversation.objects.get(pk=first.conversation_id)
    assert not RuleTimer.objects.exists()  # the customer spoke last: no silence yet
    sent = message_send(conversation=conversation, author=alice, text="Dạ anh cứ xem ạ")
    capture_events.commit()
    row = timer(silent_rule, conversation.pk)
    assert row.due_at == sent.sent_at + 3 * 60 * M
    assert timers_due_sweep(now=sent.sent_at + 2 * 60 * M) == 0
    assert timers_due_sweep(now=sent.sent_at + 3 * 60 * M) == 1
    capture_events.commit()
    assert automated(conversation.pk) == ["Anh/chị còn cần tư vấn thêm không ạ?"]
    assert timer(silent_rule, conversation.pk).status == "fired"
    assert timers_due_sweep(now=sent.sent_at + 100 * 60 * M) == 0
    assert len(automated(conversation.pk)) == 1


def test_the_customer_writing_breaks_their_silence(page_a, silent_rule, alice, capture_events):
    first = receive(page_a, "để em xem đã", psid="s2", events=capture_events)
    conversation = Conversation.objects.get(pk=first.conversation_id)
    message_send(conversation=conversation, author=alice, text="Dạ")
    capture_events.commit()
    receive(page_a, "ok lấy 1 cái", psid="s2", events=capture_events)
    row = timer(silent_rule, conversation.pk)
    assert (row.status, row.reason) == ("cancelled", "customer_wrote")
    assert timers_due_sweep(now=timezone.now() + 48 * 60 * M) == 0
    assert automated(conversation.pk) == []


def test_closing_breaks_every_timer(page_a, waiting_rule, alice, capture_events):
    first = receive(page_a, "shop ơi", psid="w4", events=capture_events)
    conversation_close(conversation_id=first.conversation_id, user=alice,
                       workspace=page_a.workspace)  # fmt: skip
    capture_events.commit()
    assert timer(waiting_rule, first.conversation_id).reason == "closed"


def test_a_rule_narrowed_to_another_page_arms_nothing(shop, page_a, waiting_rule, capture_events):
    other = page_a.__class__.objects.create(
        workspace=shop, kind=page_a.kind, external_id="other-page", display_name="Trang khác",
    )  # fmt: skip
    waiting_rule.channel_account = other
    waiting_rule.save()
    receive(page_a, "shop ơi", psid="w5", events=capture_events)
    assert not RuleTimer.objects.exists()


def test_the_deadline_survives_a_beat_and_process_restart(page_a, waiting_rule, adam,
                                                         capture_events):  # fmt: skip
    """The deadline is the row: with the process's compiled rules and the cache's flags
    gone (a restart), a sweep long after the deadline acts once, and nothing was ever
    queued with a countdown."""
    first = receive(page_a, "shop ơi", psid="w6", events=capture_events)
    assert all(
        e.countdown is None for e in capture_events.enqueued if not e.task.startswith("reports.")
    )  # reports debounces its own task
    rules_service._compiled.clear()
    cache.delete_many([timers_key(first.workspace_id)])
    flags_forget(first.workspace_id)
    late = first.sent_at + 6 * 60 * M
    assert timers_due_sweep(now=late) == 1
    assert timers_due_sweep(now=late) == 0
    assert Notice.objects.filter(user=adam).count() == 1


def test_a_silence_past_the_reply_window_is_refused_by_the_policy(page_a, silent_rule, alice,
                                                                   capture_events):  # fmt: skip
    silent_rule.wait_minutes = 25 * 60
    silent_rule.save()
    first = receive(page_a, "để em xem đã", psid="s3", events=capture_events)
    conversation = Conversation.objects.get(pk=first.conversation_id)
    sent = message_send(conversation=conversation, author=alice, text="Dạ")
    capture_events.commit()
    assert timers_due_sweep(now=sent.sent_at + 25 * 60 * M) == 1
    run = RuleRun.objects.get(rule=silent_rule)
    assert (run.trigger, run.result) == ("customer_silent", "refused")
    assert run.reason == "policy.automation_outside_window"
    assert automated(conversation.pk) == []
