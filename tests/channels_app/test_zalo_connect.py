"""Connecting a Zalo OA end to end against the stand-in: the admin is sent to the permission
screen with a PKCE challenge and our state, comes back to the callback, and the OA is stored
with encrypted credentials and their expiry; the state is checked; Reconnect and Disconnect."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.urls import reverse

from channels_app.models import ChannelAccount
from devtools.standin_zalo import STANDIN_OA_ID

pytestmark = pytest.mark.django_db


def start(client, user):
    client.force_login(user)
    response = client.get(reverse("channel_connect", kwargs={"ws": "shop-a", "kind": "zalo"}))
    assert response.status_code == 302
    return response["Location"]


def consent(location: str) -> str:
    """What the admin's browser does at Zalo: the stand-in consents and redirects back."""
    answer = requests.get(location, allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    return answer.headers["Location"]


def callback(client, back: str):
    parts = urlsplit(back)
    return client.get(parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()})


def test_an_admin_connects_an_oa_with_pkce(client, alice, zalo_api, settings):
    location = start(client, alice)
    query = parse_qs(urlsplit(location).query)
    assert location.startswith(settings.ZALO_OAUTH_URL + "/oa/permission?")
    assert query["app_id"] == [settings.ZALO_APP_ID]
    assert query["redirect_uri"] == [settings.SITE_URL.rstrip("/") + "/channels/callback/zalo/"]
    assert len(query["code_challenge"][0]) == 43 and query["state"][0]
    response = callback(client, consent(location))
    assert response.status_code == 302 and response["Location"].endswith("/w/shop-a/channels/")
    account = ChannelAccount.objects.get(kind="zalo")
    assert (account.external_id, account.display_name) == (STANDIN_OA_ID, "Shop Demo Zalo OA")
    assert account.credentials["access_token"].startswith("zat-")
    assert account.credentials["refresh_token"] not in account.credentials_encrypted
    assert account.credentials_expires_at is not None
    page = client.get(reverse("channels", kwargs={"ws": "shop-a"})).content.decode()
    assert "Shop Demo Zalo OA" in page and "/webhooks/zalo/" in page


def test_a_callback_with_another_state_is_refused(client, alice, zalo_api):
    back = consent(start(client, alice))
    forged = back.replace("state=", "state=x")
    response = callback(client, forged)
    assert response.status_code == 302
    assert not ChannelAccount.objects.filter(kind="zalo").exists()


def test_a_callback_without_a_started_connection_is_refused(client, alice, zalo_api):
    client.force_login(alice)
    response = client.get(reverse("channel_connect_callback", kwargs={"kind": "zalo"}),
                          {"code": "x", "state": "y"})  # fmt: skip
    assert response.status_code == 403


def test_agents_cannot_connect(client, bob, zalo_api):
    client.force_login(bob)
    response = client.get(reverse("channel_connect", kwargs={"ws": "shop-a", "kind": "zalo"}))
    assert response.status_code == 403


def test_reconnect_updates_the_same_account_and_clears_the_flag(client, alice, zalo_api):
    callback(client, consent(start(client, alice)))
    account = ChannelAccount.objects.get(kind="zalo")
    ChannelAccount.objects.filter(pk=account.pk).update(
        needs_reconnect=True, reconnect_reason="Zalo refused to renew"
    )
    page = client.get(reverse("channels", kwargs={"ws": "shop-a"})).content.decode()
    assert "Zalo refused to renew" in page and 'data-testid="reconnect-notice"' in page
    callback(client, consent(start(client, alice)))
    account.refresh_from_db()
    assert ChannelAccount.objects.filter(kind="zalo").count() == 1
    assert (account.needs_reconnect, account.reconnect_reason) == (False, "")


def test_an_oa_of_another_workspace_is_not_taken_over(client, alice, charlie, zalo_api):
    callback(client, consent(start(client, alice)))
    client.force_login(charlie)
    location = client.get(reverse("channel_connect", kwargs={"ws": "shop-b", "kind": "zalo"}))[
        "Location"
    ]
    callback(client, consent(location))
    assert list(ChannelAccount.objects.values_list("workspace__slug", flat=True)) == ["shop-a"]


def test_disconnect_stops_the_oa_and_forgets_its_credentials(client, alice, zalo_api):
    callback(client, consent(start(client, alice)))
    account = ChannelAccount.objects.get(kind="zalo")
    response = client.post(reverse("channel_disconnect", kwargs={"ws": "shop-a", "pk": account.pk}))
    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.is_active, account.credentials, account.credentials_expires_at) == (
        False, {}, None,
    )  # fmt: skip
