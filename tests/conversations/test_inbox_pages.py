"""The inbox page and its partials: state in the URL, filters, accent-insensitive search,
tenancy (a foreign id is a 404 everywhere) and pinned query counts."""

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from conversations.models import Conversation, Customer, Label, Message, ReadMarker
from conversations.selectors.filters import InboxFilters
from conversations.selectors.rows import conversation_list_page
from conversations.selectors.search import customer_matches, message_matches
from tests.conversations.inbox_data import add_messages, label_all, make_many
from tests.factories import make_channel_account, make_conversation

HX = {"HTTP_HX_REQUEST": "true"}


def rows(response) -> list[int]:
    import re

    return [int(pk) for pk in re.findall(r'<li id="conv-(\d+)"', response.content.decode())]


def list_url(ws="shop-a", **query):
    from urllib.parse import urlencode

    return reverse("inbox_list", kwargs={"ws": ws}) + ("?" + urlencode(query) if query else "")


# --- the page --------------------------------------------------------------------------------


def test_inbox_page_has_three_panes_and_newest_first(client_for, bob, page_a):
    old, new = make_many(page_a, 2)[::-1]
    Conversation.objects.filter(pk=old.pk).update(
        last_message_at=timezone.now() - timedelta(days=1)
    )
    response = client_for(bob).get(reverse("inbox", kwargs={"ws": "shop-a"}))
    assert response.status_code == 200
    html = response.content.decode()
    for pane in ('id="list-pane"', 'id="conversation-pane"', 'id="customer-pane-wrap"'):
        assert pane in html
    assert rows(response) == [new.pk, old.pk]


def test_conversation_url_is_shareable_and_reload_keeps_filters(client_for, bob, page_a):
    conversation = make_conversation(page_a, "psid-1", "Lê Thị Hoa")
    url = reverse("conversation", kwargs={"ws": "shop-a", "pk": conversation.pk})
    response = client_for(bob).get(url + "?assign=unassigned&q=hoa")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-open="{conversation.pk}"' in html
    assert 'value="hoa"' in html  # the search box keeps its text
    assert 'value="unassigned" checked' in html
    assert "Lê Thị Hoa" in html and 'id="composer"' in html and 'id="customer-pane"' in html


def test_opening_a_conversation_marks_it_read(client_for, bob, conversation_a):
    assert conversation_a.unread_count == 1
    client_for(bob).get(reverse("conversation", kwargs={"ws": "shop-a", "pk": conversation_a.pk}))
    marker = ReadMarker.objects.get(user=bob, conversation=conversation_a)
    assert marker.seen_count == 1  # read to the end, for bob only
    conversation_a.refresh_from_db()
    assert conversation_a.unread_count == 1  # the counter is everyone's and never reset


def test_htmx_open_returns_only_the_panes(client_for, bob, conversation_a):
    response = client_for(bob).get(
        reverse("conversation", kwargs={"ws": "shop-a", "pk": conversation_a.pk}),
        HTTP_HX_TARGET="conversation-pane",
        **HX,
    )
    html = response.content.decode()
    assert "<html" not in html
    assert 'class="conv-pane"' in html and 'hx-swap-oob="innerHTML"' in html


def test_messages_are_escaped(client_for, bob, page_a):
    conversation = make_conversation(
        page_a, "psid-x", "<b>Evil</b>", text="<script>alert(1)</script>"
    )
    response = client_for(bob).get(
        reverse("conversation", kwargs={"ws": "shop-a", "pk": conversation.pk})
    )
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>Evil</b>" not in html


def test_timeline_after_returns_only_newer_messages(client_for, bob, conversation_a):
    first = conversation_a.messages.get()
    newer = Message.objects.create(
        workspace=conversation_a.workspace, conversation=conversation_a,
        channel_account=conversation_a.channel_account, direction="in", text="mới nhất",
        external_id="m-new",
    )  # fmt: skip
    url = reverse("conversation_timeline", kwargs={"ws": "shop-a", "pk": conversation_a.pk})
    html = client_for(bob).get(f"{url}?after={first.pk}", **HX).content.decode()
    assert f'id="msg-{newer.pk}"' in html and f'id="msg-{first.pk}"' not in html


# --- filters and search ----------------------------------------------------------------------------


@pytest.fixture
def varied(workspace_a, page_a, bob, alice):
    """Six conversations that differ in one filterable fact each."""
    zalo = make_channel_account(workspace_a, "zalo", "oa-1", "Shop A Zalo")
    now = timezone.now()
    plain = make_conversation(page_a, "p-plain", "Phạm Văn Thường", at=now)
    mine = make_conversation(page_a, "p-mine", "Đỗ Minh", at=now - timedelta(minutes=1))
    closed = make_conversation(page_a, "p-closed", "Hồ Đóng", at=now - timedelta(minutes=2))
    zalo_conv = make_conversation(zalo, "z-1", "Võ Zalo", at=now - timedelta(minutes=3))
    rated = make_conversation(page_a, "p-rated", "Lý Năm Sao", at=now - timedelta(days=10))
    answered = make_conversation(page_a, "p-answered", "Đã Trả Lời", at=now - timedelta(minutes=5))
    Conversation.objects.filter(pk=mine.pk).update(assignee=bob, unread_count=0)
    Conversation.objects.filter(pk=closed.pk).update(status="closed", outcome="ordered")
    Conversation.objects.filter(pk=rated.pk).update(rating=5, unread_count=0)
    Conversation.objects.filter(pk=answered.pk).update(last_message_direction="out")
    Customer.objects.filter(pk=plain.customer_id).update(phones=["+84912345678"])
    vip = Label.objects.create(workspace=workspace_a, channel_account=page_a, name="VIP")
    label_all([plain, rated], vip)
    return {
        "plain": plain, "mine": mine, "closed": closed, "zalo": zalo_conv, "rated": rated,
        "answered": answered, "zalo_account": zalo, "vip": vip,
    }  # fmt: skip


def test_filters_combine(client_for, bob, varied):
    client = client_for(bob)
    v = varied
    ids = {name: c.pk for name, c in v.items() if isinstance(c, Conversation)}

    def listed(**query):
        return set(rows(client.get(list_url(**query), **HX)))

    open_ids = {ids[n] for n in ("plain", "mine", "zalo", "rated", "answered")}
    assert listed() == open_ids
    assert listed(status="") == open_ids | {ids["closed"]}
    assert listed(status="closed", outcome="ordered") == {ids["closed"]}
    assert listed(assign="mine") == {ids["mine"]}
    assert listed(assign="unassigned") == open_ids - {ids["mine"]}
    assert listed(channel=v["zalo_account"].pk) == {ids["zalo"]}
    assert listed(label=v["vip"].pk) == {ids["plain"], ids["rated"]}
    assert listed(label=v["vip"].pk, rating=5) == {ids["rated"]}
    assert listed(phone="yes") == {ids["plain"]}
    assert ids["plain"] not in listed(phone="no")
    assert listed(read="read") == {ids["mine"], ids["rated"]}
    assert listed(read="unread", unanswered=1) == {ids["plain"], ids["zalo"]}
    recent = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert ids["rated"] not in listed(**{"from": recent})
    old_day = (timezone.localdate() - timedelta(days=10)).isoformat()
    assert listed(**{"from": old_day, "to": old_day}) == {ids["rated"]}


def test_following_filter(client_for, bob, varied):
    from conversations.services import read_state

    read_state.conversation_follow_toggle(conversation=varied["zalo"], user=bob)
    response = client_for(bob).get(list_url(assign="following"), **HX)
    assert rows(response) == [varied["zalo"].pk]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("nguyen van a", "a"),  # no accents finds "Nguyễn Văn A"
        ("NGUYỄN văn", "a"),
        ("do duc", "d"),  # đ folds to d
        ("0912 345 678", "a"),  # phone typed the national way finds +84912345678
        ("84912345678", "a"),
        ("ban@example", "b"),  # e-mail
        ("con hang khong", "b"),  # message text, accent-insensitive
    ],
)
def test_search_is_accent_insensitive(client_for, bob, page_a, query, expected):
    a = make_conversation(page_a, "s-a", "Nguyễn Văn A", text="Xin chào")
    b = make_conversation(page_a, "s-b", "Trần Thị B", text="Shop ơi, còn hàng không?")
    d = make_conversation(page_a, "s-d", "Đỗ Đức Dũng", text="Giao hàng chưa?")
    Customer.objects.filter(pk=a.customer_id).update(phones=["+84912345678"])
    Customer.objects.filter(pk=b.customer_id).update(emails=["ban@example.vn"])
    found = rows(client_for(bob).get(list_url(q=query), **HX))
    assert found == [{"a": a, "b": b, "d": d}[expected].pk]


def _plan(sql_and_params) -> str:
    sql, params = sql_and_params
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def _drop_other_indexes(model, keep: str) -> None:
    """Inside the test's transaction (rolled back): leave `keep` as the only non-unique index."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = %s::regclass AND NOT i.indisunique AND c.relname <> %s",
            [model._meta.db_table, keep],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')


def test_search_queries_can_use_their_indexes(workspace_a, page_a):
    """The search's own queries match the GIN indexes on the stored search columns, so
    PostgreSQL can serve a search from them (on a big workspace it does: see bench/inbox.py); on
    these tiny tables we remove the alternatives. Customers: the trigram index leads with the
    workspace. Messages: the workspace is inside every indexed word (migration 0006), and the
    query is folded into constant words at plan time."""
    make_many(page_a, 3)
    customers = customer_matches(workspace=workspace_a, q="Ngu thi")
    _drop_other_indexes(Customer, keep="customer_search_trgm")
    plan = _plan(customers.values("id").query.sql_with_params())
    assert "Bitmap Index Scan on customer_search_trgm" in plan
    assert "inbox_customer_search" not in plan
    assert "workspace_id = " in plan.split("customer_search_trgm", 1)[1]

    messages = message_matches(workspace=workspace_a, q="Còn HÀNG, nhé!")
    _drop_other_indexes(Message, keep="message_words")
    plan = _plan(messages.values("id").query.sql_with_params())
    assert "Bitmap Index Scan on message_words" in plan
    prefix = f"w{workspace_a.pk}x"
    assert f"'{prefix}con' <-> '{prefix}hang' <-> '{prefix}nhe'" in plan.replace("''", "'")
    assert "inbox_search_query" not in plan and "inbox_unaccent" not in plan


def test_search_shorter_than_two_letters_is_ignored(client_for, bob, page_a):
    make_many(page_a, 3)
    assert len(rows(client_for(bob).get(list_url(q="a"), **HX))) == 3


def test_infinite_scroll_pages_with_a_cursor(client_for, bob, page_a):
    made = make_many(page_a, 7)
    client = client_for(bob)
    first = conversation_list_page(
        workspace=page_a.workspace, user=bob, filters=InboxFilters(), size=5
    )
    assert [c.pk for c in first.rows] == [c.pk for c in made[:5]]
    response = client.get(list_url(cursor=first.next_cursor), **HX)
    assert rows(response) == [c.pk for c in made[5:]]


# --- pinned query counts (ARCHITECTURE invariant 6) ------------------------------------------------


def _list_queries(client, django_assert_max_num_queries) -> int:
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(list_url(), **HX)
    assert response.status_code == 200
    return len(captured)


def test_list_partial_query_count_does_not_grow_with_rows(
    client_for, bob, page_a, workspace_a, django_assert_num_queries
):
    client = client_for(bob)
    label = Label.objects.create(workspace=workspace_a, channel_account=page_a, name="Ship")
    label_all(make_many(page_a, 10, prefix="Mười"), label)
    client.get(list_url(), **HX)  # warm the session
    # session, user, membership, rows, labels, three capped counts
    with django_assert_num_queries(8):
        response = client.get(list_url(), **HX)
    assert len(rows(response)) == 10
    label_all(make_many(page_a, 40, prefix="Bốn mươi"), label)
    with django_assert_num_queries(8):
        response = client.get(list_url(), **HX)
    assert len(rows(response)) == 50
    # any filter: same count, plus one for the label's name in the "filters on" line
    with django_assert_num_queries(9):
        client.get(list_url(q="bon muoi", label=label.pk, phone="no", assign="unassigned"), **HX)


def test_open_conversation_query_count_is_pinned(
    client_for, bob, conversation_a, django_assert_num_queries
):
    add_messages(conversation_a, 49)
    client = client_for(bob)
    url = reverse("conversation", kwargs={"ws": "shop-a", "pk": conversation_a.pk})
    client.get(url)  # warm: marks read, caches the claim-panel template lookup
    with django_assert_num_queries(OPEN_CONVERSATION_QUERIES):
        response = client.get(url, HTTP_HX_TARGET="conversation-pane", **HX)
    assert response.content.decode().count('class="msg ') == 50


# session, user, membership, conversation, mark-read UPDATE (matches nothing when read), labels,
# follow/mute marks, timeline, order totals, past conversations, orders, notes, routing's
# claim-panel settings (the quick replies come once with the page, for every conversation
# opened in it). A template change that adds a query per message fails here.
OPEN_CONVERSATION_QUERIES = 13


@pytest.mark.parametrize("messages", [1, 50])
def test_full_page_query_count_is_pinned(
    client_for, bob, conversation_a, django_assert_num_queries, messages
):
    """The whole page (list, conversation, customer pane, quick replies): the same number of
    queries for one message as for fifty."""
    add_messages(conversation_a, messages - 1)
    client = client_for(bob)
    url = reverse("conversation", kwargs={"ws": "shop-a", "pk": conversation_a.pk})
    client.get(url)
    with django_assert_num_queries(FULL_PAGE_QUERIES):
        assert client.get(url).status_code == 200


# The open-conversation panes above plus the list (rows, counts, labels, filter choices),
# the channel accounts, the quick replies and the presence switch.
FULL_PAGE_QUERIES = 26


# --- tenancy: a foreign id is a 404 on every page and partial --------------------------------------

CONVERSATION_GETS = [
    "conversation", "conversation_row", "conversation_timeline", "conversation_header",
    "conversation_composer", "customer_pane",
]  # fmt: skip
CONVERSATION_POSTS = [
    "conversation_send", "conversation_read", "conversation_unread", "conversation_follow",
    "conversation_mute", "conversation_status", "conversation_rating", "conversation_label",
    "conversation_order", "customer_note", "conversation_block",
]  # fmt: skip


def test_other_workspace_gets_404_for_every_inbox_url(
    client_for, charlie, conversation_a, conversation_b
):
    client = client_for(charlie)
    message = conversation_a.messages.get()
    for ws in ("shop-a", "shop-b"):  # A's pages, and A's ids inside charlie's own workspace
        for name in CONVERSATION_GETS:
            url = reverse(name, kwargs={"ws": ws, "pk": conversation_a.pk})
            assert client.get(url, **HX).status_code == 404, (ws, name)
        for name in CONVERSATION_POSTS:
            url = reverse(name, kwargs={"ws": ws, "pk": conversation_a.pk})
            assert client.post(url, {"text": "x", "status": "closed"}, **HX).status_code == 404
        url = reverse(
            "conversation_message",
            kwargs={"ws": ws, "pk": conversation_a.pk, "message_pk": message.pk},
        )
        assert client.get(url, **HX).status_code == 404
        url = reverse(
            "comment_action",
            kwargs={"ws": ws, "pk": conversation_a.pk, "message_pk": message.pk, "action": "like"},
        )
        assert client.post(url, **HX).status_code == 404
    for name in ("inbox", "inbox_list", "inbox_counts", "my_customers", "blocked_customers",
                 "label_settings"):  # fmt: skip
        assert client.get(reverse(name, kwargs={"ws": "shop-a"}), **HX).status_code == 404
    # charlie's own workspace works and never shows A's conversations
    response = client.get(reverse("inbox", kwargs={"ws": "shop-b"}))
    assert response.status_code == 200
    assert rows(response) == [conversation_b.pk]


def test_other_workspace_row_and_message_ids_404_inside_own_conversation(
    client_for, charlie, conversation_a, conversation_b
):
    """A's message id, asked for through charlie's own conversation, is still a 404."""
    client = client_for(charlie)
    foreign = conversation_a.messages.get()
    url = reverse(
        "conversation_message",
        kwargs={"ws": "shop-b", "pk": conversation_b.pk, "message_pk": foreign.pk},
    )
    assert client.get(url, **HX).status_code == 404
    label = Label.objects.create(workspace=conversation_a.workspace, name="A only")
    response = client.post(
        reverse("conversation_label", kwargs={"ws": "shop-b", "pk": conversation_b.pk}),
        {"label": label.pk},
        **HX,
    )
    assert response.status_code == 422
    assert not conversation_b.labels.exists()


def test_anonymous_visitor_is_sent_to_login(client, conversation_a):
    response = client.get(reverse("inbox", kwargs={"ws": "shop-a"}))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_row_shows_the_customers_picture_when_there_is_one(client, alice, page_a):
    conversation = make_conversation(page_a, "7009", "Chị Hà")
    Customer.objects.filter(pk=conversation.customer_id).update(
        avatar_url="https://cdn.example/ha.jpg"
    )
    client.force_login(alice)
    html = client.get("/w/shop-a/").content.decode()
    assert 'class="avatar-img" src="https://cdn.example/ha.jpg"' in html
