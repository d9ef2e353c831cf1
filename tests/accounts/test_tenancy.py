"""A user of another workspace gets 404 on every workspace page and object."""

import pytest
from django.urls import URLPattern, URLResolver

from accounts.models import Invitation, Membership
from web.urls import workspace_pages


def workspace_paths(patterns, prefix=""):
    """Every route under /w/<ws>/, with any int/str parameters filled with 1."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from workspace_paths(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            for converter in ("<int:pk>", "<int:", "<str:", "<slug:", "<uuid:"):
                while converter in route:
                    start = route.index(converter)
                    end = route.index(">", start)
                    filler = "00000000-0000-0000-0000-000000000001" if "uuid" in converter else "1"
                    route = route[:start] + filler + route[end + 1 :]
            yield route


ALL_PATHS = sorted(set(workspace_paths(workspace_pages)))


def test_every_workspace_route_is_covered():
    assert "" in ALL_PATHS and "members/" in ALL_PATHS and "settings/" in ALL_PATHS


@pytest.mark.parametrize("path", ALL_PATHS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_foreign_member_gets_404_everywhere(client_for, alice, charlie, workspace_a, path, method):
    client = client_for(charlie)
    response = getattr(client, method)(f"/w/{workspace_a.slug}/{path}")
    assert response.status_code == 404


@pytest.mark.parametrize("path", ALL_PATHS)
def test_anonymous_is_sent_to_login(client, workspace_a, path):
    response = client.get(f"/w/{workspace_a.slug}/{path}")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_unknown_workspace_is_404(client_for, alice):
    assert client_for(alice).get("/w/no-such-shop/").status_code == 404


def test_deactivated_member_loses_access(client_for, bob, workspace_a):
    Membership.objects.filter(user=bob).update(is_active=False)
    assert client_for(bob).get(f"/w/{workspace_a.slug}/").status_code == 404


def test_foreign_conversation_id_in_own_workspace_is_404(
    client_for, charlie, workspace_b, conversation_a
):
    response = client_for(charlie).get(f"/w/{workspace_b.slug}/c/{conversation_a.pk}/")
    assert response.status_code == 404


def test_foreign_membership_id_is_404(client_for, alice, bob, charlie, workspace_b):
    bob_membership = Membership.objects.get(user=bob)
    response = client_for(charlie).post(
        f"/w/{workspace_b.slug}/members/{bob_membership.pk}/remove/"
    )
    assert response.status_code == 404
    assert Membership.objects.get(pk=bob_membership.pk).is_active


def test_foreign_invitation_id_is_404(client_for, alice, charlie, workspace_a, workspace_b):
    invitation = Invitation.objects.create(
        workspace=workspace_a, email="x@a.test", invited_by=alice
    )
    response = client_for(charlie).post(
        f"/w/{workspace_b.slug}/invitations/{invitation.pk}/revoke/"
    )
    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_own_conversation_opens(client_for, bob, workspace_a, conversation_a):
    response = client_for(bob).get(f"/w/{workspace_a.slug}/c/{conversation_a.pk}/")
    assert response.status_code == 200
