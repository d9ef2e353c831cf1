"""Triggers without a customer message (a label added, a close) and the round-robin action."""

import pytest

from automation.models import Rule, RuleRun, Trigger
from conversations.models import Conversation, ConversationLabel, Label, Message
from conversations.services.labels import conversation_label_add
from conversations.services.status import conversation_close
from routing.models import ChannelAgent, RoutingMode, RoutingSettings
from tests.automation.test_rules import ALWAYS, receive
from tests.routing.conftest import go_online, membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(workspace_a):
    for field, value in ALWAYS.items():
        setattr(workspace_a, field, value)
    workspace_a.save()
    RoutingSettings.objects.create(workspace=workspace_a, mode=RoutingMode.FIRST_CLICK)
    return workspace_a


def test_a_label_added_by_an_agent_triggers_its_rules(shop, page_a, alice, capture_events):
    vip = Label.objects.create(workspace=shop, name="VIP")
    followed = Label.objects.create(workspace=shop, name="Chăm sóc")
    Rule.objects.create(workspace=shop, name="VIP", trigger=Trigger.LABEL_ADDED, needs_label=vip,
                        add_label=followed)  # fmt: skip
    message = receive(page_a, "xin chào", psid="lbl", events=capture_events)
    conversation = Conversation.objects.get(pk=message.conversation_id)
    conversation_label_add(conversation=conversation, user=alice, label_id=vip.pk)
    capture_events.commit()
    names = set(ConversationLabel.objects.filter(conversation=conversation)
                .values_list("label__name", flat=True))  # fmt: skip
    assert names == {"VIP", "Chăm sóc"}
    assert RuleRun.objects.get().trigger == Trigger.LABEL_ADDED


def test_a_close_may_send_a_thank_you_once(shop, page_a, alice, capture_events):
    rule = Rule.objects.create(workspace=shop, name="Cảm ơn", trigger=Trigger.CLOSED,
                               reply_text="Cảm ơn {name} đã mua hàng!",
                               agent_guard="outside_hours")  # fmt: skip
    message = receive(page_a, "ok em nhận rồi", psid="cls", events=capture_events)
    conversation_close(conversation_id=message.conversation_id, user=alice, workspace=shop)
    capture_events.commit()
    texts = list(Message.objects.filter(conversation_id=message.conversation_id, is_automated=True)
                 .values_list("text", flat=True))  # fmt: skip
    assert texts == ["Cảm ơn Lan đã mua hàng!"]
    assert RuleRun.objects.get(rule=rule).result == "done"


def test_a_rule_hands_the_customer_to_round_robin(shop, page_a, bob, capture_events):
    ChannelAgent.objects.create(workspace=shop, channel_account=page_a,
                                membership=membership(bob, shop))  # fmt: skip
    go_online(bob, shop)
    Rule.objects.create(workspace=shop, name="Đặt hàng", keywords=["đặt hàng"], round_robin=True)
    message = receive(page_a, "em muốn dat hang", psid="rr", events=capture_events)
    assert Conversation.objects.get(pk=message.conversation_id).assignee_id == bob.pk
    assert RuleRun.objects.get(action="round_robin").result == "done"
    # already held: the second hand-over changes nothing and says so
    receive(page_a, "đặt hàng tiếp", psid="rr", events=capture_events)
    assert RuleRun.objects.filter(action="round_robin", reason="nobody_or_held").count() == 1


def test_nothing_runs_when_automation_is_off(shop, page_a, settings, capture_events):
    settings.AUTOMATION_RUN = "off"
    Rule.objects.create(workspace=shop, name="x", reply_text="Chào")
    message = receive(page_a, "0912345678", psid="off", events=capture_events)
    assert not RuleRun.objects.exists()
    assert not Message.objects.filter(conversation_id=message.conversation_id,
                                      is_automated=True).exists()  # fmt: skip
