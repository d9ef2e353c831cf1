"""Connecting a Shopee shop and keeping its tokens alive, against the stand-in: the signed
auth_partner link, the code exchanged for tokens (once), 4-hour access tokens renewed with
single-use refresh tokens under the account's row lock, even by two workers at once."""

from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.utils import timezone, translation

from channels_app.models import ChannelAccount
from channels_app.providers import get_adapter
from channels_app.providers.base import ProviderError
from channels_app.providers.shopee import signing
from channels_app.services.credentials import channel_credentials_refresh
from tests.channels_app.shopee import PARTNER_ID, PARTNER_KEY, api, fail_next, make_shop
from tests.channels_app.test_credential_refresh import run_together

REDIRECT = "https://inbox.example.vn/w/shop-a/channels/connect/shopee/callback/"


def authorise(shopee_api, *, shop_id: str = "382910475") -> tuple[dict, dict]:
    """Follow the auth link like the seller's browser: the stand-in redirects with a code."""
    url, kept = get_adapter("shopee").connect_url(state="st4te", redirect_uri=REDIRECT)
    response = requests.get(url + f"&_shop_id={shop_id}", allow_redirects=False, timeout=5)
    assert response.status_code == 302, response.text
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    return {k: v[0] for k, v in query.items()}, kept


def test_the_auth_link_is_signed_with_the_public_base_string(shopee_api):
    url, kept = get_adapter("shopee").connect_url(state="st4te", redirect_uri=REDIRECT)
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert parts.path == "/api/v2/shop/auth_partner" and query["partner_id"] == PARTNER_ID
    assert query["sign"] == signing.request_sign(
        partner_key=PARTNER_KEY, partner_id=PARTNER_ID, path=parts.path,
        timestamp=int(query["timestamp"]),
    )  # fmt: skip
    assert query["redirect"] == REDIRECT + "?state=st4te" == kept["redirect"]


def test_connecting_exchanges_the_code_once(shopee_api):
    params, kept = authorise(shopee_api)
    assert params["state"] == "st4te"  # the state rode in the redirect's own query
    adapter = get_adapter("shopee")
    connected = adapter.connect_finish(params=params, redirect_uri=REDIRECT, kept=kept)
    assert connected.external_id == "382910475" and connected.name == "Shop 382910475"
    assert set(connected.credentials) == {"shop_id", "access_token", "refresh_token", "expires_at"}
    assert (
        timedelta(hours=3, minutes=59) < connected.expires_at - timezone.now() <= timedelta(hours=4)
    )
    with pytest.raises(ProviderError) as caught:  # the code works once
        adapter.connect_finish(params=params, redirect_uri=REDIRECT, kept=kept)
    assert caught.value.code == "code_expired"
    with pytest.raises(ProviderError):
        adapter.connect_finish(params={"main_account_id": "1"}, redirect_uri=REDIRECT, kept={})


@pytest.mark.django_db
def test_fresh_credentials_are_left_alone(workspace_a, shopee_api):
    shop = make_shop(workspace_a)
    assert channel_credentials_refresh(shop) is False
    assert api(shopee_api, "/api/v2/_refreshes")["data"] == []


@pytest.mark.django_db(transaction=True)
def test_two_workers_refreshing_at_once_keep_the_token_chain(workspace_a, shopee_api, settings):
    settings.SHOPEE_REFRESH_MARGIN_SECONDS = 5 * 3600  # every refresh is due: both renew
    shop = make_shop(workspace_a, expires_in=timedelta(minutes=5))
    stale = [ChannelAccount.objects.get(pk=shop.pk) for _ in range(2)]  # both read refresh-1
    counter = iter(range(2))

    results = run_together(2, lambda: channel_credentials_refresh(stale[next(counter)]))

    assert results == [True, True]
    refreshes = api(shopee_api, "/api/v2/_refreshes")["data"]
    assert [r["used"] for r in refreshes] == ["shop-refresh-1", refreshes[0]["refresh_token"]]
    stored = ChannelAccount.objects.get(pk=shop.pk).credentials
    assert stored["refresh_token"] == refreshes[1]["refresh_token"]
    assert stored["access_token"] == refreshes[1]["access_token"]
    assert datetime.fromisoformat(stored["expires_at"]) > timezone.now() + timedelta(hours=3)
    # the chain is alive: the stored refresh token still works once more
    assert channel_credentials_refresh(ChannelAccount.objects.get(pk=shop.pk)) is True


@pytest.mark.django_db(transaction=True)
def test_two_workers_when_only_one_refresh_is_due(workspace_a, shopee_api):
    shop = make_shop(workspace_a, expires_in=timedelta(minutes=5))
    stale = [ChannelAccount.objects.get(pk=shop.pk) for _ in range(2)]
    counter = iter(range(2))
    results = run_together(2, lambda: channel_credentials_refresh(stale[next(counter)]))
    assert sorted(results) == [False, True]  # the second saw the first one's fresh token
    assert len(api(shopee_api, "/api/v2/_refreshes")["data"]) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["used_refresh_token", "partner_key_expired"])
def test_a_dead_refresh_token_or_partner_key_asks_for_a_reconnect(workspace_a, shopee_api, mode):
    shop = make_shop(workspace_a, expires_in=timedelta(minutes=-1))
    fail_next(shopee_api, mode)
    with pytest.raises(ProviderError) as caught:
        channel_credentials_refresh(shop)
    with translation.override("en"):
        assert caught.value.reconnect and "reconnect" in str(caught.value.message)
    assert ChannelAccount.objects.get(pk=shop.pk).credentials["refresh_token"] == "shop-refresh-1"


@pytest.mark.django_db
def test_a_refresh_token_spent_elsewhere_is_refused_by_the_stand_in(workspace_a, shopee_api):
    shop = make_shop(workspace_a, expires_in=timedelta(minutes=-1))
    assert channel_credentials_refresh(ChannelAccount.objects.get(pk=shop.pk)) is True
    stale = ChannelAccount.objects.get(pk=shop.pk)
    credentials = {**stale.credentials, "refresh_token": "shop-refresh-1",
                   "expires_at": (timezone.now() - timedelta(minutes=1)).isoformat()}  # fmt: skip
    stale.credentials = credentials
    stale.save(update_fields=["credentials_encrypted"])
    with pytest.raises(ProviderError) as caught:
        channel_credentials_refresh(stale)
    assert caught.value.code == "refresh_expired" and caught.value.reconnect
