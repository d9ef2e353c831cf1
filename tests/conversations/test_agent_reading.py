"""What a Vietnamese agent reads: message times that always show the hour, author labels in
the reader's language, phones as sellers type them, returned orders said apart, labels in
Vietnamese order and grouped by the set they come from, list rows that keep their chips."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from conversations.models import ConversationLabel, Label, Message, Order, OrderStatus
from conversations.phone_display import phone_display
from conversations.presenters import given_name
from conversations.templatetags.inbox import author_label, bubble_when
from conversations.vietnamese_order import vietnamese_key

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 12, 7, 15, 30, tzinfo=ZONE)


@pytest.fixture
def saigon():
    with timezone.override(ZONE), translation.override("vi"):
        yield


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (datetime(2026, 12, 7, 14, 5, tzinfo=ZONE), "14:05"),
        (datetime(2026, 12, 6, 14, 5, tzinfo=ZONE), "Hôm qua 14:05"),
        (datetime(2026, 11, 3, 8, 0, tzinfo=ZONE), "08:00 03/11"),
        (datetime(2025, 11, 3, 8, 0, tzinfo=ZONE), "08:00 03/11/2025"),
        # 23:30 UTC on the 5th is 06:30 on the 6th in Saigon: yesterday there.
        (datetime(2026, 12, 5, 23, 30, tzinfo=ZoneInfo("UTC")), "Hôm qua 06:30"),
    ],
)
def test_message_times_always_show_the_hour(saigon, moment, shown):
    assert bubble_when(moment, NOW) == shown


def test_yesterday_in_english():
    with timezone.override(ZONE), translation.override("en"):
        assert bubble_when(datetime(2026, 12, 6, 9, 1, tzinfo=ZONE), NOW) == "Yesterday 09:01"


def test_stored_author_labels_read_in_the_viewers_language():
    with translation.override("vi"):
        assert author_label("Automation") == "Tự động"
        assert author_label("Page inbox") == "Hộp thư Trang"
        assert author_label("Chatbot ngoài") == "Chatbot ngoài"  # unknown: as stored
    with translation.override("en"):
        assert author_label("Automation") == "Automation"


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+84826891787", "0826 891 787"),
        ("+84912345678", "0912 345 678"),
        ("+842838221234", "028 3822 1234"),
        ("+14155552671", "+1 415-555-2671"),
        ("không rõ", "không rõ"),
        ("", ""),
    ],
)
def test_phones_read_as_sellers_type_them(stored, shown):
    assert phone_display(stored) == shown


def test_labels_sort_in_vietnamese_order():
    names = ["Xuất hóa đơn", "Đổi trả", "Đã chốt", "Dọn kho", "Ăn vặt", "An", "Giao hàng", "Úc"]
    assert sorted(names, key=vietnamese_key) == [
        "An", "Ăn vặt", "Dọn kho", "Đã chốt", "Đổi trả", "Giao hàng", "Úc", "Xuất hóa đơn",
    ]  # fmt: skip
    assert sorted(names) != sorted(names, key=vietnamese_key)  # code points put Đ after X


def test_given_name_is_the_last_word():
    assert given_name("Phạm Quang Minh") == "Minh"
    assert given_name("lan@shop.vn") == "lan"
    assert given_name("") == ""


def _label(workspace, name, channel=None, color="#2563eb"):
    return Label.objects.create(
        workspace=workspace, channel_account=channel, name=name, color=color
    )


def test_the_picker_says_which_set_a_label_comes_from(
    client_for, bob, workspace_a, page_a, conversation_a
):
    page_closed = _label(workspace_a, "Đã chốt", page_a)
    shop_closed = _label(workspace_a, "Đã chốt")
    _label(workspace_a, "Xuất hóa đơn", page_a)
    _label(workspace_a, "Đổi trả", page_a)
    type(conversation_a).objects.filter(pk=conversation_a.pk).update(assignee=bob)
    body = client_for(bob).get(f"/w/shop-a/c/{conversation_a.pk}/").content.decode()
    menu = body[body.index('class="label-menu-panel"') :]
    page_group = menu.index('aria-label="Shop A fanpage"')
    every_group = menu.index('aria-label="Tất cả các trang"')
    assert page_group < every_group
    # Each "Đã chốt" sits under its own heading; the page's set is in Vietnamese order.
    page_part, every_part = menu[page_group:every_group], menu[every_group:]
    assert f'"label": "{page_closed.pk}"' in page_part
    assert f'"label": "{shop_closed.pk}"' in every_part
    assert page_part.index("Đã chốt") < page_part.index("Đổi trả") < page_part.index("Xuất hóa đơn")


def test_returned_orders_are_said_apart_from_revenue(client_for, bob, workspace_a, conversation_a):
    Order.objects.create(
        workspace=workspace_a, customer=conversation_a.customer, conversation=conversation_a,
        amount_vnd=350_000, status=OrderStatus.RETURNED, created_by=bob,
    )  # fmt: skip
    body = client_for(bob).get(f"/w/shop-a/c/{conversation_a.pk}/").content.decode()
    assert "1 đơn" in body and "0 ₫" in body
    assert "(1 đơn hoàn, không tính)" in body


def test_a_row_with_three_labels_keeps_the_handler_and_counts_the_rest(
    client_for, bob, workspace_a, page_a, conversation_a
):
    type(conversation_a).objects.filter(pk=conversation_a.pk).update(assignee=bob)
    labels = [_label(workspace_a, n, page_a) for n in ("Xuất hóa đơn", "Đã chốt", "VIP")]
    ConversationLabel.objects.bulk_create(
        ConversationLabel(workspace=workspace_a, conversation=conversation_a, label=label)
        for label in labels
    )
    body = client_for(bob).get("/w/shop-a/").content.decode()
    row = body[body.index(f'id="conv-{conversation_a.pk}"') :]
    row = row[: row.index("</li>")]
    assert row.index("Đã chốt") < row.index("VIP")  # Vietnamese order, first two shown
    assert 'title="Xuất hóa đơn">+1<' in row
    assert 'data-testid="row-assignee">Bob<' in row


def test_automated_bubbles_are_signed_in_vietnamese(client_for, bob, conversation_a):
    Message.objects.create(
        workspace_id=conversation_a.workspace_id, conversation=conversation_a,
        channel_account_id=conversation_a.channel_account_id, direction="out",
        text="Shop đã nhận tin", external_id="auto-1", author_label="Automation",
        is_automated=True, sent_at=timezone.now() - timedelta(minutes=1), delivery_status="sent",
    )  # fmt: skip
    body = client_for(bob).get(f"/w/shop-a/c/{conversation_a.pk}/").content.decode()
    assert "Tự động" in body
    assert ">Automation<" not in body
