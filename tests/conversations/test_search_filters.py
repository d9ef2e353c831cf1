"""Search covers every status unless narrowed, says which filters are on, ranks customer
matches above message matches, marks the matched words (escaped), and refuses a reversed
date range with a message."""

import re
from datetime import timedelta
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from conversations.models import Conversation, Customer, Message
from conversations.selectors.filters import InboxFilters
from conversations.selectors.rows import conversation_list_page
from tests.factories import make_conversation

HX = {"HTTP_HX_REQUEST": "true"}


def list_url(**query):
    url = reverse("inbox_list", kwargs={"ws": "shop-a"})
    return url + ("?" + urlencode(query) if query else "")


def rows(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'<li id="conv-(\d+)"', response.content.decode())]


def _aged(conversation, days):
    Conversation.objects.filter(pk=conversation.pk).update(
        last_message_at=timezone.now() - timedelta(days=days)
    )


def test_search_finds_a_closed_customer_unless_the_status_is_narrowed(client_for, bob, page_a):
    closed = make_conversation(page_a, "psid-closed", "Phạm Thu Hằng")
    Conversation.objects.filter(pk=closed.pk).update(status="closed")
    client = client_for(bob)
    assert closed.pk not in rows(client.get(list_url(), **HX))
    found = client.get(list_url(q="thu hang"), **HX)
    assert rows(found) == [closed.pk]
    assert "Nothing matches" not in found.content.decode()
    assert rows(client.get(list_url(q="thu hang", status="open"), **HX)) == []
    # the form's own "not narrowed" value behaves like no status at all
    assert rows(client.get(list_url(q="thu hang", status="auto"), **HX)) == [closed.pk]


def test_list_says_which_filters_are_on_and_counts_them(client_for, bob, page_a, conversation_a):
    client = client_for(bob)
    html = client.get(list_url(q="nguyen"), **HX).content.decode()
    summary = re.search(r'<p id="filter-summary"[^>]*>(.*?)</p>', html).group(1)
    assert "Mọi trạng thái (tìm kiếm)" in summary
    count = re.search(r'id="filters-count"[^>]*>([^<]*)<', html)
    assert count.group(1) == ""  # nothing narrowed behind "Filters"
    html = client.get(list_url(status="closed", phone="no", read="unread"), **HX).content.decode()
    summary = re.search(r'<p id="filter-summary"[^>]*>(.*?)</p>', html).group(1)
    assert "Đã đóng" in summary and "Không có số điện thoại" in summary and "Chưa đọc" in summary
    assert re.search(r'id="filters-count"[^>]*>2<', html)  # status and phone are in the panel


def test_customer_matches_rank_above_message_matches(client_for, bob, page_a):
    by_name = make_conversation(page_a, "psid-hoa", "Lê Hoa", text="Chào shop")
    _aged(by_name, 3)
    by_text = make_conversation(page_a, "psid-other", "Trần Minh", text="Cho mình đặt hoa hồng")
    response = client_for(bob).get(list_url(q="hoa"), **HX)
    assert rows(response) == [by_name.pk, by_text.pk]


def test_ranked_search_pages_through_both_groups_once(bob, page_a, workspace_a):
    names = [make_conversation(page_a, f"psid-n{i}", f"Hoa {i}", text="Chào") for i in range(3)]
    texts = [
        make_conversation(page_a, f"psid-t{i}", f"Minh {i}", text="mua hoa tươi") for i in range(3)
    ]
    for age, c in enumerate(reversed(names + texts)):
        _aged(c, age)
    filters = InboxFilters(q="hoa", status="")
    seen, cursor = [], None
    while True:
        page = conversation_list_page(
            workspace=workspace_a, user=bob, filters=filters, cursor=cursor, size=2
        )
        seen += [c.pk for c in page.rows]
        cursor = page.next_cursor
        if not cursor:
            break
    assert seen == [c.pk for c in names[::-1]] + [c.pk for c in texts[::-1]]


def test_matched_words_are_marked_and_the_rest_escaped(client_for, bob, page_a):
    conversation = make_conversation(page_a, "psid-x", "<b>Hòa</b> Bình", text="<i>x</i>")
    Customer.objects.filter(pk=conversation.customer_id).update(name="<b>Hòa</b> Bình")
    html = client_for(bob).get(list_url(q="hoa"), **HX).content.decode()
    assert "&lt;b&gt;<mark>Hòa</mark>&lt;/b&gt; Bình" in html
    assert "<b>Hòa</b>" not in html and "<i>x</i>" not in html


def test_a_reversed_date_range_is_an_error_not_an_empty_list(client_for, bob, conversation_a):
    response = client_for(bob).get(list_url(**{"from": "2026-03-10", "to": "2026-03-01"}), **HX)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="filter-error"' in html and "sau ngày kết thúc" in html
    assert 'data-testid="list-empty"' not in html and rows(response) == []


def test_message_matches_still_found_by_text(client_for, bob, page_a, conversation_a):
    Message.objects.filter(conversation=conversation_a).update(text="Shop ơi, còn hàng không?")
    response = client_for(bob).get(list_url(q="con hang"), **HX)
    assert conversation_a.pk in rows(response)
