"""A blocked customer is silenced, from the webhook on: their message is stored (and shown in
the blocked view) but is not pushed to agents, adds no unread, is not routed or assigned and
gets no automatic reply; unblocking needs a reason, is recorded, and routing resumes."""

from datetime import UTC, datetime, timedelta

import pytest

from channels_app.models import WebhookEvent
from channels_app.services import ingest
from conversations import events
from conversations.models import Conversation, Message, MessageKind
from conversations.selectors.counts import inbox_counts
from conversations.selectors.filters import InboxFilters
from conversations.selectors.rows import conversation_list_page
from conversations.services import blocking, outbound
from inbox_project.errors import ApplicationError
from routing.models import AssignmentChange, ChannelAgent
from tests.channels_app.meta import deliver, encode, fixture, post
from tests.factories import make_conversation
from tests.routing.conftest import configure, go_online, membership

pytestmark = pytest.mark.django_db
T = datetime.fromtimestamp(1795300000, tz=UTC)


def text_from(psid: str, mid: str, text: str, at: datetime) -> dict:
    data = fixture("facebook", "message_text")
    event = data["entry"][0]["messaging"][0]
    event["sender"]["id"] = psid
    event["timestamp"] = int(at.timestamp() * 1000)
    event["message"] = {"mid": mid, "text": text}
    return data


def drain_together(client, page, *bodies) -> None:
    """Store the webhooks, then run the drain's chunk (the batch path for open ones)."""
    for body in bodies:
        assert post(client, page, encode(body)).status_code == 200
    pairs = list(
        WebhookEvent.objects.filter(status="pending")
        .order_by("received_at", "id")
        .values_list("workspace_id", "pk")
    )
    with events.coalescing():
        assert ingest.webhook_events_process_chunk(pairs) == (len(pairs), set())


def one_by_one(client, page, *bodies) -> None:
    for body in bodies:
        assert deliver(client, page, body) == ["processed"]


PATHS = {"together": drain_together, "one_by_one": one_by_one}


@pytest.fixture
def round_robin(workspace_a, page_a, bob):
    """Round robin with bob online on the page's list: anything routable goes to bob."""
    configure(workspace_a, mode="round_robin", anti_steal_enabled=False)
    ChannelAgent.objects.create(
        workspace=workspace_a, channel_account=page_a, membership=membership(bob, workspace_a)
    )
    go_online(bob, workspace_a)


@pytest.fixture
def blocked(page_a, alice, round_robin) -> Conversation:
    """An open, unassigned, read conversation whose customer alice (an admin) blocked."""
    conversation = make_conversation(page_a, "psid-blocked", "Khách bị chặn", at=T)
    Conversation.objects.filter(pk=conversation.pk).update(unread_count=0)
    blocking.customer_block(conversation=conversation, user=alice)
    return conversation


@pytest.fixture
def other(page_a, round_robin) -> Conversation:
    """A customer nobody blocked, in the same kind of conversation."""
    conversation = make_conversation(page_a, "psid-other", "Khách thường", at=T)
    Conversation.objects.filter(pk=conversation.pk).update(unread_count=0)
    return conversation


def ids(rows) -> set[int]:
    return {c.pk for c in rows}


@pytest.mark.parametrize("path", PATHS)
def test_a_blocked_customers_message_is_stored_but_not_pushed_counted_or_routed(
    client, page_a, workspace_a, bob, blocked, other, pushes, path,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        PATHS[path](client, page_a,
                    text_from("psid-blocked", "m-blocked", "Chặn rồi vẫn nhắn", T + timedelta(1)),
                    text_from("psid-other", "m-other", "Còn hàng không?", T + timedelta(1)))  # fmt: skip

    stored = Message.objects.get(external_id="m-blocked")
    assert (stored.conversation_id, stored.text) == (blocked.pk, "Chặn rồi vẫn nhắn")
    blocked.refresh_from_db()
    assert blocked.unread_count == 0
    assert blocked.last_message_preview == "Chặn rồi vẫn nhắn"  # shown in the blocked view
    assert blocked.assignee_id is None and blocked.status == "open"
    assert not AssignmentChange.objects.filter(conversation=blocked).exists()

    # The other customer's message is pushed (so the blocked one would have arrived first),
    # with its round-robin line; nothing at all names the blocked conversation.
    created = pushes.events("message.created", expect=2)
    inbound = [p for p in created if p.get("direction") == "in"]
    assert [(p["conversation_id"], p["assignee_id"]) for p in inbound] == [(other.pk, bob.pk)]
    assert blocked.pk not in {p["conversation_id"] for p in pushes.received}
    other.refresh_from_db()
    assert (other.unread_count, other.assignee_id) == (1, bob.pk)

    counts = inbox_counts(workspace=workspace_a, user=bob)
    assert counts == {"unread": 1, "mine": 1, "unassigned": 0}
    normal = conversation_list_page(
        workspace=workspace_a, user=bob, filters=InboxFilters(status="")
    )
    assert ids(normal.rows) == {other.pk}
    searched = conversation_list_page(
        workspace=workspace_a, user=bob, filters=InboxFilters(status="", q="Chặn rồi")
    )
    assert ids(searched.rows) == set()
    view = conversation_list_page(
        workspace=workspace_a, user=bob, filters=InboxFilters(status="", blocked=True)
    )
    assert ids(view.rows) == {blocked.pk}


def test_a_blocked_customers_closed_conversation_is_not_reopened(
    client, page_a, alice, round_robin, pushes, django_capture_on_commit_callbacks
):
    conversation = make_conversation(page_a, "psid-closed", "Khách cũ", at=T)
    Conversation.objects.filter(pk=conversation.pk).update(status="closed", unread_count=0)
    blocking.customer_block(conversation=conversation, user=alice)
    with django_capture_on_commit_callbacks(execute=True):
        one_by_one(client, page_a, text_from("psid-closed", "m-late", "Alo", T + timedelta(1)))
    conversation.refresh_from_db()
    assert Message.objects.filter(conversation=conversation, external_id="m-late").exists()
    assert (conversation.status, conversation.assignee_id, conversation.unread_count) == (
        "closed", None, 0,
    )  # fmt: skip
    assert pushes.events("message.created", expect=0) == []


def test_no_automatic_reply_goes_to_a_blocked_customer(blocked):
    with pytest.raises(ApplicationError) as refused:
        outbound.message_send(
            conversation=blocked, author=None, text="Cảm ơn bạn!", automated=True, now=T
        )
    assert refused.value.code == "blocked"
    assert not Message.objects.filter(conversation=blocked, direction="out", kind="inbox").exists()


def test_unblocking_needs_a_reason(blocked, alice):
    for reason in ("", "   "):
        with pytest.raises(ApplicationError) as refused:
            blocking.customer_unblock(
                customer=blocked.customer, user=alice, reason=reason, conversation=blocked
            )
        assert refused.value.code == "unblock_reason"
    blocked.customer.refresh_from_db()
    assert blocked.customer.is_blocked
    assert not Message.objects.filter(meta__event="unblocked").exists()


def test_unblocking_is_recorded_and_new_messages_behave_normally_again(
    client, page_a, workspace_a, alice, bob, blocked, pushes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        blocking.customer_unblock(
            customer=blocked.customer, user=alice, reason="  Khách   xin lỗi, chặn nhầm ",
            conversation=blocked,
        )  # fmt: skip
    customer = blocked.customer
    customer.refresh_from_db()
    assert not customer.is_blocked
    assert (customer.unblocked_by, customer.unblock_reason) == (alice, "Khách xin lỗi, chặn nhầm")
    assert customer.unblocked_at is not None
    line = Message.objects.get(
        conversation=blocked, kind=MessageKind.SYSTEM, meta__event="unblocked"
    )
    assert line.meta["reason"] == "Khách xin lỗi, chặn nhầm"
    assert line.meta["actor_id"] == alice.pk
    assert "Khách xin lỗi, chặn nhầm" in line.text
    pushes.events("message.created", expect=1)  # the system line itself
    pushes.received.clear()

    with django_capture_on_commit_callbacks(execute=True):
        one_by_one(client, page_a, text_from("psid-blocked", "m-back", "Mình quay lại", T + timedelta(2)))  # fmt: skip
    blocked.refresh_from_db()
    assert (blocked.unread_count, blocked.assignee_id) == (1, bob.pk)
    assert AssignmentChange.objects.filter(conversation=blocked, reason="auto_assigned").exists()
    created = pushes.events("message.created", expect=1)
    assert any(p["conversation_id"] == blocked.pk and p["direction"] == "in" for p in created)
    assert inbox_counts(workspace=workspace_a, user=bob)["unread"] == 1
