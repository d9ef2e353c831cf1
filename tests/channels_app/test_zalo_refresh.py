"""Zalo's single-use refresh tokens against the stand-in over real HTTP: two workers
refreshing one OA at once leave a working chain; a spent token flags the OA for reconnecting
with the reason on the channels page and a notice to admins; beat queues the OAs whose access
expires within the margin."""

from datetime import timedelta

import pytest
import requests
from django.urls import reverse
from django.utils import timezone

from channels_app.models import ChannelAccount
from channels_app.services import credentials
from tests.channels_app.test_credential_refresh import run_together
from tests.channels_app.zalo import OA_ID, sent
from tests.factories import make_channel_account

pytestmark = pytest.mark.django_db(transaction=True)


def expiring(workspace, **extra):
    soon = timezone.now() + timedelta(minutes=5)
    account = make_channel_account(
        workspace, "zalo", OA_ID, "Shop A Zalo OA", access_token="zalo-token-a",
        refresh_token="zalo-refresh-a", expires_at=soon.isoformat(), **extra,
    )  # fmt: skip
    ChannelAccount.objects.filter(pk=account.pk).update(credentials_expires_at=soon)
    return account


def refreshes(server) -> int:
    return sum(e["kind"] == "zalo_token_refresh_token" for e in sent(server))


def test_two_workers_refreshing_at_once_leave_a_working_chain(workspace_a, zalo_api, settings):
    account = expiring(workspace_a)
    stale = [ChannelAccount.objects.get(pk=account.pk) for _ in range(2)]  # both read the old
    counter = iter(range(2))

    results = run_together(2, lambda: credentials.channel_credentials_refresh(stale[next(counter)]))

    assert sorted(results) == [False, True]  # the second found fresh credentials: no call
    assert refreshes(zalo_api) == 1
    stored = ChannelAccount.objects.get(pk=account.pk)
    assert stored.credentials["refresh_token"].startswith("zrt-")
    assert stored.credentials_expires_at > timezone.now() + timedelta(hours=24)
    # the chain survives: the stored refresh token is the live one
    answer = requests.post(
        settings.ZALO_OAUTH_URL + "/oa/access_token",
        data={"app_id": settings.ZALO_APP_ID, "grant_type": "refresh_token",
              "refresh_token": stored.credentials["refresh_token"]},
        headers={"secret_key": settings.ZALO_APP_SECRET}, timeout=5,
    ).json()  # fmt: skip
    assert answer.get("access_token"), answer
    # while the one spent before is refused, as Zalo does (-14020)
    again = requests.post(
        settings.ZALO_OAUTH_URL + "/oa/access_token",
        data={"app_id": settings.ZALO_APP_ID, "grant_type": "refresh_token",
              "refresh_token": "zalo-refresh-a"},
        headers={"secret_key": settings.ZALO_APP_SECRET}, timeout=5,
    ).json()  # fmt: skip
    assert again["error"] == -14020


def test_a_spent_refresh_token_flags_the_oa_with_the_reason(client, workspace_a, alice, zalo_api):
    account = expiring(workspace_a)
    refresh = account.credentials["refresh_token"]
    requests.post(
        zalo_api_url(zalo_api) + "/zalo/oauth/v4/oa/access_token",
        data={"grant_type": "refresh_token", "refresh_token": refresh},
        headers={"secret_key": "s"},
        timeout=5,
    )  # fmt: skip  (someone else spent it)
    outcome = credentials.channel_credentials_refresh_account(
        workspace_id=workspace_a.pk, account_id=account.pk
    )
    assert outcome == "reconnect"
    account.refresh_from_db()
    assert account.needs_reconnect
    assert "-14020" in account.reconnect_reason
    client.force_login(alice)
    page = client.get(reverse("channels", kwargs={"ws": "shop-a"})).content.decode()
    assert 'data-testid="reconnect-reason"' in page and "-14020" in page
    inbox = client.get(reverse("inbox", kwargs={"ws": "shop-a"})).content.decode()
    assert 'data-testid="reconnect-notice"' in inbox


def test_beat_queues_only_the_accounts_expiring_within_the_margin(
    workspace_a, zalo_api, django_capture_on_commit_callbacks, monkeypatch
):
    due = expiring(workspace_a)
    later = make_channel_account(workspace_a, "zalo", "222", "Later", access_token="t")
    ChannelAccount.objects.filter(pk=later.pk).update(
        credentials_expires_at=timezone.now() + timedelta(hours=20)
    )
    make_channel_account(workspace_a, "facebook", "333", "Page")  # never expires
    queued = []
    monkeypatch.setattr(credentials, "enqueue_on_commit", lambda name, *args: queued.append(args))
    assert credentials.channel_credentials_refresh_due() == 1
    assert queued == [(workspace_a.pk, due.pk)]
    assert (
        credentials.channel_credentials_refresh_account(
            workspace_id=workspace_a.pk, account_id=due.pk
        )
        == "refreshed"
    )
    assert credentials.channel_credentials_refresh_due() == 0  # renewed: no longer due


def zalo_api_url(server) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}"
