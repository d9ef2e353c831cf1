"""Blocking in the pages: the panel says what blocking does and offers block / unblock only to
who may do it; blocked customers' conversations leave the inbox list and its counts for the
"Blocked" view; the blocked customers page unblocks with a reason, admins only."""

import pytest
from django.urls import reverse

from conversations.models import Conversation, Message
from conversations.services import blocking
from tests.factories import make_conversation

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def ws_url(name, **kwargs):
    return reverse(name, kwargs={"ws": "shop-a", **kwargs})


@pytest.fixture
def blocked(conversation_a, alice):
    blocking.customer_block(conversation=conversation_a, user=alice)
    conversation_a.customer.refresh_from_db()
    return conversation_a


def test_the_panel_explains_blocking_to_who_may_block(client_for, adam, conversation_a):
    page = client_for(adam).get(ws_url("customer_pane", pk=conversation_a.pk)).content.decode()
    assert 'data-testid="block"' in page and 'name="blocked" value="1"' in page
    assert 'data-testid="block-effects"' in page and "hx-confirm=" in page


def test_an_agent_who_may_not_act_is_offered_no_block_control(client_for, bob, blocked):
    page = client_for(bob).get(ws_url("customer_pane", pk=blocked.pk)).content.decode()
    assert 'data-testid="block"' not in page and 'name="reason"' not in page
    assert 'data-testid="block-effects"' in page  # still told what the block means
    refused = client_for(bob).post(
        ws_url("conversation_block", pk=blocked.pk), {"blocked": "0", "reason": "x"}, **HX
    )
    assert refused.status_code == 422
    blocked.customer.refresh_from_db()
    assert blocked.customer.is_blocked


def test_blocked_conversations_leave_the_list_and_counts_for_the_blocked_view(
    client_for, adam, page_a, blocked
):
    other = make_conversation(page_a, "psid-a-2", "Lê Thị C")
    client = client_for(adam)
    normal = client.get(ws_url("inbox_list"), **HX).content.decode()
    assert f'id="conv-{other.pk}"' in normal and f'id="conv-{blocked.pk}"' not in normal
    assert '<b class="chip-count" id="count-unread" hx-swap-oob="true">1</b>' in normal
    view = client.get(ws_url("inbox_list") + "?blocked=1", **HX).content.decode()
    assert f'id="conv-{blocked.pk}"' in view and f'id="conv-{other.pk}"' not in view
    assert 'data-blocked="1"' in view and 'data-unread="0"' in view
    # The blocked view covers every status: a closed conversation is still there.
    Conversation.objects.filter(pk=blocked.pk).update(status="closed")
    view = client.get(ws_url("inbox_list") + "?blocked=1", **HX).content.decode()
    assert f'id="conv-{blocked.pk}"' in view


def test_the_blocked_page_unblocks_with_a_reason_for_admins_only(client_for, adam, bob, blocked):
    page = client_for(bob).get(ws_url("blocked_customers")).content.decode()
    assert blocked.customer.name in page and 'name="reason"' not in page
    assert client_for(bob).post(
        ws_url("customer_unblock", pk=blocked.customer_id), {"reason": "x"}
    ).status_code == 403  # fmt: skip

    client = client_for(adam)
    page = client.get(ws_url("blocked_customers")).content.decode()
    assert 'name="reason"' in page and "required" in page
    answer = client.post(
        ws_url("customer_unblock", pk=blocked.customer_id), {"reason": " "}, follow=True
    )
    assert "lý do là bắt buộc" in answer.content.decode()
    blocked.customer.refresh_from_db()
    assert blocked.customer.is_blocked

    client.post(ws_url("customer_unblock", pk=blocked.customer_id), {"reason": "Đã trả tiền"})
    blocked.customer.refresh_from_db()
    assert not blocked.customer.is_blocked
    assert (blocked.customer.unblocked_by, blocked.customer.unblock_reason) == (adam, "Đã trả tiền")
    line = Message.objects.get(conversation=blocked, meta__event="unblocked")
    assert line.meta["reason"] == "Đã trả tiền"
    timeline = client.get(ws_url("conversation_timeline", pk=blocked.pk)).content.decode()
    assert "đã bỏ chặn khách hàng này: Đã trả tiền" in timeline
