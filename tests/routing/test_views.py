"""HTTP: the claim panel actions, the presence switch and the routing settings page."""

import datetime
import json

import pytest
from django.urls import reverse

from conversations.models import Conversation
from routing import services
from routing.models import AgentPresence, ChannelAgent, RoutingSettings
from tests.routing.conftest import membership

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}

CONVERSATION_POSTS = [
    "routing_claim",
    "routing_release",
    "routing_transfer",
    "routing_assign",
    "routing_unassign",
    "routing_close",
    "routing_reopen",
]


def url(name, workspace, **kwargs):
    return reverse(name, kwargs={"ws": workspace.slug, **kwargs})


def holder(conversation):
    return Conversation.objects.get(pk=conversation.pk).assignee_id


# --- tenancy: charlie never sees workspace A; foreign ids are 404 ----------------------------


@pytest.mark.parametrize("name", CONVERSATION_POSTS)
def test_charlie_gets_404_on_every_conversation_action(
    client_for, charlie, workspace_a, conversation_a, name
):
    response = client_for(charlie).post(
        url(name, workspace_a, pk=conversation_a.pk), {"to_user": charlie.pk}
    )
    assert response.status_code == 404
    assert holder(conversation_a) is None


@pytest.mark.parametrize("name", CONVERSATION_POSTS)
def test_a_foreign_conversation_id_is_404(client_for, alice, workspace_a, conversation_b, name):
    response = client_for(alice).post(
        url(name, workspace_a, pk=conversation_b.pk), {"to_user": alice.pk}
    )
    assert response.status_code == 404
    assert holder(conversation_b) is None


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("routing_settings", "get"),
        ("routing_settings", "post"),
        ("routing_capacity", "post"),
        ("routing_default_list", "post"),
        ("routing_presence", "post"),
    ],
)
def test_charlie_gets_404_on_workspace_pages(client_for, charlie, workspace_a, name, method):
    response = getattr(client_for(charlie), method)(url(name, workspace_a))
    assert response.status_code == 404


def test_charlie_gets_404_on_the_panel_and_a_channel_list(
    client_for, charlie, workspace_a, conversation_a, page_a
):
    client = client_for(charlie)
    assert client.get(url("routing_panel", workspace_a, pk=conversation_a.pk)).status_code == 404
    assert client.post(url("routing_channel_list", workspace_a, pk=page_a.pk)).status_code == 404


def test_a_foreign_channel_list_is_404(client_for, alice, workspace_a, page_b, bob):
    response = client_for(alice).post(
        url("routing_channel_list", workspace_a, pk=page_b.pk),
        {"members": [membership(bob, workspace_a).pk]},
    )
    assert response.status_code == 404
    assert not ChannelAgent.objects.exists()


def test_transfer_to_a_foreign_user_is_404(client_for, bob, charlie, workspace_a, conversation_a):
    services.conversation_claim(conversation_id=conversation_a.pk, user=bob, workspace=workspace_a)
    response = client_for(bob).post(
        url("routing_transfer", workspace_a, pk=conversation_a.pk), {"to_user": charlie.pk}
    )
    assert response.status_code == 404
    assert holder(conversation_a) == bob.pk


def test_transfer_without_a_target_says_so_and_moves_nothing(
    client_for, bob, workspace_a, conversation_a
):
    services.conversation_claim(conversation_id=conversation_a.pk, user=bob, workspace=workspace_a)
    response = client_for(bob).post(
        url("routing_transfer", workspace_a, pk=conversation_a.pk), {"to_user": ""}, **HTMX
    )
    assert "Hãy chọn người nhận khách." in response.content.decode()  # Vietnamese by default
    assert holder(conversation_a) == bob.pk


# --- claim ------------------------------------------------------------------------------------


def test_claim_without_htmx_redirects_back(client_for, bob, workspace_a, conversation_a):
    response = client_for(bob).post(url("routing_claim", workspace_a, pk=conversation_a.pk))
    assert response.status_code == 302
    assert response["Location"] == url("conversation", workspace_a, pk=conversation_a.pk)
    assert holder(conversation_a) == bob.pk


def test_claim_with_htmx_answers_the_panel(client_for, bob, workspace_a, conversation_a):
    response = client_for(bob).post(url("routing_claim", workspace_a, pk=conversation_a.pk), **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="claim-panel-{conversation_a.pk}"' in body
    assert 'data-testid="close-button"' in body  # the holder may act
    assert holder(conversation_a) == bob.pk


def test_a_late_claim_gets_already_taken_and_a_read_only_panel(
    client_for, bob, dan, workspace_a, conversation_a
):
    services.conversation_claim(conversation_id=conversation_a.pk, user=bob, workspace=workspace_a)
    response = client_for(dan).post(url("routing_claim", workspace_a, pk=conversation_a.pk), **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="claim-error"' in body and "Bob" in body
    assert 'data-testid="claim-banner"' in body
    assert 'data-testid="claim-button"' not in body and 'data-testid="close-button"' not in body
    trigger = json.loads(response["HX-Trigger"])
    assert trigger["routing-refused"]["code"] == "already_taken"
    assert holder(conversation_a) == bob.pk


def test_a_late_claim_without_htmx_flashes_the_reason(
    client_for, bob, dan, workspace_a, conversation_a
):
    services.conversation_claim(conversation_id=conversation_a.pk, user=bob, workspace=workspace_a)
    response = client_for(dan).post(
        url("routing_claim", workspace_a, pk=conversation_a.pk), follow=False
    )
    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("Bob" in m for m in messages)


def test_the_panel_shows_the_claim_button_to_everyone_while_unclaimed(
    client_for, dan, workspace_a, conversation_a
):
    body = (
        client_for(dan)
        .get(url("routing_panel", workspace_a, pk=conversation_a.pk))
        .content.decode()
    )
    assert 'data-testid="claim-button"' in body


# --- the other actions -------------------------------------------------------------------------


def test_non_claimant_close_and_transfer_are_refused_admin_accepted(
    client_for, bob, dan, adam, workspace_a, conversation_a
):
    services.conversation_claim(conversation_id=conversation_a.pk, user=bob, workspace=workspace_a)
    client = client_for(dan)
    response = client.post(url("routing_close", workspace_a, pk=conversation_a.pk), **HTMX)
    assert "routing-refused" in response["HX-Trigger"]
    response = client.post(
        url("routing_transfer", workspace_a, pk=conversation_a.pk), {"to_user": dan.pk}, **HTMX
    )
    assert "already_taken" in response["HX-Trigger"]
    assert holder(conversation_a) == bob.pk

    client = client_for(adam)
    client.post(
        url("routing_transfer", workspace_a, pk=conversation_a.pk),
        {"to_user": dan.pk, "note": "VIP"},
    )
    assert holder(conversation_a) == dan.pk
    client.post(url("routing_close", workspace_a, pk=conversation_a.pk))
    assert Conversation.objects.get(pk=conversation_a.pk).status == "closed"


def test_transfer_release_close_reopen_by_the_holder(
    client_for, bob, dan, workspace_a, conversation_a
):
    client = client_for(bob)
    client.post(url("routing_claim", workspace_a, pk=conversation_a.pk))
    client.post(
        url("routing_transfer", workspace_a, pk=conversation_a.pk),
        {"to_user": dan.pk, "note": "Khách cần tư vấn size"},
    )
    assert holder(conversation_a) == dan.pk
    client = client_for(dan)
    client.post(url("routing_release", workspace_a, pk=conversation_a.pk))
    assert holder(conversation_a) is None
    client.post(url("routing_claim", workspace_a, pk=conversation_a.pk))
    client.post(url("routing_close", workspace_a, pk=conversation_a.pk))
    assert Conversation.objects.get(pk=conversation_a.pk).status == "closed"
    client_for(bob).post(url("routing_reopen", workspace_a, pk=conversation_a.pk))
    assert holder(conversation_a) == bob.pk


def test_assign_and_unassign_are_for_admins(
    client_for, bob, dan, adam, workspace_a, conversation_a
):
    response = client_for(bob).post(
        url("routing_assign", workspace_a, pk=conversation_a.pk), {"to_user": bob.pk}
    )
    assert response.status_code == 403
    client = client_for(adam)
    client.post(url("routing_assign", workspace_a, pk=conversation_a.pk), {"to_user": dan.pk})
    assert holder(conversation_a) == dan.pk
    assert (
        client_for(bob).post(url("routing_unassign", workspace_a, pk=conversation_a.pk)).status_code
        == 403
    )
    client_for(adam).post(url("routing_unassign", workspace_a, pk=conversation_a.pk))
    assert holder(conversation_a) is None


def test_get_is_not_allowed_on_actions(client_for, bob, workspace_a, conversation_a):
    assert (
        client_for(bob).get(url("routing_claim", workspace_a, pk=conversation_a.pk)).status_code
        == 405
    )


# --- presence ---------------------------------------------------------------------------------


def test_presence_switch(client_for, bob, workspace_a):
    client = client_for(bob)
    response = client.post(url("routing_presence", workspace_a), {"status": "away"}, **HTMX)
    assert response.status_code == 200
    assert 'data-testid="presence-switch"' in response.content.decode()
    assert AgentPresence.objects.get(membership=membership(bob, workspace_a)).status == "away"
    client.post(url("routing_presence", workspace_a), {"status": "online"})
    assert AgentPresence.objects.get(membership=membership(bob, workspace_a)).status == "online"


# --- settings page ------------------------------------------------------------------------------


def test_settings_page_is_for_admins(client_for, alice, bob, workspace_a, page_a):
    assert client_for(bob).get(url("routing_settings", workspace_a)).status_code == 403
    response = client_for(alice).get(url("routing_settings", workspace_a))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="routing-settings"' in body and page_a.display_name in body


def test_settings_save(client_for, alice, workspace_a):
    response = client_for(alice).post(
        url("routing_settings", workspace_a),
        {
            "mode": "round_robin",
            "anti_steal_enabled": "on",
            "anti_steal_minutes": "15",
            "idle_timeout_minutes": "20",
            "business_days": ["0", "1", "2"],
            "business_start": "09:00",
            "business_end": "18:00",
            "closed_on_holidays": "on",
        },
    )
    assert response.status_code == 302
    saved = RoutingSettings.objects.get(workspace=workspace_a)
    assert saved.mode == "round_robin" and saved.anti_steal_enabled
    assert saved.anti_steal_minutes == 15
    workspace_a.refresh_from_db()
    assert workspace_a.business_days == [0, 1, 2]
    assert workspace_a.business_start == datetime.time(9)
    assert workspace_a.business_end == datetime.time(18)
    assert workspace_a.closed_on_holidays
    assert datetime.date(2026, 9, 2) in workspace_a.business_hours.closed


def test_settings_refuse_bad_values(client_for, alice, workspace_a):
    response = client_for(alice).post(
        url("routing_settings", workspace_a),
        {
            "mode": "round_robin",
            "anti_steal_minutes": "0",
            "idle_timeout_minutes": "5",
            "business_start": "18:00",
            "business_end": "09:00",
        },
    )
    assert response.status_code == 200
    assert not RoutingSettings.objects.filter(workspace=workspace_a).exists()


def test_lists_and_capacity_save(client_for, alice, bob, dan, workspace_a, page_a):
    client = client_for(alice)
    bob_m, dan_m = membership(bob, workspace_a), membership(dan, workspace_a)
    client.post(
        url("routing_channel_list", workspace_a, pk=page_a.pk), {"members": [bob_m.pk, dan_m.pk]}
    )
    client.post(url("routing_default_list", workspace_a), {"members": [dan_m.pk]})
    assert ChannelAgent.objects.filter(channel_account=page_a).count() == 2
    assert ChannelAgent.objects.filter(channel_account=None, membership=dan_m).exists()
    client.post(url("routing_capacity", workspace_a), {f"capacity-{bob_m.pk}": "6"})
    assert AgentPresence.objects.get(membership=bob_m).capacity == 6
    assert client_for(bob).post(url("routing_capacity", workspace_a)).status_code == 403
