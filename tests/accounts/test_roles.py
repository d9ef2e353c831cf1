import pytest

ADMIN_PAGES = ["members/", "settings/", "channels/"]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_agent_cannot_open_admin_pages(client_for, bob, workspace_a, path):
    assert client_for(bob).get(f"/w/{workspace_a.slug}/{path}").status_code == 403


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_and_owner_can(client_for, alice, adam, workspace_a, path):
    assert client_for(adam).get(f"/w/{workspace_a.slug}/{path}").status_code == 200
    assert client_for(alice).get(f"/w/{workspace_a.slug}/{path}").status_code == 200


def test_agent_sees_no_admin_navigation(client_for, bob, workspace_a):
    html = client_for(bob).get(f"/w/{workspace_a.slug}/").content.decode()
    assert f"/w/{workspace_a.slug}/members/" not in html


def test_agent_cannot_change_roles_by_posting(client_for, alice, bob, workspace_a):
    from accounts.models import Membership

    alice_membership = Membership.objects.get(user=alice)
    response = client_for(bob).post(
        f"/w/{workspace_a.slug}/members/{alice_membership.pk}/", {"role": "agent"}
    )
    assert response.status_code == 403
    alice_membership.refresh_from_db()
    assert alice_membership.role == "owner"


def test_admin_cannot_demote_an_owner(client_for, alice, adam, workspace_a):
    from accounts.models import Membership

    alice_membership = Membership.objects.get(user=alice)
    client_for(adam).post(
        f"/w/{workspace_a.slug}/members/{alice_membership.pk}/", {"role": "agent"}
    )
    alice_membership.refresh_from_db()
    assert alice_membership.role == "owner"


def test_last_owner_cannot_be_demoted(client_for, alice, adam, workspace_a):
    from accounts.models import Membership

    client = client_for(alice)
    me = Membership.objects.get(user=alice)
    other = Membership.objects.get(user=adam)
    client.post(f"/w/{workspace_a.slug}/members/{other.pk}/", {"role": "owner"})
    other.refresh_from_db()
    assert other.role == "owner"
    # Now there are two owners: adam may demote alice, but not leave the shop ownerless.
    client_for(adam).post(f"/w/{workspace_a.slug}/members/{me.pk}/", {"role": "admin"})
    me.refresh_from_db()
    assert me.role == "admin"
    client_for(adam).post(f"/w/{workspace_a.slug}/members/{other.pk}/", {"role": "admin"})
    other.refresh_from_db()
    assert other.role == "owner"


def test_removed_agent_hands_back_their_customers(
    client_for, adam, bob, workspace_a, conversation_a
):
    from accounts.models import Membership
    from conversations.models import Conversation
    from routing.models import AssignmentChange

    Conversation.objects.filter(pk=conversation_a.pk).update(assignee=bob)
    bob_membership = Membership.objects.get(user=bob)
    client_for(adam).post(f"/w/{workspace_a.slug}/members/{bob_membership.pk}/remove/")
    conversation_a.refresh_from_db()
    assert conversation_a.assignee is None
    change = AssignmentChange.objects.get(conversation=conversation_a)
    assert (change.from_user, change.actor) == (bob, adam)
