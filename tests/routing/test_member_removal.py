"""Removing a member asks first and says what happens to their customers; a removal can be
undone, and reinstating gives back the conversations nobody has taken meanwhile."""

import pytest

from accounts.models import Membership
from conversations.models import Conversation, ConversationStatus
from tests.factories import make_conversation, make_user

pytestmark = pytest.mark.django_db


def remove_url(workspace, membership):
    return f"/w/{workspace.slug}/members/{membership.pk}/remove/"


def reinstate_url(workspace, membership):
    return f"/w/{workspace.slug}/members/{membership.pk}/reinstate/"


@pytest.fixture
def bobs_book(page_a, bob, workspace_a):
    """Bob holds two open conversations and one closed one."""
    first = make_conversation(page_a, "psid-1", "Nguyễn Văn A")
    second = make_conversation(page_a, "psid-2", "Trần Thị B")
    closed = make_conversation(page_a, "psid-3", "Lê Văn C")
    Conversation.objects.filter(pk__in=[first.pk, second.pk]).update(assignee=bob)
    Conversation.objects.filter(pk=closed.pk).update(assignee=bob, status=ConversationStatus.CLOSED)
    return first, second, closed


def holder(conversation):
    return Conversation.objects.get(pk=conversation.pk).assignee_id


def test_the_confirmation_says_how_many_open_conversations_go_back(
    client_for, adam, bob, workspace_a, bobs_book
):
    membership = Membership.objects.get(user=bob)
    response = client_for(adam).get(remove_url(workspace_a, membership))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="member-remove-confirm"' in html
    assert "2 open conversations" in html or "2 hội thoại" in html
    # Asking is not doing.
    assert Membership.objects.get(pk=membership.pk).is_active
    assert all(holder(c) == bob.pk for c in bobs_book)


def test_remove_releases_open_ones_keeps_closed_and_reinstate_gives_back_the_waiting(
    client_for, adam, alice, bob, workspace_a, bobs_book
):
    first, second, closed = bobs_book
    membership = Membership.objects.get(user=bob)
    client = client_for(adam)
    response = client.post(remove_url(workspace_a, membership))
    assert response.status_code == 302
    removed = Membership.objects.get(pk=membership.pk)
    assert not removed.is_active and removed.removed_by == adam
    assert sorted(removed.released_conversation_ids) == sorted([first.pk, second.pk])
    assert holder(first) is None and holder(second) is None
    assert holder(closed) == bob.pk  # the last handler stays on a closed conversation

    # Meanwhile Alice takes one of them.
    Conversation.objects.filter(pk=second.pk).update(assignee=alice)
    members_page = client.get(f"/w/{workspace_a.slug}/members/").content.decode()
    assert 'data-testid="removed-members"' in members_page and "Bob" in members_page

    response = client.post(reinstate_url(workspace_a, membership), follow=True)
    back = Membership.objects.get(pk=membership.pk)
    assert back.is_active and back.role == "agent" and back.removed_at is None
    assert holder(first) == bob.pk  # still waiting: back to Bob
    assert holder(second) == alice.pk  # taken meanwhile: stays with Alice
    text = response.content.decode()
    assert "1 conversation" in text or "1 hội thoại" in text


def test_an_agent_can_neither_remove_nor_reinstate(client_for, adam, bob, workspace_a):
    other = make_user("dan@a.test", "Dan", workspace_a, "agent")
    dan = Membership.objects.get(user=other)
    assert client_for(bob).post(remove_url(workspace_a, dan)).status_code == 403
    assert Membership.objects.get(pk=dan.pk).is_active
    client_for(adam).post(remove_url(workspace_a, dan))
    assert client_for(bob).post(reinstate_url(workspace_a, dan)).status_code == 403
    assert not Membership.objects.get(pk=dan.pk).is_active


def test_an_admin_cannot_remove_an_owner_and_nobody_removes_themselves(
    client_for, alice, adam, workspace_a
):
    owner = Membership.objects.get(user=alice)
    client_for(adam).post(remove_url(workspace_a, owner))
    assert Membership.objects.get(pk=owner.pk).is_active
    own = Membership.objects.get(user=adam)
    client_for(adam).post(remove_url(workspace_a, own))
    assert Membership.objects.get(pk=own.pk).is_active
