"""Quick replies: admins keep the set, agents use it in the composer; shortcuts are
cleaned and unique per workspace; text is escaped; another workspace's reply is a 404."""

import pytest
from django.urls import reverse

from conversations.models import QuickReply
from conversations.services import quick_replies
from inbox_project.errors import ApplicationError

pytestmark = pytest.mark.django_db


def settings_url() -> str:
    return reverse("quick_reply_settings", kwargs={"ws": "shop-a"})


def create_url() -> str:
    return reverse("quick_reply_create", kwargs={"ws": "shop-a"})


def update_url(reply) -> str:
    return reverse("quick_reply_update", kwargs={"ws": "shop-a", "pk": reply.pk})


@pytest.mark.parametrize(
    "raw, clean",
    [("ship", "ship"), ("/Ship", "ship"), ("  Giá Sỉ ", "giá-sỉ"), ("doi_tra-7", "doi_tra-7")],
)
def test_shortcuts_are_what_the_agent_types_after_the_slash(raw, clean):
    assert quick_replies.quick_reply_shortcut_clean(raw) == clean


@pytest.mark.parametrize("raw", ["", "/", "a/b", "giá!", "x" * 41, "<b>"])
def test_bad_shortcuts_are_refused_with_a_reason(raw):
    with pytest.raises(ApplicationError) as refused:
        quick_replies.quick_reply_shortcut_clean(raw)
    assert refused.value.message


def test_admin_adds_edits_and_deletes(client_for, adam, workspace_a):
    client = client_for(adam)
    response = client.post(create_url(), {"shortcut": "/Ship", "text": "Dạ ship 2-3 ngày ạ\r\n"})
    assert response.status_code == 302
    reply = QuickReply.objects.get(workspace=workspace_a)
    assert (reply.shortcut, reply.text) == ("ship", "Dạ ship 2-3 ngày ạ")

    client.post(update_url(reply), {"op": "save", "shortcut": "phiship", "text": "Phí 30k ạ"})
    reply.refresh_from_db()
    assert (reply.shortcut, reply.text) == ("phiship", "Phí 30k ạ")

    page = client.get(settings_url()).content.decode()
    assert "/phiship" in page and "Phí 30k ạ" in page

    client.post(update_url(reply), {"op": "delete"})
    assert not QuickReply.objects.exists()


def test_a_taken_shortcut_or_an_empty_text_loses_nothing(client_for, adam, workspace_a):
    client = client_for(adam)
    QuickReply.objects.create(workspace=workspace_a, shortcut="ship", text="Ship 2-3 ngày")
    response = client.post(create_url(), {"shortcut": "SHIP", "text": "Khác"}, follow=True)
    assert "/ship" in response.content.decode() and "“/ship”" in response.content.decode()
    other = QuickReply.objects.create(workspace=workspace_a, shortcut="gia", text="Giá 159k")
    response = client.post(update_url(other), {"shortcut": "ship", "text": "x"}, follow=True)
    other.refresh_from_db()
    assert other.shortcut == "gia" and other.text == "Giá 159k"
    client.post(update_url(other), {"shortcut": "gia", "text": "   "})
    other.refresh_from_db()
    assert other.text == "Giá 159k"
    assert QuickReply.objects.count() == 2


def test_the_same_shortcut_in_another_workspace_is_fine(workspace_a, workspace_b):
    quick_replies.quick_reply_create(workspace=workspace_a, shortcut="ship", text="A")
    quick_replies.quick_reply_create(workspace=workspace_b, shortcut="ship", text="B")
    assert QuickReply.objects.filter(shortcut="ship").count() == 2


def test_agents_see_the_set_but_do_not_change_it(client_for, bob, workspace_a):
    reply = QuickReply.objects.create(workspace=workspace_a, shortcut="ship", text="Ship ạ")
    client = client_for(bob)
    page = client.get(settings_url())
    assert page.status_code == 200 and "/ship" in page.content.decode()
    assert 'data-testid="quick-reply-add"' not in page.content.decode()
    assert client.post(create_url(), {"shortcut": "gia", "text": "x"}).status_code == 403
    assert client.post(update_url(reply), {"op": "delete"}).status_code == 403
    assert QuickReply.objects.count() == 1


def test_html_in_a_reply_is_shown_as_text(client_for, adam, workspace_a):
    QuickReply.objects.create(
        workspace=workspace_a, shortcut="x", text="<script>alert(1)</script><b>đậm</b>"
    )
    page = client_for(adam).get(settings_url()).content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_another_workspaces_reply_is_a_404(client_for, alice, workspace_b):
    theirs = QuickReply.objects.create(workspace=workspace_b, shortcut="ship", text="B")
    client = client_for(alice)
    response = client.post(update_url(theirs), {"op": "delete"})
    assert response.status_code == 404
    assert QuickReply.objects.filter(pk=theirs.pk).exists()


def test_the_inbox_offers_the_workspaces_replies_to_the_composer(client_for, bob, workspace_a):
    QuickReply.objects.create(workspace=workspace_a, shortcut="ship", text="Ship 2-3 ngày ạ")
    page = client_for(bob).get(reverse("inbox", kwargs={"ws": "shop-a"})).content.decode()
    assert '"shortcut": "ship"' in page
