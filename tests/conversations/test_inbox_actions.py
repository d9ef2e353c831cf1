"""Agent actions (labels, orders, notes, follow, mute, unread, status, rating, block) and the
composer wired to message_send: refusals come back as a visible reason, never silence."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conversations.forms import parse_items, parse_vnd
from conversations.models import (
    Conversation,
    ConversationFollow,
    ConversationLabel,
    ConversationMute,
    Label,
    Message,
    Order,
    ReadMarker,
)
from conversations.services import labels
from conversations.services import status as status_services
from conversations.templatetags.inbox import vnd
from inbox_project.errors import ApplicationError
from tests.factories import make_channel_account

HX = {"HTTP_HX_REQUEST": "true"}


def url(name, conversation, **kwargs):
    return reverse(name, kwargs={"ws": "shop-a", "pk": conversation.pk, **kwargs})


@pytest.fixture
def claimed(conversation_a, bob):
    """Bob holds the conversation, so he may act on it."""
    Conversation.objects.filter(pk=conversation_a.pk).update(
        assignee=bob, claimed_at=timezone.now()
    )
    conversation_a.refresh_from_db()
    return conversation_a


# --- money -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, amount",
    [("350.000", 350000), ("350,000 ₫", 350000), ("350000", 350000), ("350k", 350000),
     ("1,2tr", 1200000), ("2tr", 2000000), ("1.5k", 1500), ("abc", None), ("", None)],
)  # fmt: skip
def test_parse_vnd(text, amount):
    assert parse_vnd(text) == amount


def test_vnd_format():
    assert vnd(350000) == "350.000 ₫"
    assert vnd(1250000) == "1.250.000 ₫"
    assert vnd(0) == "0 ₫"


def test_parse_items():
    items = parse_items("Áo thun trắng x2 @150.000\nQuần jean\n\n")
    assert [i.as_json() for i in items] == [
        {"name": "Áo thun trắng", "quantity": 2, "price_vnd": 150000},
        {"name": "Quần jean", "quantity": 1},
    ]


# --- composer -------------------------------------------------------------------------------------


def test_reply_goes_through_message_send(client_for, bob, claimed):
    response = client_for(bob).post(url("conversation_send", claimed), {"text": "Dạ còn ạ"}, **HX)
    assert response.status_code == 200
    sent = Message.objects.get(conversation=claimed, direction="out", kind="inbox")
    assert sent.text == "Dạ còn ạ" and sent.delivery_status == "pending" and sent.author == bob
    html = response.content.decode()
    assert 'id="composer"' in html
    assert f'id="msg-{sent.pk}"' in html and 'hx-swap-oob="beforeend:#timeline-items"' in html


def test_refused_reply_shows_the_reason(client_for, bob, claimed):
    Conversation.objects.filter(pk=claimed.pk).update(
        last_inbound_at=timezone.now() - timedelta(days=2)
    )
    response = client_for(bob).post(
        url("conversation_send", claimed), {"text": "Khuyến mãi!"}, **HX
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-testid="composer-error"' in html
    assert "Khuyến mãi!" in html  # the draft is kept
    assert not Message.objects.filter(conversation=claimed, direction="out").exists()


def test_human_agent_confirmation_sends_with_the_tag(client_for, bob, claimed):
    Conversation.objects.filter(pk=claimed.pk).update(
        last_inbound_at=timezone.now() - timedelta(days=2)
    )
    client = client_for(bob)
    page = client.get(reverse("conversation", kwargs={"ws": "shop-a", "pk": claimed.pk}))
    assert 'data-gate="human_agent"' in page.content.decode()
    response = client.post(
        url("conversation_send", claimed),
        {"text": "Dạ em trả lời chị", "confirm_human_agent": "1"},
        **HX,
    )
    assert response.status_code == 200
    assert Message.objects.get(conversation=claimed, direction="out").policy_tag == "human_agent"


def test_after_seven_days_only_an_essential_notification(client_for, bob, claimed):
    Conversation.objects.filter(pk=claimed.pk).update(
        last_inbound_at=timezone.now() - timedelta(days=9)
    )
    client = client_for(bob)
    page = client.get(reverse("conversation", kwargs={"ws": "shop-a", "pk": claimed.pk}))
    assert 'data-testid="purpose-order_update"' in page.content.decode()
    refused = client.post(url("conversation_send", claimed), {"text": "Đơn đã giao"}, **HX)
    assert refused.status_code == 422
    sent = client.post(
        url("conversation_send", claimed), {"text": "Đơn đã giao", "purpose": "order_update"}, **HX
    )
    assert sent.status_code == 200
    assert Message.objects.get(conversation=claimed, direction="out").policy_tag == (
        "notification:order_update"
    )


def test_someone_elses_customer_cannot_be_answered(client_for, alice, bob, conversation_a, adam):
    Conversation.objects.filter(pk=conversation_a.pk).update(assignee=adam)
    response = client_for(bob).post(url("conversation_send", conversation_a), {"text": "Hi"}, **HX)
    assert response.status_code == 422
    assert "composer-error" in response.content.decode()


def test_internal_note_never_reaches_the_customer(client_for, bob, conversation_a):
    response = client_for(bob).post(
        url("conversation_send", conversation_a), {"text": "Khách khó tính", "mode": "note"}, **HX
    )
    assert response.status_code == 200
    note = Message.objects.get(conversation=conversation_a, kind="note")
    assert note.delivery_status == "" and note.external_id is None
    conversation_a.refresh_from_db()
    assert conversation_a.last_message_preview != "Khách khó tính"  # the list shows customer text
    assert "msg-note" in response.content.decode()


def test_attachments_are_stored_and_sent(client_for, bob, claimed, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("ảnh.png", b"\x89PNG fake", content_type="image/png")
    response = client_for(bob).post(
        url("conversation_send", claimed), {"text": "", "files": [upload]}, **HX
    )
    assert response.status_code == 200
    sent = Message.objects.get(conversation=claimed, direction="out")
    assert sent.attachments[0]["type"] == "image"
    assert sent.attachments[0]["url"].startswith(settings.SITE_URL + "/media/outbound/")


# --- labels -----------------------------------------------------------------------------------


def test_label_add_remove_with_timeline_events(client_for, bob, claimed, page_a, workspace_a):
    vip = Label.objects.create(workspace=workspace_a, channel_account=page_a, name="VIP")
    client = client_for(bob)
    response = client.post(url("conversation_label", claimed), {"label": vip.pk}, **HX)
    assert response.status_code == 200 and "VIP" in response.content.decode()
    assert list(claimed.labels.all()) == [vip]
    client.post(url("conversation_label", claimed), {"label": vip.pk, "op": "remove"}, **HX)
    assert not claimed.labels.exists()
    events = list(
        Message.objects.filter(conversation=claimed, kind="system").values_list(
            "meta__event", flat=True
        )
    )
    assert events == ["label_added", "label_removed"]


def test_labels_of_another_fanpage_are_refused(bob, claimed, workspace_a):
    other_page = make_channel_account(workspace_a, "facebook", "1002", "Page 2")
    theirs = Label.objects.create(workspace=workspace_a, channel_account=other_page, name="X")
    with pytest.raises(ApplicationError):
        labels.conversation_label_add(conversation=claimed, user=bob, label_id=theirs.pk)
    shared = Label.objects.create(workspace=workspace_a, name="Everywhere")
    labels.conversation_label_add(conversation=claimed, user=bob, label_id=shared.pk)


def test_labels_need_the_claim(adam, bob, conversation_a, workspace_a):
    Conversation.objects.filter(pk=conversation_a.pk).update(assignee=adam)
    label = Label.objects.create(workspace=workspace_a, name="VIP")
    with pytest.raises(ApplicationError):
        labels.conversation_label_add(conversation=conversation_a, user=bob, label_id=label.pk)


def test_deleting_a_label_keeps_history(client_for, alice, claimed, workspace_a, bob):
    label = Label.objects.create(workspace=workspace_a, name="Đã chốt")
    labels.conversation_label_add(conversation=claimed, user=bob, label_id=label.pk)
    client = client_for(alice)
    client.post(reverse("label_update", kwargs={"ws": "shop-a", "pk": label.pk}), {"op": "delete"})
    label.refresh_from_db()
    assert label.deleted_at is not None
    assert ConversationLabel.objects.filter(conversation=claimed, label=label).exists()
    # a new label may reuse the name; the old one stays in history
    client.post(reverse("label_settings", kwargs={"ws": "shop-a"}), {"name": "Đã chốt"})
    assert Label.objects.filter(workspace=workspace_a, name="Đã chốt").count() == 2


def test_hidden_labels_are_not_offered(client_for, bob, claimed, workspace_a):
    Label.objects.create(workspace=workspace_a, name="Hiện")
    Label.objects.create(workspace=workspace_a, name="Ẩn", is_hidden=True)
    html = client_for(bob).get(url("conversation_header", claimed), **HX).content.decode()
    assert "Hiện" in html and "Ẩn" not in html


def test_copy_label_set_to_every_fanpage(client_for, alice, workspace_a, page_a):
    page_2 = make_channel_account(workspace_a, "facebook", "1002", "Page 2")
    page_3 = make_channel_account(workspace_a, "zalo", "oa-3", "Zalo")
    for name in ("VIP", "Ship"):
        Label.objects.create(workspace=workspace_a, channel_account=page_a, name=name)
    Label.objects.create(workspace=workspace_a, channel_account=page_2, name="vip")  # exists
    client_for(alice).post(reverse("labels_copy", kwargs={"ws": "shop-a"}), {"channel": page_a.pk})
    names = lambda page: sorted(page.labels.values_list("name", flat=True))  # noqa: E731
    assert names(page_2) == ["Ship", "vip"]
    assert names(page_3) == ["Ship", "VIP"]


def test_agents_cannot_change_label_sets(client_for, bob, workspace_a):
    client_for(bob).post(reverse("label_settings", kwargs={"ws": "shop-a"}), {"name": "Nope"})
    assert not Label.objects.filter(workspace=workspace_a).exists()


# --- orders, notes, rating, block ------------------------------------------------


def test_order_from_the_chat_sets_outcome_and_shows_in_the_panel(client_for, bob, claimed):
    response = client_for(bob).post(
        url("conversation_order", claimed),
        {"amount": "350.000", "items": "Áo thun x2", "status": "closed"},
        **HX,
    )
    assert response.status_code == 200
    order = Order.objects.get(conversation=claimed)
    assert order.amount_vnd == 350000 and order.items == [{"name": "Áo thun", "quantity": 2}]
    claimed.refresh_from_db()
    assert claimed.outcome == "ordered"
    assert "350.000 ₫" in response.content.decode()


def test_bad_order_amount_is_explained(client_for, bob, claimed):
    response = client_for(bob).post(url("conversation_order", claimed), {"amount": "nhiều"}, **HX)
    assert response.status_code == 422
    assert "form-error" in response.content.decode()
    assert not Order.objects.exists()


def test_customer_note_rating_and_block(client_for, bob, claimed):
    client = client_for(bob)
    client.post(url("customer_note", claimed), {"text": "Thích màu đen"}, **HX)
    client.post(url("conversation_rating", claimed), {"rating": "4"}, **HX)
    response = client.post(url("conversation_block", claimed), {"blocked": "1"}, **HX)
    claimed.refresh_from_db()
    claimed.customer.refresh_from_db()
    assert claimed.customer.notes.get().text == "Thích màu đen"
    assert claimed.rating == 4
    assert claimed.customer.is_blocked
    assert "Unblock" in response.content.decode() or "Bỏ chặn" in response.content.decode()
    refused = client.post(url("conversation_block", claimed), {"blocked": "0"}, **HX)
    assert refused.status_code == 422  # unblocking needs a reason
    claimed.customer.refresh_from_db()
    assert claimed.customer.is_blocked
    client.post(url("conversation_block", claimed), {"blocked": "0", "reason": "Nhầm"}, **HX)
    claimed.customer.refresh_from_db()
    assert not claimed.customer.is_blocked
    assert claimed.customer.unblock_reason == "Nhầm"


def test_rating_out_of_range_is_refused(client_for, bob, claimed):
    response = client_for(bob).post(url("conversation_rating", claimed), {"rating": "9"}, **HX)
    assert response.status_code == 422 and "inbox:toast" in response["HX-Trigger"]


# --- follow, mute, unread, status ----------------------------------------------------


def test_follow_and_mute_toggle_per_agent(client_for, bob, alice, conversation_a):
    client = client_for(bob)
    response = client.post(url("conversation_follow", conversation_a), **HX)
    assert '"following": true' in response["HX-Trigger"]
    client.post(url("conversation_mute", conversation_a), **HX)
    assert ConversationFollow.objects.filter(user=bob).count() == 1
    assert ConversationMute.objects.filter(user=bob).count() == 1
    assert not ConversationFollow.objects.filter(user=alice).exists()
    client.post(url("conversation_follow", conversation_a), **HX)
    assert not ConversationFollow.objects.filter(user=bob).exists()


def test_mark_unread(client_for, bob, conversation_a):
    Conversation.objects.filter(pk=conversation_a.pk).update(unread_count=0)
    client_for(bob).post(url("conversation_unread", conversation_a), **HX)
    marker = ReadMarker.objects.get(user=bob, conversation=conversation_a)
    assert marker.seen_count == -1  # one unread for bob, though no message was counted


def test_close_archive_reopen_never_deletes(client_for, bob, claimed):
    client = client_for(bob)
    for status in ("closed", "archived", "open"):
        response = client.post(url("conversation_status", claimed), {"status": status}, **HX)
        assert response.status_code == 200, status
        claimed.refresh_from_db()
        assert claimed.status == status
    assert Conversation.objects.filter(pk=claimed.pk).exists()
    assert claimed.messages.filter(kind="system").count() >= 3


def test_unarchive_refused_when_the_contact_has_a_newer_live_conversation(bob, claimed):
    status_services.conversation_status_set(conversation=claimed, user=bob, status="archived")
    Conversation.objects.create(
        workspace=claimed.workspace, channel_account=claimed.channel_account,
        contact=claimed.contact, customer=claimed.customer,
    )  # fmt: skip
    with pytest.raises(ApplicationError):
        status_services.conversation_status_set(conversation=claimed, user=bob, status="open")


def test_sound_toggle(client_for, bob, workspace_a):
    client = client_for(bob)
    response = client.post(reverse("sound_toggle", kwargs={"ws": "shop-a"}), {"enabled": "0"}, **HX)
    bob.refresh_from_db()
    assert response.status_code == 200 and bob.sound_enabled is False
