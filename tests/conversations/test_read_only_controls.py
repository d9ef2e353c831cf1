"""A member who may not act on a conversation (held by a colleague) is offered only what the
server accepts from them: internal notes, no reply, order, labels, rating, block or archive."""

import pytest
from django.urls import reverse

from conversations.models import Conversation, Label
from conversations.permissions import viewer_controls
from tests.factories import make_user

ACTING_CONTROLS = (
    'data-testid="order-new"',
    'data-testid="label-add"',
    'data-testid="block"',
    'data-testid="archive"',
    'name="mode" value="reply"',
    'class="label-x"',
    "/rating/",
    'name="files"',  # a note carries no files: the server drops them
)


@pytest.fixture
def dan(workspace_a):
    return make_user("dan@a.test", "Dan", workspace_a, "agent")


def _page(client, conversation) -> str:
    url = reverse("conversation", kwargs={"ws": "shop-a", "pk": conversation.pk})
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _label(workspace, conversation):
    on = Label.objects.create(workspace=workspace, channel_account=None, name="VIP")
    Label.objects.create(workspace=workspace, channel_account=None, name="Đổi trả")
    on.conversations.add(conversation, through_defaults={"workspace": workspace})


def test_colleagues_customer_offers_only_notes(client_for, bob, dan, workspace_a, conversation_a):
    _label(workspace_a, conversation_a)
    Conversation.objects.filter(pk=conversation_a.pk).update(assignee=dan)
    html = _page(client_for(bob), conversation_a)
    for control in ACTING_CONTROLS:
        assert control not in html, control
    assert 'data-testid="read-only-note"' in html
    assert 'name="mode" value="note"' in html and 'name="text" maxlength="5000"' in html
    assert 'data-testid="gate"' not in html


def test_own_customer_offers_every_control(client_for, bob, workspace_a, conversation_a):
    _label(workspace_a, conversation_a)
    Conversation.objects.filter(pk=conversation_a.pk).update(assignee=bob)
    html = _page(client_for(bob), conversation_a)
    for control in ACTING_CONTROLS:
        assert control in html, control
    assert 'data-testid="read-only-note"' not in html


def test_offered_controls_follow_the_rule_the_server_enforces(bob, dan, workspace_a):
    from accounts.models import Membership
    from routing.policies import act_refusal

    membership = Membership.objects.get(user=bob, workspace=workspace_a)
    for assignee in (None, bob.pk, dan.pk):
        offered = viewer_controls(assignee_id=assignee, membership=membership).can_act
        refused = act_refusal(assignee_id=assignee, user_id=bob.pk, is_admin=False)
        assert offered == (refused is None)
