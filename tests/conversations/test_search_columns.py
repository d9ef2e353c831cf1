"""The stored search columns (migrations 0003 and 0006): PostgreSQL writes
`Message.search_words` and `Customer.search_document` on every write path, so the search never
misses a row and never unaccents at query time; what the words match, and that a workspace's
words never match another's."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from conversations.models import (
    Customer,
    CustomerSearchDocument,
    MatchesWords,
    Message,
    SearchWords,
)
from conversations.selectors.search import customer_matches, message_matches
from conversations.services import inbound, inbound_batch, notes
from tests.conversations.inbox_data import add_messages
from tests.factories import make_channel_account, make_conversation, make_workspace


def stale(model, column: str, expression):
    """Rows whose stored column is not what the expression computes now (compared as text:
    `=` on a tsvector column would mean "matches" to Django)."""
    return model.objects.annotate(
        stored=Cast(F(column), TextField()), expected=Cast(expression, TextField())
    ).filter(Q(stored__isnull=True) | ~Q(stored=F("expected")))


def words(message) -> list[str]:
    """The stored words of a message, without the workspace prefix."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT array_agg(lexeme ORDER BY positions[1]) "
            "FROM conversations_message, unnest(search_words) WHERE id = %s",
            [message.pk],
        )
        prefix = f"w{message.workspace_id}x"
        return [word.removeprefix(prefix) for word in cursor.fetchone()[0] or []]


def test_message_search_words_on_every_write_path(page_a, conversation_a, bob):
    now = timezone.now()
    received = inbound.message_record_inbound(  # the raw INSERT … ON CONFLICT of _insert
        channel_account=page_a, contact_external_id="psid-search", external_id="m_search_1",
        sent_at=now, text="Chị ĐẶNG Thị Ánh hỏi: CÒN HÀNG không?",
    )  # fmt: skip
    echo = inbound.message_record_echo(  # _insert too, outbound
        channel_account=page_a, contact_external_id="psid-search", external_id="m_search_2",
        sent_at=now, text="Dạ còn ạ, đủ size",
    )  # fmt: skip
    [batched] = inbound_batch.messages_record_inbound_batch(  # the drain's chunked INSERT
        [inbound_batch.Inbound(channel_account=page_a, contact_external_id="psid-a-1",
                               external_id="m_search_3", sent_at=now, text="Còn MÀU đỏ?")]
    )  # fmt: skip
    note = notes.conversation_note_add(conversation=conversation_a, user=bob, text="Khách quen")
    add_messages(conversation_a, 3)  # bulk_create
    assert words(received) == ["chi", "dang", "thi", "anh", "hoi", "con", "hang", "khong"]
    assert words(echo) == ["da", "con", "a", "du", "size"]
    assert words(batched) == ["con", "mau", "do"]
    assert words(note) == ["khach", "quen"]
    assert Message.objects.count() == 8
    assert not stale(Message, "search_words", SearchWords()).exists()


def test_message_search_words_follow_an_edit(page_a):
    conversation = make_conversation(page_a, "psid-edit", "Lê Hoa", text="Xin chào")
    Message.objects.filter(conversation=conversation).update(text="Đổi size giúp em")
    found = message_matches(workspace=page_a.workspace, q="doi size")
    assert [m.conversation_id for m in found] == [conversation.pk]
    assert not message_matches(workspace=page_a.workspace, q="xin chao").exists()


@pytest.mark.parametrize(
    "query, found",
    [
        ("con hang khong", True),  # accents and case ignored
        ("CÒN HÀNG, KHÔNG!!", True),  # punctuation too
        ("hàng không", True),  # a phrase inside the message
        ("không hàng", False),  # words out of order
        ("con khong", False),  # not next to each other
        ("kho", False),  # a short last word must be whole
        ("còn hàng khôn", True),  # the last word's start, from 4 letters: search as you type
        ("size", True),  # a word of the attachment-free English mix
        ("siz", False),
        ("0912", True),  # digits typed as the start of a number
        ("0912 345", False),  # a number is one word
        ("ship", False),
    ],
)
def test_message_words_match_whole_words_in_order(page_a, query, found):
    conversation = make_conversation(
        page_a, "psid-words", "Khách", text="Shop ơi, còn hàng không? Size M, sđt 0912345678"
    )
    matches = message_matches(workspace=page_a.workspace, q=query)
    assert list(matches.values_list("conversation_id", flat=True)) == (
        [conversation.pk] if found else []
    )


def test_a_workspace_never_matches_another_workspaces_words(page_a):
    """The workspace is inside every indexed word: even without the workspace filter, a
    query built for one workspace cannot match the other's messages."""
    mine = make_conversation(page_a, "psid-mine", "A", text="Còn hàng không?")
    other_workspace = make_workspace("Shop B", "shop-b-words")
    other_page = make_channel_account(other_workspace, "facebook", "9009", "B page")
    make_conversation(other_page, "psid-other", "B", text="Còn hàng không?")
    unscoped = Message.objects.filter(MatchesWords(workspace_id=page_a.workspace.pk, q="con hang"))
    assert list(unscoped.values_list("conversation_id", flat=True)) == [mine.pk]


def test_customer_search_document_follows_every_change(page_a):
    conversation = make_conversation(page_a, "psid-doc", "Nguyễn Văn A")
    customer = Customer.objects.get(pk=conversation.customer_id)
    assert customer.search_document == "nguyen van a   "  # name, phones (two forms), e-mails
    Customer.objects.filter(pk=customer.pk).update(
        name="Đỗ Đức Dũng", phones=["+84912345678"], emails=["Dung@Example.vn"]
    )
    customer.refresh_from_db()
    assert customer.search_document == "do duc dung +84912345678 0912345678 dung@example.vn"
    customer.name = "Trần Thị B"
    customer.save()
    workspace = page_a.workspace
    assert list(customer_matches(workspace=workspace, q="tran thi")) == [customer]
    assert not customer_matches(workspace=workspace, q="do duc").exists()
    assert not stale(Customer, "search_document", CustomerSearchDocument()).exists()


@pytest.mark.parametrize(
    "query", ["0912 345 678", "0912345678", "0912", "+84 912 345 678", "84912", "345.678"]
)
def test_customer_phone_found_the_way_agents_type_it(page_a, query):
    conversation = make_conversation(page_a, "psid-phone", "Lan")
    Customer.objects.filter(pk=conversation.customer_id).update(phones=["+84912345678"])
    found = customer_matches(workspace=page_a.workspace, q=query)
    assert list(found.values_list("pk", flat=True)) == [conversation.customer_id]
    assert not customer_matches(workspace=page_a.workspace, q="0913").exists()


def test_bulk_seed_copy_fills_the_search_columns(db):
    """The benchmark generator COPies rows; PostgreSQL computes the columns during the COPY,
    and the generator merges the GIN pending lists so a benchmark reads settled indexes."""
    call_command("seed_demo", conversations=30, messages_per=4, workspace="bench-search",
                 stdout=io.StringIO(), verbosity=0)  # fmt: skip
    assert Message.objects.filter(workspace__slug="bench-search").count() == 120
    assert not stale(Message, "search_words", SearchWords()).exists()
    assert not stale(Customer, "search_document", CustomerSearchDocument()).exists()
    with connection.cursor() as cursor:  # pages still pending are merged (and counted) here
        cursor.execute(
            "SELECT gin_clean_pending_list('message_words'::regclass), "
            "gin_clean_pending_list('customer_search_trgm'::regclass)"
        )
        assert cursor.fetchone() == (0, 0)
