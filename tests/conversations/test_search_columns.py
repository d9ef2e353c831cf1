"""The stored search columns (migration 0003): PostgreSQL writes `Message.search_text` and
`Customer.search_document` on every write path, so the search never misses a row and never
unaccents at query time."""

import io

from django.core.management import call_command
from django.db import connection
from django.db.models import F, Q
from django.utils import timezone

from conversations import selectors
from conversations.models import Customer, CustomerSearchDocument, Message, Unaccented
from conversations.services import actions, inbound_batch, messages
from tests.conversations.inbox_data import add_messages
from tests.factories import make_conversation


def stale(model, column: str, expression):
    """Rows whose stored column is not what the expression computes now."""
    return model.objects.annotate(expected=expression).filter(
        Q(**{f"{column}__isnull": True}) | ~Q(**{column: F("expected")})
    )


def test_message_search_text_on_every_write_path(page_a, conversation_a, bob):
    now = timezone.now()
    inbound = messages.message_record_inbound(  # the raw INSERT … ON CONFLICT of _insert
        channel_account=page_a, contact_external_id="psid-search", external_id="m_search_1",
        sent_at=now, text="Chị ĐẶNG Thị Ánh hỏi: CÒN HÀNG không?",
    )  # fmt: skip
    echo = messages.message_record_echo(  # _insert too, outbound
        channel_account=page_a, contact_external_id="psid-search", external_id="m_search_2",
        sent_at=now, text="Dạ còn ạ, đủ size",
    )  # fmt: skip
    [batched] = inbound_batch.messages_record_inbound_batch(  # the drain's chunked INSERT
        [inbound_batch.Inbound(channel_account=page_a, contact_external_id="psid-a-1",
                               external_id="m_search_3", sent_at=now, text="Còn MÀU đỏ?")]
    )  # fmt: skip
    note = actions.conversation_note_add(conversation=conversation_a, user=bob, text="Khách quen")
    add_messages(conversation_a, 3)  # bulk_create
    assert Message.objects.get(pk=inbound.pk).search_text == (
        "chi dang thi anh hoi: con hang khong?"
    )
    assert Message.objects.get(pk=echo.pk).search_text == "da con a, du size"
    assert Message.objects.get(pk=batched.pk).search_text == "con mau do?"
    assert Message.objects.get(pk=note.pk).search_text == "khach quen"
    assert Message.objects.count() == 8
    assert not stale(Message, "search_text", Unaccented("text")).exists()


def test_message_search_text_follows_an_edit(page_a):
    conversation = make_conversation(page_a, "psid-edit", "Lê Hoa", text="Xin chào")
    Message.objects.filter(conversation=conversation).update(text="Đổi size giúp em")
    found = selectors.message_matches(workspace=page_a.workspace, q="doi size")
    assert [m.conversation_id for m in found] == [conversation.pk]
    assert not selectors.message_matches(workspace=page_a.workspace, q="xin chao").exists()


def test_customer_search_document_follows_every_change(page_a):
    conversation = make_conversation(page_a, "psid-doc", "Nguyễn Văn A")
    customer = Customer.objects.get(pk=conversation.customer_id)
    assert customer.search_document == "nguyen van a  "  # name, phones, e-mails
    Customer.objects.filter(pk=customer.pk).update(
        name="Đỗ Đức Dũng", phones=["+84912345678"], emails=["Dung@Example.vn"]
    )
    customer.refresh_from_db()
    assert customer.search_document == "do duc dung +84912345678 dung@example.vn"
    customer.name = "Trần Thị B"
    customer.save()
    workspace = page_a.workspace
    assert list(selectors.customer_matches(workspace=workspace, q="tran thi")) == [customer]
    assert list(selectors.customer_matches(workspace=workspace, q="0912 345 678")) == [customer]
    assert not selectors.customer_matches(workspace=workspace, q="do duc").exists()
    assert not stale(Customer, "search_document", CustomerSearchDocument()).exists()


def test_bulk_seed_copy_fills_the_search_columns(db):
    """The benchmark generator COPies rows; PostgreSQL computes the columns during the COPY,
    and the generator merges the GIN pending lists so a benchmark reads settled indexes."""
    call_command("seed_demo", conversations=30, messages_per=4, workspace="bench-search",
                 stdout=io.StringIO(), verbosity=0)  # fmt: skip
    assert Message.objects.filter(workspace__slug="bench-search").count() == 120
    assert not stale(Message, "search_text", Unaccented("text")).exists()
    assert not stale(Customer, "search_document", CustomerSearchDocument()).exists()
    with connection.cursor() as cursor:  # pages still pending are merged (and counted) here
        cursor.execute(
            "SELECT gin_clean_pending_list('message_text_trgm'::regclass), "
            "gin_clean_pending_list('customer_search_trgm'::regclass)"
        )
        assert cursor.fetchone() == (0, 0)
