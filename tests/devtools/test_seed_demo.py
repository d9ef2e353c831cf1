"""`manage.py seed_demo`: the demo workspace and the fast benchmark generator.

The denormalised conversation fields are recomputed here from the stored messages, with the
rules written out again (not imported), so a generator bug cannot hide behind shared code.
"""

import io
import re
from collections import Counter, defaultdict
from datetime import timedelta

import phonenumbers
import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Membership, User, Workspace
from channels_app.models import ChannelAccount
from conversations.models import (
    Contact,
    Conversation,
    ConversationLabel,
    Customer,
    CustomerNote,
    Label,
    Message,
    Order,
    QuickReply,
)
from devtools.demo.builder import demo_conversations_build
from devtools.demo.people import DEMO_PASSWORD, DEMO_USERS, DEMO_WORKSPACE_SLUG
from devtools.demo.workspace import demo_workspace_ensure
from routing.models import AssignmentChange

OUTCOME_OF_ORDER = {"closed": "ordered", "received": "received", "returned": "returned"}
MODELS = [Workspace, User, Membership, ChannelAccount, Label, QuickReply, Customer, Contact,
          Conversation, Message, ConversationLabel, Order, CustomerNote]  # fmt: skip


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, stderr=io.StringIO(), verbosity=0, **options)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def expected_fields(messages: list[Message]) -> dict:
    """What a conversation's list fields must say, given its messages."""
    visible = sorted((m for m in messages if m.kind in ("inbox", "comment")),
                     key=lambda m: (m.sent_at, m.pk))  # fmt: skip
    last = visible[-1]
    if last.text:
        preview = " ".join(last.text.split())[:200]
    else:
        preview = {"image": "[Image]"}[last.attachments[0]["type"]]
    inbox_in = [m.sent_at for m in visible if m.direction == "in" and m.kind == "inbox"]
    out = [m for m in visible if m.direction == "out"]
    human_out = [m.sent_at for m in out if not m.is_automated]
    waiting = [
        m for m in visible if m.direction == "in" and (not human_out or m.sent_at > human_out[-1])
    ]
    return {
        "last_message_at": last.sent_at,
        "last_message_preview": preview,
        "last_message_direction": last.direction,
        "last_inbound_at": inbox_in[-1] if inbox_in else None,
        "last_outbound_at": out[-1].sent_at if out else None,
        "max_unread": len(waiting),
    }


def assert_consistent(conversations) -> None:
    """Every conversation's denormalised fields agree with its messages."""
    by_conversation = defaultdict(list)
    for message in Message.objects.filter(conversation__in=conversations):
        by_conversation[message.conversation_id].append(message)
    for conv in conversations:
        messages = by_conversation[conv.pk]
        assert messages, f"conversation {conv.pk} has no messages"
        expected = expected_fields(messages)
        for name in ("last_message_at", "last_message_preview", "last_message_direction",
                     "last_inbound_at", "last_outbound_at"):  # fmt: skip
            assert getattr(conv, name) == expected[name], (conv.pk, name)
        assert conv.unread_count <= expected["max_unread"], conv.pk
        if conv.status != "open":
            assert conv.unread_count == 0, conv.pk
            assert conv.closed_at is not None and conv.closed_at >= conv.last_message_at
        assert conv.created_at == min(m.sent_at for m in messages), conv.pk
        assert (conv.assignee_id is None) == (conv.claimed_at is None), conv.pk


# --- the demo workspace ---------------------------------------------------------------------


@pytest.fixture
def demo(db):
    output = seed()
    return Workspace.objects.get(slug=DEMO_WORKSPACE_SLUG), output


def test_demo_workspace_people_and_channels(demo):
    workspace, output = demo
    assert (workspace.name, workspace.time_zone, workspace.language) == (
        "Shop demo", "Asia/Ho_Chi_Minh", "vi",
    )  # fmt: skip
    assert "300 conversations" in output

    members = Membership.objects.filter(workspace=workspace).select_related("user")
    assert sorted((m.user.email, m.role, m.user.full_name) for m in members) == sorted(DEMO_USERS)
    assert all(m.user.check_password(DEMO_PASSWORD) for m in members)

    accounts = ChannelAccount.objects.filter(workspace=workspace)
    assert Counter(a.kind for a in accounts) == {
        "facebook": 3, "zalo": 1, "shopee": 1, "email": 1,
    }  # fmt: skip
    for account in accounts:
        secrets = account.credentials  # decrypts with the configured key
        assert secrets and all(secrets.values())
        assert not any(str(v) in account.credentials_encrypted for v in secrets.values())
    assert len({a.external_id for a in accounts}) == 6

    shortcuts = set(
        QuickReply.objects.filter(workspace=workspace).values_list("shortcut", flat=True)
    )
    assert len(shortcuts) >= 12 and {"chao", "gia", "ship", "doitra", "stk"} <= shortcuts
    for page in accounts.filter(kind="facebook"):
        names = set(Label.objects.filter(channel_account=page).values_list("name", flat=True))
        assert {"Đã chốt", "Hỏi giá", "Đổi trả", "Ship COD", "Khách sỉ"} <= names


def test_demo_conversations_are_consistent_and_varied(demo):
    workspace, _ = demo
    now = timezone.now()
    conversations = list(Conversation.objects.filter(workspace=workspace))
    assert len(conversations) == 300
    assert_consistent(conversations)

    statuses = Counter(c.status for c in conversations)
    assert set(statuses) == {"open", "closed", "archived"}
    assert min(statuses.values()) >= 30
    open_ = [c for c in conversations if c.status == "open"]
    assert any(c.assignee_id for c in open_) and any(not c.assignee_id for c in open_)
    unread = [c for c in open_ if c.unread_count]
    assert len(unread) >= 20
    assert all(c.last_message_direction == "in" for c in unread)

    # Spread over the last ten days, none in the future.
    times = [c.last_message_at for c in conversations]
    assert max(times) <= now and min(times) >= now - timedelta(days=11)
    assert max(times) - min(times) > timedelta(days=7)
    assert Message.objects.filter(workspace=workspace, sent_at__gt=now).count() == 0

    # Assignees are the workspace's people; conversations spread over the agents.
    members = set(Membership.objects.filter(workspace=workspace).values_list("user_id", flat=True))
    assignees = Counter(c.assignee_id for c in conversations if c.assignee_id)
    assert set(assignees) <= members and len(assignees) >= 4


def test_demo_messages_look_like_the_providers_sent_them(demo):
    workspace, _ = demo
    messages = Message.objects.filter(workspace=workspace)
    kinds = Counter(messages.values_list("kind", flat=True))
    assert kinds["inbox"] > 1500 and kinds["comment"] >= 20
    assert kinds["note"] >= 10 and kinds["system"] >= 300

    assert not messages.filter(kind__in=["note", "system"], external_id__isnull=False).exists()
    assert not messages.filter(kind__in=["inbox", "comment"], external_id__isnull=True).exists()
    assert not messages.filter(kind__in=["inbox", "comment"], external_id="").exists()
    facebook_in = messages.filter(kind="inbox", channel_account__kind="facebook")
    assert all(ext.startswith("m_") for ext in facebook_in.values_list("external_id", flat=True))

    outbound = messages.filter(kind__in=["inbox", "comment"], direction="out")
    assert set(outbound.values_list("delivery_status", flat=True)) == {"sent", "delivered", "read"}
    assert not messages.filter(direction="in").exclude(delivery_status="").exists()
    human = outbound.filter(is_automated=False, author_label="")
    assert not human.filter(author__isnull=True).exists()  # agents sign their answers

    for comment in messages.filter(kind="comment"):
        assert comment.channel_account.kind == "facebook"
        assert {"post_id", "comment_id", "post_url"} <= set(comment.meta)
        assert comment.meta["comment_id"] == comment.external_id
        assert comment.meta["post_url"].startswith("https://www.facebook.com/")

    events = Counter(m.meta.get("event") for m in messages.filter(kind="system"))
    assert {"assignment", "label_added", "closed", "order_created"} <= set(events)
    reasons = Counter(
        m.meta["reason"] for m in messages.filter(kind="system", meta__event="assignment")
    )
    assert {"claimed", "auto_assigned", "admin_assigned"} <= set(reasons)
    claimed = messages.filter(kind="system", meta__reason="claimed").first()
    assert claimed.text.endswith("đã tiếp nhận khách hàng này")
    # Vietnamese customer chat, not lorem ipsum.
    texts = " ".join(messages.filter(direction="in", kind="inbox").values_list("text", flat=True))
    for phrase in ("size", "ship", "COD", "còn hàng", "đổi", "đơn"):
        assert phrase in texts


def test_demo_photos_are_stored_pictures_a_member_can_open(demo, client):
    """The customers' photos load offline: each has a stored PNG copy, served to members."""
    workspace, _ = demo
    photos = [a for m in Message.objects.filter(workspace=workspace, direction="in")
              for a in m.attachments if a.get("type") == "image"]  # fmt: skip
    assert len(photos) >= 10
    stored = {a["stored_path"] for a in photos}
    assert all(p.startswith(f"attachments/{workspace.pk}/demo/") for p in stored)
    assert len(stored) > 1  # not one picture for everyone
    client.force_login(User.objects.get(email=DEMO_USERS[0][0]))
    response = client.get("/media/" + sorted(stored)[0])
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG\r\n\x1a\n")


def test_demo_customers_phones_and_returning(demo):
    workspace, _ = demo
    customers = Customer.objects.filter(workspace=workspace).prefetch_related("conversations")
    with_phone = [c for c in customers if c.phones]
    assert len(with_phone) >= 30
    for customer in with_phone:
        said = "".join(
            re.sub(r"\D", "", text)
            for text in Message.objects.filter(
                conversation__customer=customer, direction="in"
            ).values_list("text", flat=True)
        )
        for phone in customer.phones:
            number = phonenumbers.parse(phone)
            assert phone.startswith("+84") and phonenumbers.is_valid_number(number), phone
            assert str(number.national_number) in said, (customer.pk, phone)

    several = [c for c in customers if c.conversations.count() > 1]
    assert len(several) >= 30
    across = [
        c for c in several if len({conv.channel_account_id for conv in c.conversations.all()}) > 1
    ]
    assert across, "some customers come back on another channel"
    assert all(Contact.objects.filter(customer=c).count() > 1 for c in across)
    for customer in several:
        convs = sorted(customer.conversations.all(), key=lambda c: c.created_at)
        assert [c.is_returning for c in convs] == [False] + [True] * (len(convs) - 1)
    singles = [c for c in customers if c.conversations.count() == 1]
    assert not any(c.conversations.get().is_returning for c in singles)

    emails = Customer.objects.filter(workspace=workspace).exclude(emails=[])
    assert emails.exists() and all("@" in e for c in emails for e in c.emails)
    assert CustomerNote.objects.filter(workspace=workspace).count() >= 3


def test_demo_orders_and_labels(demo):
    workspace, _ = demo
    orders = Order.objects.filter(workspace=workspace).select_related("conversation")
    assert orders.count() >= 30
    assert set(orders.values_list("status", flat=True)) == {"closed", "received", "returned"}
    for order in orders:
        assert order.items and order.amount_vnd == sum(
            item["quantity"] * item["price_vnd"] for item in order.items
        )
        assert all(set(item) == {"name", "quantity", "price_vnd"} for item in order.items)
        assert order.amount_vnd % 1000 == 0 and order.amount_vnd >= 45000  # whole VND prices
        assert order.conversation.outcome == OUTCOME_OF_ORDER[order.status]
        assert order.customer_id == order.conversation.customer_id
    with_outcome = Conversation.objects.filter(workspace=workspace).exclude(outcome="none")
    assert with_outcome.count() == orders.count()

    links = ConversationLabel.objects.filter(workspace=workspace).select_related(
        "conversation", "label"
    )
    assert links.count() >= 100
    for link in links:  # a fanpage's label set, or the workspace-wide one
        assert link.label.channel_account_id in (None, link.conversation.channel_account_id)
    names = Counter(link.label.name for link in links)
    assert {"Đã chốt", "Hỏi giá", "Đổi trả"} <= set(names)


def test_demo_second_run_changes_nothing(demo):
    before = counts()
    ids = set(Conversation.objects.values_list("pk", flat=True))
    output = seed()
    assert "already exists" in output
    assert counts() == before
    assert set(Conversation.objects.values_list("pk", flat=True)) == ids


def test_demo_reset_rebuilds_the_same_shape(demo):
    before = counts()
    seed(reset=True)
    assert counts() == before  # same seed: same numbers of every row


def fingerprint(workspace) -> list:
    """The demo's content, without ids or absolute times."""
    rows = []
    for conv in Conversation.objects.filter(workspace=workspace).order_by("pk"):
        messages = conv.messages.order_by("sent_at", "pk").values_list(
            "direction", "kind", "text", "author__email", "delivery_status"
        )
        rows.append((conv.status, conv.outcome, getattr(conv.assignee, "email", None),
                     conv.unread_count, conv.is_returning, conv.rating, conv.customer.name,
                     tuple(conv.customer.phones), tuple(messages)))  # fmt: skip
    return rows


def test_demo_content_does_not_depend_on_when_it_is_built(db):
    now = timezone.now()
    built = []
    for slug, at in (("det-a", now), ("det-b", now - timedelta(hours=7, minutes=13))):
        setup = demo_workspace_ensure(slug=slug, name=slug)
        demo_conversations_build(setup=setup, now=at, conversations=60)
        built.append(fingerprint(setup.workspace))
    assert len(built[0]) == 60
    assert built[0] == built[1]


# --- the benchmark generator ----------------------------------------------------------------


def test_bulk_generates_exactly_n_conversations_and_is_idempotent(db):
    output = seed(conversations=200, messages_per=5)
    workspace = Workspace.objects.get(slug="bench-200")
    assert "200 conversations" in output and "1,000 messages" in output
    conversations = list(Conversation.objects.filter(workspace=workspace))
    assert len(conversations) == 200
    assert Message.objects.filter(workspace=workspace).count() == 1000
    assert all(
        n == 5
        for n in Counter(
            Message.objects.filter(workspace=workspace).values_list("conversation_id", flat=True)
        ).values()
    )
    assert_consistent(conversations)

    # Same people and channel set as the demo, on the bench workspace's own provider ids.
    members = Membership.objects.filter(workspace=workspace)
    assert Counter(members.values_list("role", flat=True)) == {"owner": 1, "admin": 1, "agent": 4}
    assert User.objects.count() == len(DEMO_USERS)
    accounts = ChannelAccount.objects.filter(workspace=workspace)
    assert Counter(a.kind for a in accounts) == {"facebook": 3, "zalo": 1, "shopee": 1, "email": 1}

    statuses = Counter(c.status for c in conversations)
    assert set(statuses) == {"open", "closed", "archived"}
    assert any(c.assignee_id for c in conversations)
    assert any(c.unread_count for c in conversations)
    assert Customer.objects.filter(workspace=workspace).exclude(phones=[]).exists()
    messages = Message.objects.filter(workspace=workspace)
    assert not messages.filter(kind__in=["note", "system"], external_id__isnull=False).exists()
    assert not messages.filter(kind="inbox", external_id__isnull=True).exists()

    before = counts()
    output = seed(conversations=200, messages_per=5)
    assert "already has 200 conversations" in output
    assert counts() == before


def test_bulk_reset_and_top_up(db):
    seed(conversations=50, messages_per=3, workspace="bench-small")
    workspace = Workspace.objects.get(slug="bench-small")
    first_ids = set(Conversation.objects.filter(workspace=workspace).values_list("pk", flat=True))

    seed(conversations=50, messages_per=3, workspace="bench-small", reset=True)
    ids = set(Conversation.objects.filter(workspace=workspace).values_list("pk", flat=True))
    assert len(ids) == 50 and not ids & first_ids
    assert Message.objects.filter(workspace=workspace).count() == 150
    assert Contact.objects.filter(workspace=workspace).count() == 50

    seed(conversations=80, messages_per=3, workspace="bench-small")  # adds the missing 30
    assert Conversation.objects.filter(workspace=workspace).count() == 80
    assert Message.objects.filter(workspace=workspace).count() == 240
    assert_consistent(list(Conversation.objects.filter(workspace=workspace)))


def test_bulk_workspace_leaves_the_demo_alone(demo):
    workspace, _ = demo
    before = Conversation.objects.filter(workspace=workspace).count()
    seed(conversations=20, messages_per=2)
    assert Conversation.objects.filter(workspace=workspace).count() == before
    demo_ids = set(
        ChannelAccount.objects.filter(workspace=workspace).values_list("external_id", flat=True)
    )
    bench_ids = set(
        ChannelAccount.objects.filter(workspace__slug="bench-20").values_list(
            "external_id", flat=True
        )
    )
    assert len(bench_ids) == 6 and not demo_ids & bench_ids


def test_bulk_owner_history_and_days_feed_the_reports(db):
    """The bulk data carries what reports count: claims, transfers, timer releases, closings,
    orders (some returned) and labels, spread over --days days."""
    seed(conversations=600, messages_per=4, days=90, workspace="bench-history")
    workspace = Workspace.objects.get(slug="bench-history")
    conversations = {c.pk: c for c in Conversation.objects.filter(workspace=workspace)}
    history = defaultdict(list)
    for change in AssignmentChange.objects.filter(workspace=workspace).order_by("created_at", "pk"):
        history[change.conversation_id].append(change)
    assert set(history) <= set(conversations)

    first_messages = {}
    for conversation_id, sent_at in Message.objects.filter(workspace=workspace).values_list(
        "conversation_id", "sent_at"
    ):
        known = first_messages.get(conversation_id)
        first_messages[conversation_id] = min(known, sent_at) if known else sent_at
    reasons = Counter()
    for pk, conv in conversations.items():
        changes = history[pk]
        reasons.update(c.reason for c in changes)
        holders = [c for c in changes if c.reason != "closed"]
        if conv.assignee_id:  # claimed, perhaps by someone else who handed it over
            assert holders[0].reason == "claimed" and holders[0].from_user_id is None
            assert holders[-1].to_user_id == conv.assignee_id
            if len(holders) == 2:
                transfer = holders[1]
                assert transfer.reason == "transferred"
                assert transfer.from_user_id == holders[0].to_user_id != conv.assignee_id
                assert transfer.actor_id == transfer.from_user_id
        elif holders:  # claimed, then taken back by the timer
            assert [c.reason for c in holders] == ["claimed", "released_by_timer"]
            assert holders[1].to_user_id is None and holders[1].actor_id is None
        for change in holders:  # before the second message: replies are the holder's
            assert (
                first_messages[pk] < change.created_at <= first_messages[pk] + timedelta(seconds=60)
            )
        closings = [c for c in changes if c.reason == "closed"]
        if conv.status == "open":
            assert not closings
        else:
            assert len(closings) == 1 and closings[0].created_at == conv.closed_at
            assert closings[0].to_user_id == conv.assignee_id  # the last handler stays on it
    assert reasons["claimed"] and reasons["transferred"] and reasons["released_by_timer"]
    assert reasons["closed"]

    orders = Order.objects.filter(workspace=workspace)
    assert orders.filter(status="returned").exists() and orders.exclude(status="returned").exists()
    assert ConversationLabel.objects.filter(workspace=workspace).exists()
    now = timezone.now()
    created = sorted(c.created_at for c in conversations.values())
    assert created[0] < now - timedelta(days=80) and created[-1] > now - timedelta(days=3)
    assert created[0] > now - timedelta(days=91)
