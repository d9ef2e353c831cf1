"""Follow-up sequences: durable deadlines swept like anti-steal, each step through the
reply-window policy (a refused step is skipped with its reason), cancelled when the customer
writes, an agent replies or the conversation closes, and nothing lost across a beat restart."""

import datetime

import pytest
from django.utils import timezone

from automation.models import FollowUp, Rule, RuleRun, Sequence, SequenceStep
from automation.services.followups import followups_due_sweep
from conversations.models import Conversation, ConversationLabel, Label, Message
from conversations.services.outbound import message_send
from conversations.services.status import conversation_close
from tests.automation.test_rules import ALWAYS, receive

pytestmark = pytest.mark.django_db

H = datetime.timedelta(hours=1)


@pytest.fixture
def shop(workspace_a):
    for field, value in ALWAYS.items():
        setattr(workspace_a, field, value)
    workspace_a.save()
    return workspace_a


@pytest.fixture
def sequence(shop):
    seq = Sequence.objects.create(workspace=shop, name="Nhắc chốt đơn")
    SequenceStep.objects.create(sequence=seq, position=0, after_hours=2,
                                text="Anh/chị còn quan tâm mẫu này không ạ?")  # fmt: skip
    SequenceStep.objects.create(sequence=seq, position=1, after_hours=30,
                                text="Shop còn giữ hàng cho anh/chị đến hết tuần")  # fmt: skip
    Rule.objects.create(workspace=shop, name="Hỏi giá", keywords=["giá"], start_sequence=seq)
    return seq


def automated(conversation_id):
    return list(Message.objects.filter(conversation_id=conversation_id, is_automated=True)
                .order_by("pk").values_list("text", flat=True))  # fmt: skip


def test_steps_go_out_when_due_and_a_step_past_the_window_is_skipped(page_a, sequence,
                                                                      capture_events):  # fmt: skip
    message = receive(page_a, "giá bao nhiêu shop", psid="f1", events=capture_events)
    row = FollowUp.objects.get(conversation_id=message.conversation_id)
    start = row.started_at
    assert row.due_at == start + 2 * H
    assert followups_due_sweep(now=start + H) == 0  # not due yet
    assert followups_due_sweep(now=start + 2 * H) == 1
    assert automated(message.conversation_id) == ["Anh/chị còn quan tâm mẫu này không ạ?"]
    row.refresh_from_db()
    assert row.next_step == 1 and row.due_at == start + 32 * H
    # 32 h after the customer's last message: Messenger's window is over, automation never
    # uses human_agent, so the step is skipped and recorded with the policy's reason.
    assert followups_due_sweep(now=start + 32 * H) == 1
    assert len(automated(message.conversation_id)) == 1
    skipped = RuleRun.objects.get(action="follow_up", result="refused")
    assert skipped.reason.startswith("policy.")
    row.refresh_from_db()
    assert row.status == "done" and row.due_at is None


def test_nothing_is_lost_across_a_beat_restart(page_a, sequence, capture_events):
    """The deadline is the row: a sweep that starts long after (beat was down) sends the
    step once, and no task was ever queued with a countdown."""
    message = receive(page_a, "giá?", psid="f2", events=capture_events)
    start = FollowUp.objects.get(conversation_id=message.conversation_id).started_at
    late = start + 5 * H
    assert followups_due_sweep(now=late) == 1
    assert followups_due_sweep(now=late) == 0
    assert automated(message.conversation_id) == ["Anh/chị còn quan tâm mẫu này không ạ?"]
    assert all(
        e.countdown is None for e in capture_events.enqueued if not e.task.startswith("reports.")
    )  # reports debounces its own task


def test_the_customer_writing_cancels(page_a, sequence, capture_events):
    message = receive(page_a, "giá?", psid="f3", events=capture_events)
    receive(page_a, "để em suy nghĩ", psid="f3", events=capture_events)
    row = FollowUp.objects.get(conversation_id=message.conversation_id)
    assert (row.status, row.reason) == ("cancelled", "customer_wrote")
    assert followups_due_sweep(now=timezone.now() + 3 * H) == 0
    assert automated(message.conversation_id) == []


def test_an_agent_reply_cancels(page_a, sequence, alice, capture_events):
    message = receive(page_a, "giá?", psid="f4", events=capture_events)
    conversation = Conversation.objects.get(pk=message.conversation_id)
    message_send(conversation=conversation, author=alice, text="Dạ 199k ạ")
    capture_events.commit()
    row = FollowUp.objects.get(conversation_id=message.conversation_id)
    assert (row.status, row.reason) == ("cancelled", "agent_replied")


def test_closing_cancels(page_a, sequence, alice, capture_events):
    message = receive(page_a, "giá?", psid="f5", events=capture_events)
    conversation_close(conversation_id=message.conversation_id, user=alice,
                       workspace=page_a.workspace)  # fmt: skip
    capture_events.commit()
    row = FollowUp.objects.get(conversation_id=message.conversation_id)
    assert (row.status, row.reason) == ("cancelled", "closed")


def test_a_missed_cancellation_is_caught_by_the_sweep(page_a, sequence, alice, capture_events):
    message = receive(page_a, "giá?", psid="f6", events=capture_events)
    row = FollowUp.objects.get(conversation_id=message.conversation_id)
    # an agent's reply stored while automation was down (no event reached it)
    Message.objects.create(workspace=page_a.workspace, conversation_id=message.conversation_id,
                           channel_account=page_a, direction="out", author=alice, text="Dạ",
                           sent_at=row.started_at + H)  # fmt: skip
    assert followups_due_sweep(now=row.started_at + 3 * H) == 1
    row.refresh_from_db()
    assert (row.status, row.reason) == ("cancelled", "agent_replied")
    assert automated(message.conversation_id) == []


def test_a_step_with_a_label_condition_waits_for_the_label(page_a, shop, capture_events):
    hot = Label.objects.create(workspace=shop, name="Nóng")
    seq = Sequence.objects.create(workspace=shop, name="Chỉ khách nóng")
    SequenceStep.objects.create(sequence=seq, after_hours=1, needs_label=hot, text="Nhắc")
    Rule.objects.create(workspace=shop, name="r", keywords=["giá"], start_sequence=seq)
    message = receive(page_a, "giá?", psid="f7", events=capture_events)
    start = FollowUp.objects.get(conversation_id=message.conversation_id).started_at
    followups_due_sweep(now=start + 2 * H)
    assert automated(message.conversation_id) == []
    assert RuleRun.objects.get(action="follow_up").reason == "label_missing"
    assert not ConversationLabel.objects.exists()


def test_a_sequence_runs_once_per_conversation(page_a, sequence, capture_events):
    message = receive(page_a, "giá?", psid="f8", events=capture_events)
    FollowUp.objects.filter(conversation_id=message.conversation_id).update(
        started_at=timezone.now())  # fmt: skip
    from automation.services.followups import followup_start

    rule = Rule.objects.get(name="Hỏi giá")
    conversation = Conversation.objects.get(pk=message.conversation_id)
    assert followup_start(rule=rule, conversation=conversation, now=timezone.now()) is None
    assert FollowUp.objects.filter(conversation=conversation).count() == 1
