"""Unread is each person's own: one agent reading a conversation leaves it unread for the
others; the list's badge, the unread filter and the unread count follow the reader's marker;
"unanswered" stays the team's."""

import re
from datetime import timedelta
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from conversations.models import ReadMarker
from conversations.services import inbound, read_state
from conversations.services.blocking import customer_block

HX = {"HTTP_HX_REQUEST": "true"}


def list_html(client, **query) -> str:
    url = reverse("inbox_list", kwargs={"ws": "shop-a"})
    return client.get(url + ("?" + urlencode(query) if query else ""), **HX).content.decode()


def listed(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'<li id="conv-(\d+)"', html)}


def badge(html: str, pk: int) -> str | None:
    """The unread number shown on the row of `pk`, None without a badge."""
    row = re.search(rf'<li id="conv-{pk}".*?</li>', html, re.S).group(0)
    found = re.search(r'<span class="count">(\d+)</span>', row)
    return found.group(1) if found else None


def customer_writes(page, conversation, n: int, *, start: int = 2):
    for i in range(start, start + n):
        inbound.message_record_inbound(
            channel_account=page, contact_external_id=conversation.contact.external_id,
            external_id=f"m_{conversation.pk}_{i}", sent_at=timezone.now() + timedelta(seconds=i),
            text=f"Tin thứ {i}",
        )  # fmt: skip


def open_conversation(client, conversation):
    url = reverse("conversation", kwargs={"ws": "shop-a", "pk": conversation.pk})
    assert client.get(url).status_code == 200


def test_reading_is_the_readers_own(client, bob, alice, page_a, conversation_a):
    customer_writes(page_a, conversation_a, 2)  # three customer messages in all
    client.force_login(bob)
    assert badge(list_html(client), conversation_a.pk) == "3"
    open_conversation(client, conversation_a)
    bob_list = list_html(client)
    assert badge(bob_list, conversation_a.pk) is None
    assert 'id="count-unread" hx-swap-oob="true"></b>' in bob_list  # zero shows nothing
    assert listed(list_html(client, read="unread")) == set()
    assert listed(list_html(client, read="read")) == {conversation_a.pk}

    client.force_login(alice)  # alice has read nothing: it is unread for her, all three
    alice_list = list_html(client)
    assert badge(alice_list, conversation_a.pk) == "3"
    assert 'id="count-unread" hx-swap-oob="true">1<' in alice_list
    assert listed(list_html(client, read="unread")) == {conversation_a.pk}
    # "Unanswered" is the team's: nobody answered, for either of them.
    assert listed(list_html(client, unanswered=1)) == {conversation_a.pk}


def test_a_new_message_is_unread_again_and_counted_from_the_marker(
    client, bob, page_a, conversation_a
):
    client.force_login(bob)
    open_conversation(client, conversation_a)
    customer_writes(page_a, conversation_a, 2)
    assert badge(list_html(client), conversation_a.pk) == "2"  # only what came after
    assert listed(list_html(client, read="unread")) == {conversation_a.pk}


def test_reading_writes_once_and_tells_only_the_readers_browsers(
    bob, alice, conversation_a, capture_events
):
    assert read_state.conversation_mark_read(conversation=conversation_a, user=bob)
    assert not read_state.conversation_mark_read(conversation=conversation_a, user=bob)
    pushes = capture_events.pushes
    assert [p["reason"] for _g, p in pushes if p.get("event") == "user.nudge"] == ["read"]
    group, payload = next((g, p) for g, p in pushes if p.get("reason") == "read")
    assert group.endswith(f".u{bob.pk}")
    assert (payload["conversation_id"], payload["seen"], payload["total"]) == (
        conversation_a.pk, 1, 1,
    )  # fmt: skip
    assert "read" not in capture_events.reasons()  # nobody else's list changes
    assert not ReadMarker.objects.filter(user=alice).exists()


def test_opening_a_read_conversation_with_no_counted_message_stores_nothing(bob, conversation_a):
    type(conversation_a).objects.filter(pk=conversation_a.pk).update(unread_count=0)
    assert not read_state.conversation_mark_read(conversation=conversation_a, user=bob)
    assert not ReadMarker.objects.exists()


def test_mark_unread_is_for_the_one_who_asked(client, bob, alice, conversation_a):
    client.force_login(bob)
    open_conversation(client, conversation_a)
    client.force_login(alice)
    open_conversation(client, conversation_a)
    client.force_login(bob)
    url = reverse("conversation_unread", kwargs={"ws": "shop-a", "pk": conversation_a.pk})
    assert client.post(url, **HX).status_code == 200
    assert badge(list_html(client), conversation_a.pk) == "1"
    client.force_login(alice)
    assert badge(list_html(client), conversation_a.pk) is None
    # Opening it again reads it to the end.
    client.force_login(bob)
    open_conversation(client, conversation_a)
    assert badge(list_html(client), conversation_a.pk) is None


def test_the_row_for_a_push_carries_no_reader_and_the_own_row_does(client, bob, conversation_a):
    from conversations.live import Render, render_fragments

    render = Render(conversation_a.workspace_id, conversation_a.pk)
    pushed = render_fragments([render])[render]["row"]
    assert 'data-seen=""' in pushed and 'data-total="1"' in pushed
    assert 'class="count"' not in pushed  # each browser works its own badge out
    client.force_login(bob)
    url = reverse("conversation_row", kwargs={"ws": "shop-a", "pk": conversation_a.pk})
    own = client.get(url, **HX).content.decode()
    assert 'data-seen="0"' in own and '<span class="count">1</span>' in own
    open_conversation(client, conversation_a)
    own = client.get(url, **HX).content.decode()
    assert 'data-seen="1"' in own and 'class="count"' not in own


def test_a_blocked_customer_is_unread_for_nobody(client, bob, alice, conversation_a):
    customer_block(conversation=conversation_a, user=alice)
    client.force_login(bob)
    html = list_html(client, blocked=1)
    assert conversation_a.pk in listed(html) and badge(html, conversation_a.pk) is None
