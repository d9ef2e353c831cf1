"""Connecting Facebook Pages and their Instagram accounts from one Facebook Login, against
the Graph stand-in over real HTTP: the consent, the token exchanges, every Page listed with
cursors, search and paging, the batch subscription, encrypted tokens, refusals."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext

from channels_app.models import ChannelAccount
from channels_app.services import connect, connect_picks
from devtools import standin_meta_login
from inbox_project.errors import ApplicationError
from tests.channels_app.standin_http import origin
from tests.factories import make_channel_account

pytestmark = pytest.mark.django_db
REDIRECT = "http://testserver/channels/callback/facebook/"


@pytest.fixture
def login(graph, settings):
    settings.META_LOGIN_URL = f"{origin(graph)}/v23.0/dialog/oauth"
    return graph


def pages(graph, count):
    requests.post(f"{origin(graph)}/_login", json={"pages": count}, timeout=5)


def login_calls(graph):
    return requests.get(f"{origin(graph)}/_login", timeout=5).json()["data"]


def consent(workspace, *, kind="facebook"):
    url, pending = connect.channel_connect_start(workspace=workspace, kind=kind,
                                                 redirect_uri=REDIRECT)  # fmt: skip
    page = requests.get(url, timeout=5)
    assert page.status_code == 200 and "Continue" in page.text
    back = page.text.split("id='continue' href='")[1].split("'")[0].replace("&amp;", "&")
    params = {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()}
    return connect_picks.channel_picks_receive(pending=pending, kind=kind, params=params,
                                               redirect_uri=REDIRECT, workspace=workspace)  # fmt: skip


def test_every_page_is_listed_searchable_and_paged(login, workspace_a):
    pages(login, 230)
    pick = consent(workspace_a)
    assert login_calls(login).count("me/accounts") == 3  # 100 a call, `after` cursors
    first = connect_picks.channel_picks_page(workspace=workspace_a, pick_id=pick)
    assert (first.listed, first.total, first.pages, len(first.rows)) == (230, 230, 5, 50)
    assert first.rows[0].instagram is not None and first.rows[1].instagram is None
    found = connect_picks.channel_picks_page(workspace=workspace_a, pick_id=pick,
                                             query="thoi trang ha noi")  # fmt: skip
    assert found.total and all("Thời trang Hà Nội" in r.page.candidate.name for r in found.rows)
    with CaptureQueriesContext(connection) as few:
        connect_picks.channel_picks_page(workspace=workspace_a, pick_id=pick, page=1, per_page=5)
    with CaptureQueriesContext(connection) as many:
        connect_picks.channel_picks_page(workspace=workspace_a, pick_id=pick, page=1, per_page=100)
    assert len(few) == len(many) == 1


def test_connecting_250_pages_takes_ten_graph_calls(login, workspace_a):
    pages(login, 250)
    pick = consent(workspace_a)
    keys = [f"facebook:{standin_meta_login.page_id(i)}" for i in range(250)]
    results = connect_picks.channel_picks_connect(workspace=workspace_a, pick_id=pick, keys=keys)
    assert all(r.connected for r in results.values())
    calls = login_calls(login)
    # 2 token exchanges, 3 pages of /me/accounts, 5 batches of 50 subscriptions
    assert (calls.count("oauth/access_token"), calls.count("me/accounts"),
            calls.count("batch")) == (2, 3, 5)  # fmt: skip
    account = ChannelAccount.objects.get(external_id=standin_meta_login.page_id(7))
    assert account.credentials["page_access_token"] == "EAAP" + account.external_id
    assert "EAAP" not in account.credentials_encrypted
    assert ChannelAccount.objects.filter(workspace=workspace_a, kind="facebook").count() == 250
    subscribed = requests.get(
        f"{origin(login)}/v23.0/{account.external_id}/subscribed_apps",
        headers={"Authorization": "Bearer x"}, timeout=5,
    ).json()["data"]  # fmt: skip
    assert "messages" in subscribed[0]["subscribed_fields"]


def test_instagram_is_connected_on_its_page_and_a_taken_page_is_refused(
    login, workspace_a, workspace_b
):
    pages(login, 6)
    make_channel_account(workspace_b, "facebook", standin_meta_login.page_id(1), "Not yours")
    pick = consent(workspace_a)
    ig = standin_meta_login.IG_ID_BASE + 3
    row = connect_picks.channel_picks_page(workspace=workspace_a, pick_id=pick).rows[1]
    assert row.page.state == "taken" and not row.page.pickable
    results = connect_picks.channel_picks_connect(
        workspace=workspace_a, pick_id=pick,
        keys=[f"facebook:{standin_meta_login.page_id(1)}", f"instagram:{ig}"],
    )  # fmt: skip
    refused = results[f"facebook:{standin_meta_login.page_id(1)}"]
    assert not refused.connected
    assert refused.reason == gettext(
        "Already connected to another workspace: its admins must disconnect it first."
    )
    account = ChannelAccount.objects.get(kind="instagram", external_id=str(ig))
    assert account.settings["page_id"] == standin_meta_login.page_id(3)
    assert (
        ChannelAccount.objects.get(external_id=standin_meta_login.page_id(1)).workspace
        == workspace_b
    )


def test_reconnecting_clears_the_flag_and_unknown_picks_are_refused(login, workspace_a):
    pages(login, 3)
    page = standin_meta_login.page_id(0)
    old = make_channel_account(workspace_a, "facebook", page, "Old name")
    ChannelAccount.objects.filter(pk=old.pk).update(is_active=False, needs_reconnect=True)
    pick = consent(workspace_a)
    assert (
        connect_picks.channel_picks_page(workspace=workspace_a, pick_id=pick).rows[0].page.state
        == "off"
    )
    with pytest.raises(ApplicationError):
        connect_picks.channel_picks_connect(workspace=workspace_a, pick_id=pick,
                                            keys=["facebook:999"])  # fmt: skip
    connect_picks.channel_picks_connect(
        workspace=workspace_a, pick_id=pick, keys=[f"facebook:{page}"]
    )
    old.refresh_from_db()
    assert old.is_active and not old.needs_reconnect and old.display_name.startswith("Thời trang")


def test_a_forged_state_and_an_expired_list_are_refused(login, workspace_a):
    url, pending = connect.channel_connect_start(workspace=workspace_a, kind="facebook",
                                                 redirect_uri=REDIRECT)  # fmt: skip
    with pytest.raises(ApplicationError):
        connect_picks.channel_picks_receive(pending=pending, kind="facebook",
                                            params={"code": "x", "state": "forged"},
                                            redirect_uri=REDIRECT, workspace=workspace_a)  # fmt: skip
    with pytest.raises(ApplicationError):
        connect_picks.channel_picks_page(workspace=workspace_a, pick_id="gone")
