"""System lines are facts rendered in the reader's language: the pure renderer in both
languages, the services that store the facts, the timeline and the live push that show them,
and the data migration that reads old rows' text back into facts."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation

from conversations import live
from conversations.live import Render
from conversations.models import Conversation, Label, Message, MessageKind
from conversations.services import labels, orders
from conversations.system_lines import system_line
from routing import services as routing
from tests.factories import make_user

migration = importlib.import_module("conversations.migrations.0009_system_line_facts")

LAN = {"actor_name": "Lan", "actor_id": 7}
LINES = [  # facts, Vietnamese, English
    ({"event": "assignment", "reason": "claimed", "to_name": "Lan"},
     "Lan đã tiếp nhận khách hàng này", "Lan claimed this customer"),
    ({"event": "assignment", "reason": "auto_assigned", "to_name": "Lan"},
     "Tự động phân công cho Lan theo vòng xoay", "Assigned to Lan by round robin"),
    ({"event": "assignment", "reason": "released", **LAN},
     "Lan đã trả khách hàng này về hàng chờ", "Lan released this customer to the pool"),
    ({"event": "assignment", "reason": "released_by_timer", "from_name": "Lan", "minutes": 1},
     "Trả khách từ Lan về hàng chờ: không trả lời trong 1 phút",
     "Released from Lan: no reply within 1 minute"),
    ({"event": "assignment", "reason": "released_by_timer", "from_name": "Lan", "minutes": 10},
     "Trả khách từ Lan về hàng chờ: không trả lời trong 10 phút",
     "Released from Lan: no reply within 10 minutes"),
    ({"event": "assignment", "reason": "transferred", **LAN, "to_name": "Minh"},
     "Lan đã chuyển giao khách hàng này cho Minh", "Lan transferred this customer to Minh"),
    ({"event": "assignment", "reason": "admin_assigned", **LAN, "to_name": "Minh"},
     "Lan đã phân công khách hàng này cho Minh", "Lan assigned this customer to Minh"),
    ({"event": "assignment", "reason": "admin_unassigned", **LAN, "from_name": "Minh"},
     "Lan đã bỏ phân công Minh", "Lan unassigned Minh"),
    ({"event": "assignment", "reason": "closed", **LAN},
     "Lan đã kết thúc tư vấn", "Lan ended the consultation"),
    ({"event": "assignment", "reason": "reopened", **LAN},
     "Lan đã mở lại hội thoại", "Lan reopened the conversation"),
    ({"event": "reopened", "by": "customer"},
     "Khách nhắn lại: hội thoại đã được mở lại", "The customer wrote again: conversation reopened"),
    ({"event": "label_added", **LAN, "label": "VIP"},
     "Lan đã gắn nhãn “VIP”", "Lan added label “VIP”"),
    ({"event": "label_removed", **LAN, "label": "VIP"},
     "Lan đã gỡ nhãn “VIP”", "Lan removed label “VIP”"),
    ({"event": "archived", **LAN}, "Lan đã lưu trữ hội thoại", "Lan archived the conversation"),
    ({"event": "unarchived", **LAN}, "Lan đã khôi phục hội thoại từ mục lưu trữ",
     "Lan brought the conversation back from the archive"),
    ({"event": "blocked", **LAN}, "Lan đã chặn khách hàng này", "Lan blocked this customer"),
    ({"event": "unblocked", **LAN}, "Lan đã bỏ chặn khách hàng này", "Lan unblocked this customer"),
    ({"event": "unblocked", **LAN, "reason": "Chặn nhầm"},
     "Lan đã bỏ chặn khách hàng này: Chặn nhầm", "Lan unblocked this customer: Chặn nhầm"),
    ({"event": "order_created", **LAN, "amount_vnd": 350000},
     "Lan đã chốt đơn 350.000 ₫", "Lan recorded an order of 350.000 ₫"),
    ({"event": "closed", "actor": "Lan"}, "Lan đã kết thúc tư vấn", "Lan ended the consultation"),
]  # fmt: skip


@pytest.mark.parametrize(("facts", "vi", "en"), LINES)
def test_each_event_reads_in_both_languages(facts, vi, en):
    with translation.override("vi"):
        assert system_line(facts) == vi
    with translation.override("en"):
        assert system_line(facts) == en


@pytest.mark.parametrize(
    "facts",
    [
        None,
        {},
        {"event": "assignment", "reason": "claimed"},  # nobody to name
        {"event": "assignment", "reason": "released_by_timer", "from_name": "Lan"},  # no minutes
        {"event": "assignment", "reason": "someday"},
        {"event": "label_added", "actor_name": "Lan"},  # no label
        {"event": "order_created", "actor_name": "Lan", "amount_vnd": "lots"},
        {"event": "handoff", "actor_name": "Lan"},
    ],
)
def test_facts_that_make_no_sentence_give_none(facts):
    assert system_line(facts) is None


def _system(conversation, *, text, meta):
    return Message.objects.create(
        workspace_id=conversation.workspace_id, conversation=conversation,
        channel_account_id=conversation.channel_account_id, direction="out",
        kind=MessageKind.SYSTEM, text=text, meta=meta,
    )  # fmt: skip


def _timeline(client, conversation, language: str) -> str:
    client.cookies["django_language"] = language
    url = reverse("conversation", kwargs={"ws": "shop-a", "pk": conversation.pk})
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_services_store_facts_and_a_fallback_in_the_workspace_language(
    conversation_a, workspace_a, adam
):
    label = Label.objects.create(workspace=workspace_a, channel_account=None, name="VIP")
    labels.conversation_label_add(conversation=conversation_a, user=adam, label_id=label.pk)
    orders.order_create(conversation=conversation_a, user=adam, amount_vnd=350000, items=[])
    added, order = Message.objects.filter(conversation=conversation_a, kind="system").order_by("id")
    assert added.meta == {"event": "label_added", "label": "VIP", "actor_id": adam.pk,
                          "actor_name": "Adam"}  # fmt: skip
    assert added.text == "Adam đã gắn nhãn “VIP”"  # the workspace speaks Vietnamese
    assert order.meta["amount_vnd"] == 350000 and order.meta["actor_id"] == adam.pk
    assert order.text == "Adam đã chốt đơn 350.000 ₫"


def test_an_english_reader_of_a_vietnamese_workspace_reads_english(
    client_for, conversation_a, adam
):
    dan = make_user("dan@a.test", "Dan", conversation_a.workspace, "agent")
    routing.conversation_claim(conversation_id=conversation_a.pk, user=dan,
                               workspace=conversation_a.workspace)  # fmt: skip
    claimed = Message.objects.get(conversation=conversation_a, kind="system")
    assert claimed.text == "Dan đã tiếp nhận khách hàng này"
    legacy = _system(conversation_a, text="Hệ thống đã làm gì đó", meta={})
    client = client_for(adam)
    english = _timeline(client, conversation_a, "en")
    assert "Dan claimed this customer" in english
    assert "đã tiếp nhận" not in english  # the stored fallback is not shown
    assert "Hệ thống đã làm gì đó" in english  # no facts: its stored text
    assert f'id="msg-{legacy.pk}"' in english
    assert "Dan đã tiếp nhận khách hàng này" in _timeline(client, conversation_a, "vi")


def test_html_in_facts_is_escaped(client_for, conversation_a, adam):
    _system(conversation_a, text="x", meta={"event": "label_added", "actor_name": "<b>Lan</b>",
                                            "label": "<script>x</script>"})  # fmt: skip
    html = _timeline(client_for(adam), conversation_a, "en")
    assert "&lt;b&gt;Lan&lt;/b&gt; added label “&lt;script&gt;x&lt;/script&gt;”" in html
    assert "<script>x</script>" not in html


def test_the_live_push_of_a_system_line_carries_every_language(conversation_a, adam):
    message = _system(conversation_a, text="Adam đã lưu trữ hội thoại",
                      meta={"event": "archived", "actor_name": "Adam"})  # fmt: skip
    note = Message.objects.create(
        workspace_id=conversation_a.workspace_id, conversation=conversation_a,
        channel_account_id=conversation_a.channel_account_id, direction="out",
        kind=MessageKind.NOTE, text="ghi chú", author=adam,
    )  # fmt: skip
    line = Render(conversation_a.workspace_id, conversation_a.pk, message.pk)
    other = Render(conversation_a.workspace_id, conversation_a.pk, note.pk)
    fragments = live.render_fragments([line, other])
    by_language = fragments[line]["html_by_language"]
    assert "Adam archived the conversation" in by_language["en"]
    assert "Adam đã lưu trữ hội thoại" in by_language["vi"]
    assert "Adam đã lưu trữ hội thoại" in fragments[line]["html"]  # the workspace's language
    assert "html_by_language" not in fragments[other]


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        ("Bob đã tiếp nhận khách hàng này",
         {"event": "assignment", "reason": "claimed", "to_name": "Bob"}),
        ("Đã giao hội thoại cho Bob",
         {"event": "assignment", "reason": "auto_assigned", "to_name": "Bob"}),
        ("Trả khách từ Lan Agent về hàng chờ: không trả lời trong 10 phút",
         {"event": "assignment", "reason": "released_by_timer", "from_name": "Lan Agent",
          "minutes": 10}),
        ("Released from Lan: no reply within 5 minutes",
         {"event": "assignment", "reason": "released_by_timer", "from_name": "Lan", "minutes": 5}),
        ("Adam đã chuyển giao khách hàng này cho Bob",
         {"event": "assignment", "reason": "transferred", "actor_name": "Adam", "to_name": "Bob"}),
        ("Khách nhắn lại: hội thoại đã được mở lại", {"event": "reopened", "by": "customer"}),
        ("Lan đã chốt đơn 1.250.000đ",
         {"event": "order_created", "actor_name": "Lan", "amount_vnd": 1250000}),
        ("Lan added label “Đổi trả”", {"event": "label_added", "actor_name": "Lan",
                                         "label": "Đổi trả"}),
    ],
)  # fmt: skip
def test_the_migration_reads_stored_sentences(text, facts):
    assert migration.facts_from_text(text) == facts


def test_the_migration_gives_old_rows_facts_and_leaves_unknown_ones(conversation_a, bob):
    parsed = _system(conversation_a, text="Bob đã tiếp nhận khách hàng này", meta={})
    unknown = _system(conversation_a, text="Hội thoại được trả về hàng chờ", meta={})
    legacy_actor = _system(conversation_a, text="Bob + VIP",
                           meta={"event": "label_added", "actor": "Bob", "label": "VIP"})  # fmt: skip
    Message.objects.filter(pk=legacy_actor.pk).update(author=bob)
    kept = _system(conversation_a, text="x", meta={"event": "assignment", "reason": "claimed",
                                                   "to_name": "Bob", "change_id": 3})  # fmt: skip

    migration.system_line_facts(apps, None)

    with translation.override("en"):
        assert system_line(Message.objects.get(pk=parsed.pk).meta) == "Bob claimed this customer"
        assert system_line(Message.objects.get(pk=legacy_actor.pk).meta) == "Bob added label “VIP”"
    assert Message.objects.get(pk=unknown.pk).meta == {}
    assert Message.objects.get(pk=legacy_actor.pk).meta["actor_id"] == bob.pk
    assert Message.objects.get(pk=kept.pk).meta["change_id"] == 3
    assert Conversation.objects.get(pk=conversation_a.pk).last_message_preview == (
        conversation_a.last_message_preview
    )  # system lines never reach the list's preview
