from datetime import timedelta

from django.core import mail
from django.utils import timezone

from accounts.models import Invitation, Membership, User


def invite(client, workspace, email, role="agent"):
    return client.post(f"/w/{workspace.slug}/members/", {"email": email, "role": role})


def test_admin_invites_by_email_link(
    client_for, adam, workspace_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client_for(adam), workspace_a, "New.Agent@Example.com")
    assert response.status_code == 302
    invitation = Invitation.objects.get(workspace=workspace_a)
    assert invitation.email == "new.agent@example.com"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.agent@example.com"]
    assert f"/invite/{invitation.token}/" in mail.outbox[0].body
    assert workspace_a.name in mail.outbox[0].subject


def test_new_person_signs_up_through_the_link(client, workspace_a, alice):
    invitation = Invitation.objects.create(
        workspace=workspace_a, email="hoa@example.com", role="agent", invited_by=alice
    )
    page = client.get(f"/invite/{invitation.token}/")
    assert page.status_code == 200 and "hoa@example.com" in page.content.decode()
    response = client.post(
        f"/invite/{invitation.token}/", {"full_name": "Hoa", "password": "a-long-pass-phrase-9"}
    )
    assert response.status_code == 302 and response["Location"] == f"/w/{workspace_a.slug}/"
    user = User.objects.get(email="hoa@example.com")
    assert Membership.objects.get(user=user, workspace=workspace_a).role == "agent"
    invitation.refresh_from_db()
    assert invitation.accepted_by == user
    # The link is single-use.
    assert client.get(f"/invite/{invitation.token}/").status_code == 404


def test_weak_password_is_refused_with_a_message(client, workspace_a, alice):
    invitation = Invitation.objects.create(
        workspace=workspace_a, email="hoa@example.com", invited_by=alice
    )
    response = client.post(f"/invite/{invitation.token}/", {"full_name": "Hoa", "password": "123"})
    assert response.status_code == 200
    assert not User.objects.filter(email="hoa@example.com").exists()


def test_existing_user_accepts_after_login_and_double_click_joins_once(
    client_for, charlie, workspace_a, alice
):
    invitation = Invitation.objects.create(
        workspace=workspace_a, email=charlie.email, role="admin", invited_by=alice
    )
    client = client_for(charlie)
    client.post(f"/invite/{invitation.token}/")
    client.post(f"/invite/{invitation.token}/")
    assert Membership.objects.filter(user=charlie, workspace=workspace_a).count() == 1
    assert Membership.objects.get(user=charlie, workspace=workspace_a).role == "admin"


def test_invitation_for_someone_else_is_refused(client_for, bob, workspace_b, charlie):
    invitation = Invitation.objects.create(
        workspace=workspace_b, email="other@example.com", invited_by=charlie
    )
    response = client_for(bob).post(f"/invite/{invitation.token}/", follow=True)
    assert "other@example.com" in response.content.decode()
    assert not Membership.objects.filter(user=bob, workspace=workspace_b).exists()


def test_expired_and_withdrawn_links_are_dead(client, workspace_a, alice):
    expired = Invitation.objects.create(
        workspace=workspace_a,
        email="a@example.com",
        invited_by=alice,
        expires_at=timezone.now() - timedelta(minutes=1),
    )
    withdrawn = Invitation.objects.create(
        workspace=workspace_a, email="b@example.com", invited_by=alice, revoked_at=timezone.now()
    )
    assert client.get(f"/invite/{expired.token}/").status_code == 404
    assert client.get(f"/invite/{withdrawn.token}/").status_code == 404
    assert client.get("/invite/not-a-token/").status_code == 404


def test_inviting_a_member_again_is_a_clear_error(client_for, adam, bob, workspace_a):
    response = invite(client_for(adam), workspace_a, bob.email)
    assert response.status_code == 200
    assert bob.email in response.content.decode()
    assert not Invitation.objects.exists()


def test_only_owner_invites_owners(client_for, adam, workspace_a):
    response = invite(client_for(adam), workspace_a, "boss@example.com", role="owner")
    assert response.status_code == 200
    assert not Invitation.objects.exists()
